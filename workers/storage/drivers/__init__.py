from .base import StorageDriver
from .filesystem import FilesystemPoolDriver
from .libvirt_pool import LibvirtPoolDriver


def driver_for(pool):
    """The driver for a primary storage pool: through libvirt's storage API when the pool is
    managed by a hypervisor's libvirt (KVM clusters), else a directory of files the Storage
    component manages itself (the simulator's pools)."""
    if pool.libvirt_uri:
        return LibvirtPoolDriver(pool.path, pool.libvirt_uri)
    return FilesystemPoolDriver(pool.path)


__all__ = ["StorageDriver", "FilesystemPoolDriver", "LibvirtPoolDriver", "driver_for"]
