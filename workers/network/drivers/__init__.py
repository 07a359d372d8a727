from django.conf import settings

from .base import NetworkDriver
from .linux import LinuxDriver
from .record import RecordOnlyDriver


def driver():
    """The data plane of this Networking component (``JAVELIN_NETWORK_DRIVER``): ``record``
    (the embedded default: no root needed, the desired state is written down) or ``linux``
    (bridges, router namespaces and nftables on this host; needs root)."""
    return LinuxDriver() if settings.NETWORK_DRIVER == "linux" else RecordOnlyDriver()


__all__ = ["LinuxDriver", "NetworkDriver", "RecordOnlyDriver", "driver"]
