from .base import DomainSpec, HypervisorDriver
from .libvirt_driver import LibvirtDriver


def driver_for(host):
    """The driver for a host: libvirt, for KVM hosts and simulated ones alike."""
    return LibvirtDriver(host.url)


__all__ = ["DomainSpec", "HypervisorDriver", "LibvirtDriver", "driver_for"]
