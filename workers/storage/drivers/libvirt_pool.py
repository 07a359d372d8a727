"""A primary storage pool managed through libvirt's storage API: a ``dir`` pool of the
hypervisor (``qemu:///system`` on a KVM host) over a directory of real files.

libvirt defines and starts the pool, creates volumes in it (a RAW file, or a QCOW2 overlay
whose backing store is the pool's copy of a template: libvirt runs ``qemu-img`` for it),
resizes and deletes them. Copies to and from secondary storage, which is not a libvirt pool,
are file copies (:class:`FilesystemPoolDriver`), after which the pool is refreshed so that
libvirt sees what arrived.
"""
import hashlib
import os
from xml.sax.saxutils import escape

import libvirt

from apps.core.errors import ResourceUnavailable
from workers.compute.drivers.libvirt_driver import connection  # one cached connection per URI

from .filesystem import QCOW2, RAW, FilesystemPoolDriver


class LibvirtPoolDriver(FilesystemPoolDriver):
    def __init__(self, path, uri):
        super().__init__(path)
        self.uri = uri
        # one libvirt pool per directory, whatever else that libvirtd has
        self.name = "javelin-" + hashlib.sha1(os.path.normpath(path).encode()).hexdigest()[:12]

    def _error(self, action, exc):
        return ResourceUnavailable(f"Unable to {action} in storage pool {self.name} on {self.uri}: {exc.get_error_message()}")

    def _pool(self):
        conn = connection(self.uri)
        try:
            pool = conn.storagePoolLookupByName(self.name)
        except libvirt.libvirtError:
            os.makedirs(self.path, exist_ok=True)
            xml = f"<pool type='dir'><name>{escape(self.name)}</name><target><path>{escape(self.path)}</path></target></pool>"
            try:
                pool = conn.storagePoolDefineXML(xml, 0)
            except libvirt.libvirtError as exc:
                raise self._error("define the pool", exc) from exc
        try:
            if not pool.isActive():
                pool.create(0)  # starting a pool scans its directory
        except libvirt.libvirtError as exc:
            raise self._error("start the pool", exc) from exc
        return pool

    def _volume(self, pool, name):
        try:
            return pool.storageVolLookupByName(name)
        except libvirt.libvirtError:
            return None

    def create_volume(self, name, size_bytes, source=None, source_format=RAW):
        pool = self._pool()
        if source and source_format == QCOW2:
            filename, fmt = f"{name}.qcow2", QCOW2
            base = self._template_copy(source)
            pool.refresh(0)
            backing = f"<backingStore><path>{escape(base)}</path><format type='qcow2'/></backingStore>"
        else:
            filename, fmt, backing = f"{name}.img", RAW, ""
        existing = self._volume(pool, filename)
        if existing is not None:
            return existing.path(), fmt
        if source and fmt == RAW:  # a RAW template: a copy of its bytes, then libvirt knows the file
            path, fmt = super().create_volume(name, size_bytes, source=source, source_format=RAW)
            pool.refresh(0)
            return path, fmt
        xml = (f"<volume><name>{escape(filename)}</name><capacity unit='bytes'>{size_bytes}</capacity>"
               f"<allocation unit='bytes'>0</allocation><target><format type='{fmt.lower()}'/></target>{backing}</volume>")
        try:
            return pool.createXML(xml, 0).path(), fmt
        except libvirt.libvirtError as exc:
            raise self._error(f"create volume {filename}", exc) from exc

    def resize_volume(self, path, size_bytes, fmt=RAW):
        pool = self._pool()
        volume = self._volume(pool, os.path.basename(path))
        if volume is None:
            raise ResourceUnavailable(f"Volume {path} is not in storage pool {self.name}")
        try:
            volume.resize(size_bytes, libvirt.VIR_STORAGE_VOL_RESIZE_SHRINK if size_bytes < volume.info()[1] else 0)
        except libvirt.libvirtError as exc:
            raise self._error(f"resize {path}", exc) from exc

    def delete_volume(self, path):
        pool = self._pool()
        volume = self._volume(pool, os.path.basename(path))
        if volume is None:
            return
        try:
            volume.delete(0)
        except libvirt.libvirtError as exc:
            raise self._error(f"delete {path}", exc) from exc

    def copy_in(self, image, path):
        super().copy_in(image, path)
        self._pool().refresh(0)
