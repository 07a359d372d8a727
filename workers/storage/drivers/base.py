from abc import ABC, abstractmethod


class StorageDriver(ABC):
    """What the Storage component asks of a primary storage pool."""

    @abstractmethod
    def create_volume(self, name, size_bytes):
        """Create volume ``name`` of ``size_bytes`` (idempotent); return its path."""

    @abstractmethod
    def delete_volume(self, path):
        """Remove a volume; a volume already gone is not an error."""
