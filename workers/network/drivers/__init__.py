from .base import NetworkDriver
from .record import RecordOnlyDriver


def driver():
    """The data plane of this Networking component. The embedded default has no root, so it
    records the configuration it would apply (a Linux bridge/namespace driver comes next)."""
    return RecordOnlyDriver()


__all__ = ["NetworkDriver", "RecordOnlyDriver", "driver"]
