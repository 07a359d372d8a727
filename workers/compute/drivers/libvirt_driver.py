"""The hypervisor driver over libvirt-python, for KVM/QEMU hosts (``qemu:///system``,
``qemu+ssh://...``); the simulator's differences are in :mod:`.simulator`.

A process keeps one connection per URI for its lifetime (:func:`connection`), opened lazily
in the process that uses it, never before a fork (a libvirt test-driver connection even
holds its host's whole state).
"""
import logging
import threading
import time
from pathlib import Path
from xml.etree import ElementTree
from xml.sax.saxutils import escape, quoteattr

import libvirt

from apps.core.errors import ResourceUnavailable

from .base import HypervisorDriver

libvirt.registerErrorHandler(lambda _ctx, _err: None, None)  # errors come back as exceptions

_connections = {}
_lock = threading.Lock()
_on_stopped = None  # set by enable_events(): called as (uri, domain name) when a guest stops


def enable_events(on_stopped):
    """Receive guests' lifecycle events from now on (call before any connection is opened,
    as libvirt requires): ``on_stopped(uri, name)`` runs, on libvirt's event thread, for
    every guest that stops, whoever stopped it."""
    global _on_stopped
    if _on_stopped is None:
        libvirt.virEventRegisterDefaultImpl()
        threading.Thread(target=_run_event_loop, daemon=True, name="libvirt-events").start()
    _on_stopped = on_stopped


def _run_event_loop():
    while True:
        libvirt.virEventRunDefaultImpl()


def _lifecycle(conn, dom, event, detail, uri):
    if event == libvirt.VIR_DOMAIN_EVENT_STOPPED and _on_stopped is not None:
        try:
            _on_stopped(uri, dom.name())
        except Exception:  # noqa: BLE001 - an event handler must not kill libvirt's event loop
            logging.getLogger(__name__).exception("handling the stop of %s on %s failed", dom.name(), uri)


_STATES = {
    libvirt.VIR_DOMAIN_RUNNING: "running",
    libvirt.VIR_DOMAIN_BLOCKED: "running",
    libvirt.VIR_DOMAIN_PAUSED: "paused",
    libvirt.VIR_DOMAIN_PMSUSPENDED: "paused",
    libvirt.VIR_DOMAIN_SHUTDOWN: "running",  # shutting down, not yet off
    libvirt.VIR_DOMAIN_SHUTOFF: "shutoff",
    libvirt.VIR_DOMAIN_CRASHED: "shutoff",
}


def gone(exc):
    """The domain no longer exists: another thread of this agent stopped or removed it."""
    return exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN


def connection(uri):
    """This process's connection to ``uri``, reopened if the hypervisor went away."""
    with _lock:
        conn = _connections.get(uri)
        if conn is not None:
            try:
                if conn.isAlive():
                    return conn
            except libvirt.libvirtError:
                pass
        try:
            conn = libvirt.open(uri)
        except libvirt.libvirtError as exc:
            raise ResourceUnavailable(f"Unable to connect to the hypervisor at {uri}: {exc.get_error_message()}") from exc
        if _on_stopped is not None:
            conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, _lifecycle, uri)
        _connections[uri] = conn
        return conn


# One guest's start, stop and destroy run one at a time in an agent: a start handed on again
# by the watchdog may arrive while the first one still runs (striped locks: bounded memory).
_GUEST_LOCKS = [threading.RLock() for _ in range(64)]


def guest_lock(uri, name):
    return _GUEST_LOCKS[hash((uri, name)) % len(_GUEST_LOCKS)]


def _active(dom):
    try:
        return bool(dom.isActive())
    except libvirt.libvirtError:
        return False


def disk_xml(disk, device_id):
    return (
        f"<disk type='file' device='disk'><driver name='qemu' type={quoteattr(disk.format)}/>"
        f"<source file={quoteattr(disk.path)}/><target dev='vd{chr(ord('a') + device_id)}' bus='virtio'/></disk>"
    )


def _identity(element):
    """What names a device: a disk's target, a NIC's MAC."""
    if element.tag == "disk":
        target = element.find("target")
        return target.get("dev") if target is not None else None
    if element.tag == "interface":
        mac = element.find("mac")
        return mac.get("address").lower() if mac is not None else None
    return None


