from django.db import models

from apps.core.models import CloudObject


class NetworkType(models.TextChoices):
    SHARED = "Shared"
    ISOLATED = "Isolated"


class GuestNetwork(CloudObject):
    name = models.CharField(max_length=255)
    display_text = models.CharField(max_length=255, blank=True)
    zone = models.ForeignKey("fabric.Zone", on_delete=models.PROTECT, related_name="networks")
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="networks",
        help_text="owner of an isolated network; empty for a zone-wide shared network",
    )
    type = models.CharField(max_length=16, choices=NetworkType.choices, default=NetworkType.SHARED)
    cidr = models.CharField(max_length=64)
    gateway = models.GenericIPAddressField(protocol="IPv4")
    state = models.CharField(max_length=16, default="Implemented")

    @property
    def bridge(self):
        """The Linux bridge that carries this network on a host (15 characters at most)."""
        return f"jvbr{self.pk}"

    def __str__(self):
        return f"{self.name} ({self.cidr})"


class Nic(CloudObject):
    """A VM's interface on a guest network. An IP is never given twice in one network and a
    MAC never twice at all: the database refuses it, so allocation can race safely."""

    vm = models.ForeignKey("compute.VirtualMachine", on_delete=models.CASCADE, related_name="nics")
    network = models.ForeignKey(GuestNetwork, on_delete=models.PROTECT, related_name="nics")
    ip_address = models.GenericIPAddressField(protocol="IPv4")
    mac_address = models.CharField(max_length=17, unique=True)
    is_default = models.BooleanField(default=True)
    device_id = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "ip_address"], name="nic_unique_ip_in_network"),
            models.UniqueConstraint(fields=["vm", "network"], name="nic_one_per_vm_and_network"),
        ]

    def __str__(self):
        return f"{self.ip_address} ({self.mac_address})"
