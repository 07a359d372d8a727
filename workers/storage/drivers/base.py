from abc import ABC, abstractmethod


class StorageDriver(ABC):
    """What the Storage component asks of a primary storage pool."""

    @abstractmethod
    def create_volume(self, name, size_bytes, source=None):
        """Create volume ``name`` of ``size_bytes`` (idempotent), a copy of image ``source`` if
        given; return its path."""

    @abstractmethod
    def resize_volume(self, path, size_bytes):
        """Make the volume ``size_bytes`` long."""

    @abstractmethod
    def delete_volume(self, path):
        """Remove a volume; a volume already gone is not an error."""

    @abstractmethod
    def copy_out(self, path, directory, name):
        """Copy a volume to ``directory/name`` (a snapshot on secondary storage); return its path."""
