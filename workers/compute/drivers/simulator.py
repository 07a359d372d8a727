"""The simulator: libvirt's ``test:///<node.xml>`` driver, one node file per simulated host
(its CPUs and memory), so each is a hypervisor of its own with its own capacity and guests.

What differs from a KVM host: guests are ``test`` domains with plain bridge NICs; the test
driver cannot migrate (a guest is started on the target and removed from the source) and
reports no memory use (the guests' memory is counted); a simulated host forgets its guests
when its agent's connection closes, so the running guests are written into the node file
(:meth:`SimulatorDriver.persist`), where a restarted agent finds them, as a real host's
guests outlive its agent.
"""
import os
import threading
from pathlib import Path
from xml.etree import ElementTree

import libvirt

from .libvirt_driver import LibvirtDriver, bridge_nic_xml, disk_xml, gone

_lock = threading.Lock()
_written = {}  # what persist() last wrote to each simulated host's node file
_persist_locks = {}


def _persist_lock(uri):
    with _lock:
        return _persist_locks.setdefault(uri, threading.Lock())


class SimulatorDriver(LibvirtDriver):
    domain_type = "test"

    def nic_xml(self, nic):
        return bridge_nic_xml(nic)

    def domain_xml(self, spec):
        disks = "".join(disk_xml(d, d.device_id) for d in spec.disks)
        return self._domain(spec, disks + "".join(self.nic_xml(n) for n in spec.interfaces))

    def migrate(self, spec, target):
        self._running(spec.name, "migrate")
        target.start(spec)
        self.destroy(spec.name)

    def _free_memory_mb(self, memory_mb, running_domains):
        return max(memory_mb - sum(d.maxMemory() // 1024 for d in running_domains), 0)

    def reachable(self):
        """A simulated host's hypervisor lives inside its agent's process: seen from any other
        process, it answers only through its agent."""
        return False

    def _node_file(self):
        """The host's node file; None for libvirt's built-in ``test:///default``."""
        if not self.uri.startswith("test:///") or self.uri == "test:///default":
            return None
        return Path(self.uri[len("test://"):])

    def persist(self):
        """Write the running guests into the host's node file (durably: synced before it is
        renamed into place). Threads of one agent write one host's file one at a time, and
        only when its guests changed."""
        node_file = self._node_file()
        if node_file is None:
            return
        with _persist_lock(self.uri):
            root = ElementTree.fromstring(node_file.read_text())
            for old in root.findall("domain"):
                root.remove(old)
            for dom in self.conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
                try:
                    root.append(ElementTree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)))  # as defined
                except libvirt.libvirtError as exc:
                    if not gone(exc):
                        raise
                    # undefined by another thread since it was listed: not running any more
            text = ElementTree.tostring(root, encoding="unicode")
            if _written.get(self.uri) == text:
                return
            partial = node_file.with_name(f".{node_file.name}.{os.getpid()}.{threading.get_ident()}")
            with open(partial, "w") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(partial, node_file)
            _written[self.uri] = text
