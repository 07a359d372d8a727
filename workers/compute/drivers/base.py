"""The hypervisor driver interface (after Nova's ``virt/driver.py``).

The compute manager speaks only this interface; it never imports libvirt itself.
"""
from abc import ABC, abstractmethod
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Disk:
    path: str
    format: str = "raw"
    device_id: int = 0


@dataclass(frozen=True)
class Interface:
    mac: str
    bridge: str


@dataclass(frozen=True)
class DomainSpec:
    """What a guest is, independent of any hypervisor's description language."""

    name: str
    uuid: str
    vcpus: int
    memory_mb: int
    disks: tuple = field(default_factory=tuple)
    interfaces: tuple = field(default_factory=tuple)
    kernel: str = ""  # direct kernel boot (with initrd and cmdline), when the template says so
    initrd: str = ""
    cmdline: str = ""
    console_log: str = ""  # where the guest's serial console is written


class HypervisorDriver(ABC):
    @abstractmethod
    def start(self, spec):
        """Define and boot the guest; a guest already running is left as it is."""

    @abstractmethod
    def stop(self, name, forced=False, timeout=60.0):
        """Shut the guest down (ACPI, then hard off after ``timeout`` or when forced) and
        drop its definition; a missing guest is already stopped."""

    @abstractmethod
    def reboot(self, name):
        """Reboot a running guest."""

    @abstractmethod
    def destroy(self, name):
        """Power off and undefine at once; a missing guest is not an error."""

    @abstractmethod
    def migrate(self, spec, target):
        """Move running guest ``spec.name`` to the driver ``target``; it runs there after."""

    @abstractmethod
    def attach_disk(self, name, disk, device_id):
        """Plug ``disk`` into guest ``name`` as its ``device_id``-th disk (live if it runs)."""

    @abstractmethod
    def detach_disk(self, name, disk, device_id):
        """Unplug that disk again; a disk not there is not an error."""

    @abstractmethod
    def attach_interface(self, name, interface):
        """Plug a NIC into guest ``name`` (live if it runs); one already there is fine."""

    @abstractmethod
    def detach_interface(self, name, interface):
        """Unplug that NIC again; a NIC not there is not an error."""

    @abstractmethod
    def forget_if_off(self, name):
        """Drop the definition of a guest that is not running (a guest running again is kept)."""

    @abstractmethod
    def state(self, name):
        """``running``, ``paused``, ``shutoff`` or ``missing``."""

    @abstractmethod
    def host_stats(self):
        """Capacity and load of the host: cpus, cpu_mhz, memory_mb, free_memory_mb and
        running (the names of the running guests)."""

    @abstractmethod
    def reachable(self):
        """True if the hypervisor answers on a connection of its own (an investigator's check)."""

    def persist(self):
        """Keep what the host runs where a restarted agent finds it again. A real hypervisor
        outlives its agent by itself; the simulator writes its guests down."""