def bridge_nic_xml(nic):
    return (f"<interface type='bridge'><mac address={quoteattr(nic.mac)}/><source bridge={quoteattr(nic.bridge)}/>"
            "<model type='virtio'/></interface>")


def boot_xml(spec):
    if not spec.kernel:
        return ""
    return f"<kernel>{escape(spec.kernel)}</kernel><initrd>{escape(spec.initrd)}</initrd><cmdline>{escape(spec.cmdline)}</cmdline>"


class LibvirtDriver(HypervisorDriver):
    # These machines have no hardware virtualisation: real guests run under TCG ('qemu').
    domain_type = "qemu"

    def __init__(self, uri):
        self.uri = uri

    def nic_xml(self, nic):
        """A NIC on its network's bridge when the data plane has made it on this host (the
        Linux network driver); else an unattached tap with the guest's MAC."""
        if nic.bridge and Path("/sys/class/net", nic.bridge).is_dir():
            return bridge_nic_xml(nic)
        return f"<interface type='ethernet'><mac address={quoteattr(nic.mac)}/><model type='virtio'/></interface>"

    def domain_xml(self, spec):
        disks = "".join(disk_xml(d, d.device_id) for d in spec.disks)
        nics = "".join(self.nic_xml(n) for n in spec.interfaces)
        console = (f"<serial type='file'><source path={quoteattr(spec.console_log)}/><target port='0'/></serial>"
                   if spec.console_log else "")
        return self._domain(spec, disks + nics + console + "<memballoon model='none'/>", " machine='pc'")

    def _domain(self, spec, devices, machine=""):
        return (
            f"<domain type='{self.domain_type}'><name>{spec.name}</name><uuid>{spec.uuid}</uuid>"
            f"<memory unit='MiB'>{spec.memory_mb}</memory><vcpu>{spec.vcpus}</vcpu>"
            f"<os><type arch='x86_64'{machine}>hvm</type>{boot_xml(spec)}</os><features><acpi/></features>"
            f"<on_poweroff>destroy</on_poweroff><devices>{devices}</devices></domain>"
        )

    @property
    def conn(self):
        return connection(self.uri)

    def _lookup(self, name):
        try:
            return self.conn.lookupByName(name)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return None
            raise self._error(f"look up {name}", exc) from exc

    def _error(self, action, exc):
        return ResourceUnavailable(f"Unable to {action} on {self.uri}: {exc.get_error_message()}")

    def start(self, spec):
        with guest_lock(self.uri, spec.name):
            dom = self._lookup(spec.name)
            if dom is not None and dom.isActive():
                return
            try:
                dom = self.conn.defineXML(self.domain_xml(spec))
            except libvirt.libvirtError as exc:
                raise self._error(f"define {spec.name}", exc) from exc
            try:
                dom.create()
            except libvirt.libvirtError as exc:
                if not _active(dom):  # (running all the same: a twin start in another process won)
                    self._undefine_quietly(dom)  # leave nothing half-made on the host
                    raise self._error(f"start {spec.name}", exc) from exc
            self.persist()  # a started guest is on record on its host before the start counts as done

    def stop(self, name, forced=False, timeout=60.0):
        with guest_lock(self.uri, name):
            self._stop(name, forced, timeout)

    def _stop(self, name, forced, timeout):
        dom = self._lookup(name)
        if dom is None:
            return
        try:
            if dom.isActive() and not forced:
                dom.shutdown()
                deadline = time.monotonic() + timeout
                while dom.isActive() and time.monotonic() < deadline:
                    time.sleep(0.2)
            if dom.isActive():
                dom.destroy()
        except libvirt.libvirtError as exc:
            if not gone(exc):  # gone meanwhile (its stop event undefined it): stopped all the same
                raise self._error(f"stop {name}", exc) from exc
        self._undefine_quietly(dom)
        self.persist()

    def reboot(self, name):
        dom = self._lookup(name)
        if dom is None or not dom.isActive():
            raise ResourceUnavailable(f"Unable to reboot {name} on {self.uri}: the domain is not running")
        try:
            dom.reboot(0)
        except libvirt.libvirtError as exc:
            raise self._error(f"reboot {name}", exc) from exc

    def destroy(self, name):
        with guest_lock(self.uri, name):
            self._destroy(name)

    def _destroy(self, name):
        dom = self._lookup(name)
        if dom is None:
            return
        try:
            if dom.isActive():
                dom.destroy()
        except libvirt.libvirtError as exc:
            if not gone(exc):  # gone meanwhile: destroyed all the same
                raise self._error(f"destroy {name}", exc) from exc
        self._undefine_quietly(dom)
        self.persist()

    def _running(self, name, action):
        dom = self._lookup(name)
        if dom is None or not dom.isActive():
            raise ResourceUnavailable(f"Unable to {action} {name}: it is not running on {self.uri}")
        return dom

    def migrate(self, spec, target):
        """Live migration between libvirt daemons."""
        dom = self._running(spec.name, "migrate")
        flags = libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PERSIST_DEST | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE
        try:
            dom.migrate(target.conn, flags, None, None, 0)
        except libvirt.libvirtError as exc:
            raise self._error(f"migrate {spec.name} to {target.uri}", exc) from exc

    def attach_disk(self, name, disk, device_id):
        self._change_device(name, disk_xml(disk, device_id), attach=True)

    def detach_disk(self, name, disk, device_id):
        self._change_device(name, disk_xml(disk, device_id), attach=False)

    def attach_interface(self, name, interface):
        self._change_device(name, self.nic_xml(interface), attach=True)

    def detach_interface(self, name, interface):
        self._change_device(name, self.nic_xml(interface), attach=False)

    def _change_device(self, name, device, attach):
        dom = self._lookup(name)
        if dom is None:
            return  # no guest defined (a stopped VM): the next start builds it with its devices
        if self._has_device(dom, device) == attach:
            return  # already so (a redelivered task)
        flags = libvirt.VIR_DOMAIN_AFFECT_CONFIG | (libvirt.VIR_DOMAIN_AFFECT_LIVE if dom.isActive() else 0)
        try:
            (dom.attachDeviceFlags if attach else dom.detachDeviceFlags)(device, flags)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
                raise self._error(f"{'attach' if attach else 'detach'} a disk of {name}", exc) from exc
            # libvirt's test driver cannot hot-plug: change the guest's definition instead.
            self._redefine(dom, device, attach)

    @staticmethod
    def _has_device(dom, device):
        wanted = ElementTree.fromstring(device)
        # the definition: where every change lands (live too where the hypervisor can hot-plug)
        devices = ElementTree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)).find("devices")
        return any(d.tag == wanted.tag and _identity(d) == _identity(wanted) for d in devices)

    def _redefine(self, dom, device, attach):
        """Change the definition (for a hypervisor that cannot hot-plug): the device replaces
        the one of the same disk target or NIC MAC, or is removed."""
        root = ElementTree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
        devices = root.find("devices")
        wanted = ElementTree.fromstring(device)
        for existing in list(devices):
            if existing.tag == wanted.tag and _identity(existing) == _identity(wanted):
                devices.remove(existing)
        if attach:
            devices.append(wanted)
        try:
            self.conn.defineXML(ElementTree.tostring(root, encoding="unicode"))
        except libvirt.libvirtError as exc:
            raise self._error(f"redefine {dom.name()}", exc) from exc

    def forget_if_off(self, name):
        dom = self._lookup(name)
        if dom is not None and not dom.isActive():
            self._undefine_quietly(dom)

    def state(self, name):
        dom = self._lookup(name)
        if dom is None:
            return "missing"
        return _STATES.get(dom.state()[0], "shutoff")

    def host_stats(self):
        try:
            model, memory_mb, cpus, mhz, *_ = self.conn.getInfo()
            domains = self.conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
            free_mb = self._free_memory_mb(memory_mb, domains)
        except libvirt.libvirtError as exc:
            raise self._error("read the host's state", exc) from exc
        running = [d.name() for d in domains]
        return {"model": model, "cpus": cpus, "cpu_mhz": mhz, "memory_mb": memory_mb, "free_memory_mb": free_mb,
                "running": running}

    def _free_memory_mb(self, memory_mb, running_domains):
        return self.conn.getFreeMemory() // (1024 * 1024)

    def reachable(self):
        try:
            conn = libvirt.open(self.uri)
        except libvirt.libvirtError:
            return False
        try:
            conn.getInfo()
            return True
        except libvirt.libvirtError:
            return False
        finally:
            conn.close()

    @staticmethod
    def _undefine_quietly(dom):
        try:
            dom.undefine()
        except libvirt.libvirtError:
            pass
