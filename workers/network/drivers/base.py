from abc import ABC, abstractmethod


class NetworkDriver(ABC):
    """What the Networking component asks of a data plane. Each call gives the whole desired
    state of one guest network (:class:`workers.network.plan.NetworkPlan`), so applying it
    twice is the same as once, and a redelivered task is harmless. Security groups are part
    of that state: a shared network's plan lists its members with their groups' rules."""

    @abstractmethod
    def implement(self, plan):
        """Make the network exist with exactly this configuration (bridge, router, public
        IPs, NAT and filtering rules)."""

    @abstractmethod
    def destroy(self, plan):
        """Remove every trace of the network from the data plane."""
