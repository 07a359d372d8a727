"""An in-memory hypervisor for unit tests (in the spirit of Nova's ``virt/fake.py``): the
whole :class:`~.base.HypervisorDriver` interface over plain dicts, no libvirt needed.

A host is named by its URI, ``fake://<name>?cpus=<n>&mhz=<n>&memory=<MiB>``; its guests live
in this process (:data:`HOSTS`) for as long as it runs. A URI without its capacity is a host
that never answers. Tests make a hypervisor fail with :func:`inject_failure` and power a
guest off behind the platform's back with :meth:`FakeDriver.power_off`.
"""
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlparse

from apps.core.errors import ResourceUnavailable

from .base import HypervisorDriver


@dataclass
class Guest:
    spec: object
    running: bool = True
    disks: dict = field(default_factory=dict)  # device id -> Disk
    interfaces: dict = field(default_factory=dict)  # MAC -> Interface


@dataclass
class Host:
    cpus: int
    mhz: int
    memory_mb: int
    guests: dict = field(default_factory=dict)  # name -> Guest


HOSTS = {}  # URI -> Host
FAILURES = {}  # (URI, action) -> the error text the hypervisor gives


def inject_failure(host_uri, action, text="the fake hypervisor was told to fail"):
    """Make ``action`` (``start``, ``stop``, ``attach_disk``, ... or ``connect`` for all of
    them) fail on the host of ``host_uri`` until :func:`reset`."""
    FAILURES[(host_uri, action)] = text


def reset():
    HOSTS.clear()
    FAILURES.clear()


class FakeDriver(HypervisorDriver):
    def __init__(self, uri):
        self.uri = uri

    def _host(self, action):
        if (self.uri, "connect") in FAILURES:
            raise ResourceUnavailable(f"Unable to connect to the hypervisor at {self.uri}: {FAILURES[(self.uri, 'connect')]}")
        if (self.uri, action) in FAILURES:
            raise ResourceUnavailable(f"Unable to {action} on {self.uri}: {FAILURES[(self.uri, action)]}")
        host = HOSTS.get(self.uri)
        if host is None:
            query = {k: v[0] for k, v in parse_qs(urlparse(self.uri).query).items()}
            try:
                host = HOSTS[self.uri] = Host(int(query["cpus"]), int(query["mhz"]), int(query["memory"]))
            except (KeyError, ValueError):
                raise ResourceUnavailable(f"Unable to connect to the hypervisor at {self.uri}: no such host") from None
        return host

    def _guest(self, name, action):
        return self._host(action).guests.get(name)

    def start(self, spec):
        host = self._host("start")
        guest = host.guests.get(spec.name)
        if guest is not None and guest.running:
            return
        host.guests[spec.name] = Guest(spec, disks={d.device_id: d for d in spec.disks},
                                       interfaces={i.mac: i for i in spec.interfaces})

    def stop(self, name, forced=False, timeout=60.0):
        self._host("stop").guests.pop(name, None)

    def reboot(self, name):
        guest = self._guest(name, "reboot")
        if guest is None or not guest.running:
            raise ResourceUnavailable(f"Unable to reboot {name} on {self.uri}: the domain is not running")

    def destroy(self, name):
        self._host("destroy").guests.pop(name, None)

    def migrate(self, spec, target):
        guest = self._guest(spec.name, "migrate")
        if guest is None or not guest.running:
            raise ResourceUnavailable(f"Unable to migrate {spec.name}: it is not running on {self.uri}")
        target.start(spec)
        target_guest = target._guest(spec.name, "migrate")
        target_guest.disks, target_guest.interfaces = dict(guest.disks), dict(guest.interfaces)
        self.destroy(spec.name)

    def attach_disk(self, name, disk, device_id):
        guest = self._guest(name, "attach_disk")
        if guest is not None:  # a stopped VM has no guest: its next start builds it with its disks
            guest.disks[device_id] = disk

    def detach_disk(self, name, disk, device_id):
        guest = self._guest(name, "detach_disk")
        if guest is not None:
            guest.disks.pop(device_id, None)

    def attach_interface(self, name, interface):
        guest = self._guest(name, "attach_interface")
        if guest is not None:
            guest.interfaces[interface.mac] = interface

    def detach_interface(self, name, interface):
        guest = self._guest(name, "detach_interface")
        if guest is not None:
            guest.interfaces.pop(interface.mac, None)

    def forget_if_off(self, name):
        host = self._host("forget_if_off")
        if name in host.guests and not host.guests[name].running:
            del host.guests[name]

    def state(self, name):
        guest = self._guest(name, "state")
        if guest is None:
            return "missing"
        return "running" if guest.running else "shutoff"

    def host_stats(self):
        host = self._host("host_stats")
        running = [name for name, guest in host.guests.items() if guest.running]
        used = sum(host.guests[name].spec.memory_mb for name in running)
        return {"model": "fake", "cpus": host.cpus, "cpu_mhz": host.mhz, "memory_mb": host.memory_mb,
                "free_memory_mb": max(host.memory_mb - used, 0), "running": running}

    def reachable(self):
        try:
            self._host("reachable")
        except ResourceUnavailable:
            return False
        return True

    # --- for tests: what a hypervisor does on its own --------------------------------------
    def power_off(self, name):
        """The guest stops by itself (a crash, a shutdown inside it); its definition stays."""
        self._host("power_off").guests[name].running = False
