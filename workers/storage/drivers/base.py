from abc import ABC, abstractmethod


class StorageDriver(ABC):
    """What the Storage component asks of a primary storage pool."""

    @abstractmethod
    def create_volume(self, name, size_bytes, source=None, source_format="RAW"):
        """Create volume ``name`` of ``size_bytes`` (idempotent), from image ``source`` (of
        ``source_format``) if given; return (path, format)."""

    @abstractmethod
    def resize_volume(self, path, size_bytes, fmt="RAW"):
        """Make the volume ``size_bytes`` long."""

    @abstractmethod
    def delete_volume(self, path):
        """Remove a volume; a volume already gone is not an error."""

    @abstractmethod
    def copy_out(self, path, directory, name, fmt="RAW"):
        """Copy a volume to ``directory/name`` (a snapshot on secondary storage), standalone;
        return its path."""

    @abstractmethod
    def copy_in(self, image, path):
        """Replace volume ``path`` by a copy of ``image`` (revert to a snapshot)."""
