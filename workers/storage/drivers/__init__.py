from .base import StorageDriver
from .filesystem import FilesystemPoolDriver


def driver_for(pool):
    """The driver for a primary storage pool. One kind for now: a directory of volume files."""
    return FilesystemPoolDriver(pool.path)


__all__ = ["StorageDriver", "FilesystemPoolDriver", "driver_for"]
