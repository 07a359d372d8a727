from django.db import models
from django.db.models import F, Q

from apps.core.models import CloudObject


class AllocationState(models.TextChoices):
    ENABLED = "Enabled"
    DISABLED = "Disabled"


class ResourceState(models.TextChoices):
    """A host's administrative state: only Enabled hosts take new VMs."""

    ENABLED = "Enabled"
    DISABLED = "Disabled"
    PREPARE_FOR_MAINTENANCE = "PrepareForMaintenance"
    MAINTENANCE = "Maintenance"
    ERROR_IN_MAINTENANCE = "ErrorInMaintenance"


class HostState(models.TextChoices):
    UP = "Up"
    CONNECTING = "Connecting"
    ALERT = "Alert"
    DOWN = "Down"
    DISCONNECTED = "Disconnected"


class HypervisorType(models.TextChoices):
    SIMULATOR = "Simulator"
    KVM = "KVM"


class ZoneQuerySet(models.QuerySet):
    def visible_to(self, caller):
        """Root admins see every zone; others only the enabled ones (CloudStack's listZones)."""
        return self if caller.is_root_admin else self.filter(allocation_state=AllocationState.ENABLED)

    def with_shared_network_counts(self):
        """Each zone with ``shared_networks``: how many shared networks it has (its security
        groups work where it has one)."""
        shared = models.Q(networks__account__isnull=True, networks__removed__isnull=True)
        return self.annotate(shared_networks=models.Count("networks", filter=shared))

    def with_security_groups(self):
        """The zones whose security groups work: those with a shared network."""
        return self.filter(networks__account__isnull=True, networks__removed__isnull=True).distinct()


class Zone(CloudObject):
    objects = ZoneQuerySet.as_manager()

    name = models.CharField(max_length=255, unique=True)
    description = models.TextField(blank=True)
    network_type = models.CharField(max_length=16, default="Advanced")
    allocation_state = models.CharField(max_length=16, choices=AllocationState.choices, default=AllocationState.ENABLED)
    dns1 = models.CharField(max_length=64, default="8.8.8.8")
    vlan_range = models.CharField(max_length=32, default="100-4000", help_text="guest VLANs/VNIs of isolated networks")
    internal_dns1 = models.CharField(max_length=64, default="10.0.0.2")

    def __str__(self):
        return self.name


class Pod(CloudObject):
    name = models.CharField(max_length=255)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="pods")
    gateway = models.CharField(max_length=64, blank=True)
    netmask = models.CharField(max_length=64, blank=True)
    allocation_state = models.CharField(max_length=16, choices=AllocationState.choices, default=AllocationState.ENABLED)

    def __str__(self):
        return self.name


class Cluster(CloudObject):
    name = models.CharField(max_length=255)
    pod = models.ForeignKey(Pod, on_delete=models.PROTECT, related_name="clusters")
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="clusters")
    hypervisor = models.CharField(max_length=32, choices=HypervisorType.choices)
    allocation_state = models.CharField(max_length=16, choices=AllocationState.choices, default=AllocationState.ENABLED)

    def __str__(self):
        return self.name


class Host(CloudObject):
    """A hypervisor host. ``cpu_allocated_mhz``/``memory_allocated_mb`` are what placed VMs
    have reserved; reservations change them only with a conditional UPDATE (placement)."""

    name = models.CharField(max_length=255)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="hosts")
    pod = models.ForeignKey(Pod, on_delete=models.PROTECT, related_name="hosts")
    cluster = models.ForeignKey(Cluster, on_delete=models.PROTECT, related_name="hosts")
    hypervisor = models.CharField(max_length=32, choices=HypervisorType.choices)
    url = models.CharField(max_length=1024, help_text="libvirt URI of this host")
    state = models.CharField(max_length=16, choices=HostState.choices, default=HostState.UP)
    resource_state = models.CharField(max_length=24, choices=ResourceState.choices, default=ResourceState.ENABLED)
    cpu_number = models.PositiveIntegerField()
    cpu_speed = models.PositiveIntegerField(help_text="MHz per core")
    memory_mb = models.PositiveBigIntegerField()
    cpu_allocated_mhz = models.BigIntegerField(default=0)
    memory_allocated_mb = models.BigIntegerField(default=0)
    host_tags = models.CharField(max_length=255, blank=True)
    last_pinged = models.DateTimeField(null=True, blank=True, help_text="when its agent's last heartbeat arrived")
    # What the last heartbeat said: free CPU/memory as the hypervisor sees them, running guests.
    stats = models.JSONField(default=dict, blank=True)
    investigated = models.DateTimeField(null=True, blank=True, help_text="when a peer was last asked to check it")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["zone", "name"], name="host_unique_name_in_zone"),
            models.CheckConstraint(
                condition=Q(cpu_allocated_mhz__gte=0) & Q(memory_allocated_mb__gte=0), name="host_allocation_not_negative"
            ),
        ]
        indexes = [
            # placement walks a zone's hosts roomiest first and stops at the first few that fit
            models.Index(F("zone"), (F("memory_mb") - F("memory_allocated_mb")).desc(), F("id"), name="host_roomiest_in_zone"),
        ]

    @property
    def cpu_total_mhz(self):
        return self.cpu_number * self.cpu_speed

    def __str__(self):
        return self.name


class StoragePool(CloudObject):
    name = models.CharField(max_length=255)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="storage_pools")
    pod = models.ForeignKey(Pod, null=True, blank=True, on_delete=models.PROTECT, related_name="storage_pools")
    cluster = models.ForeignKey(Cluster, null=True, blank=True, on_delete=models.PROTECT, related_name="storage_pools")
    scope = models.CharField(max_length=16, default="CLUSTER")
    pool_type = models.CharField(max_length=32, default="Filesystem")
    path = models.CharField(max_length=1024, help_text="directory that holds the volume files")
    libvirt_uri = models.CharField(max_length=1024, blank=True,
                                   help_text="the libvirt that manages it as a dir pool (KVM); empty: plain files")
    capacity_bytes = models.BigIntegerField()
    allocated_bytes = models.BigIntegerField(default=0)
    state = models.CharField(max_length=16, default="Up")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(allocated_bytes__gte=0), name="pool_allocation_not_negative")]

    def __str__(self):
        return self.name


__all__ = ["AllocationState", "ResourceState", "HostState", "HypervisorType", "Zone", "Pod", "Cluster", "Host", "StoragePool"]
