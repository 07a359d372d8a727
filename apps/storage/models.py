from django.db import models
from django.db.models import Q

from apps.core.models import CloudObject


class VolumeType(models.TextChoices):
    ROOT = "ROOT"
    DATADISK = "DATADISK"


class VolumeState(models.TextChoices):
    ALLOCATED = "Allocated"
    CREATING = "Creating"
    READY = "Ready"
    DESTROY = "Destroy"
    EXPUNGED = "Expunged"


class Volume(CloudObject):
    name = models.CharField(max_length=255)
    type = models.CharField(max_length=16, choices=VolumeType.choices)
    vm = models.ForeignKey("compute.VirtualMachine", null=True, blank=True, on_delete=models.SET_NULL, related_name="volumes")
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="volumes")
    zone = models.ForeignKey("fabric.Zone", on_delete=models.PROTECT, related_name="volumes")
    pool = models.ForeignKey("fabric.StoragePool", null=True, blank=True, on_delete=models.PROTECT, related_name="volumes")
    template = models.ForeignKey("catalog.Template", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    disk_offering = models.ForeignKey("catalog.DiskOffering", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    size_bytes = models.BigIntegerField()
    state = models.CharField(max_length=16, choices=VolumeState.choices, default=VolumeState.ALLOCATED)
    path = models.CharField(max_length=1024, blank=True)
    format = models.CharField(max_length=8, default="RAW", help_text="RAW, or QCOW2 (from a QCOW2 template)")
    device_id = models.PositiveIntegerField(null=True, blank=True)
    attached = models.DateTimeField(null=True, blank=True, help_text="when it was attached to its VM")
    removed = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A redelivered "create the ROOT volume" finds the one it made, never makes two.
            models.UniqueConstraint(
                fields=["vm"], condition=Q(type="ROOT", removed__isnull=True), name="volume_one_root_per_vm"
            )
        ]

    def __str__(self):
        return self.name


class SnapshotState(models.TextChoices):
    CREATING = "Creating"
    BACKED_UP = "BackedUp"
    ERROR = "Error"
    DESTROYED = "Destroyed"


class Snapshot(CloudObject):
    """A point-in-time copy of a volume, kept on secondary storage."""

    name = models.CharField(max_length=255)
    volume = models.ForeignKey(Volume, on_delete=models.PROTECT, related_name="snapshots")
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="snapshots")
    zone = models.ForeignKey("fabric.Zone", on_delete=models.PROTECT, related_name="snapshots")
    state = models.CharField(max_length=16, choices=SnapshotState.choices, default=SnapshotState.CREATING)
    size_bytes = models.BigIntegerField(default=0)
    path = models.CharField(max_length=1024, blank=True)
    format = models.CharField(max_length=8, default="RAW")
    removed = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name
