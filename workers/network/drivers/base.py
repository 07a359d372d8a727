from abc import ABC, abstractmethod


class NetworkDriver(ABC):
    """What the Networking component asks of a data plane. Each call gives the whole desired
    state of one object, so applying it twice is the same as once."""

    @abstractmethod
    def apply_public_ip(self, ip, port_forwards, firewall_rules):
        """Make ``ip`` answer with exactly these port forwards and firewall rules."""

    @abstractmethod
    def release_public_ip(self, ip):
        """Remove every trace of ``ip`` from the data plane."""

    @abstractmethod
    def apply_security_group(self, group, rules):
        """Make ``group`` filter with exactly these rules."""

    @abstractmethod
    def remove_security_group(self, group_uuid):
        """Remove the filters of a deleted group."""
