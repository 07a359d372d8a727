"""Hypervisor drivers behind one interface (:class:`HypervisorDriver`), chosen per host:
libvirt for KVM hosts, libvirt's test driver for simulated ones, and an in-memory fake for
unit tests (hosts whose URI is ``fake://...``)."""
from .base import DomainSpec, HypervisorDriver
from .fake import FakeDriver
from .libvirt_driver import LibvirtDriver
from .simulator import SimulatorDriver

SIMULATOR = "Simulator"  # CloudStack's name of the hypervisor type


def driver_for(host):
    """The driver of ``host`` (anything with a ``url`` and a ``hypervisor`` type), by its
    hypervisor type and, for the fake, its URI scheme."""
    if host.url.startswith("fake://"):
        return FakeDriver(host.url)
    if host.hypervisor == SIMULATOR:
        return SimulatorDriver(host.url)
    return LibvirtDriver(host.url)


__all__ = ["DomainSpec", "FakeDriver", "HypervisorDriver", "LibvirtDriver", "SimulatorDriver", "driver_for"]
