from django.db import models
from django.db.models.functions import Upper

from apps.core.models import CloudObject

from .choices import VmState


class AffinityGroup(CloudObject):
    """VMs that placement keeps apart: no two VMs of a "host anti-affinity" group share a host."""

    name = models.CharField(max_length=255)
    description = models.CharField(max_length=4096, blank=True)
    type = models.CharField(max_length=32, default="host anti-affinity")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="affinity_groups")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="affinity_group_unique_name_in_account")]

    def __str__(self):
        return self.name


class InstanceGroup(CloudObject):
    """A name an account's VMs are grouped under (createInstanceGroup, or deployVirtualMachine's
    ``group``); its VMs carry the name (``VirtualMachine.group``)."""

    name = models.CharField(max_length=255)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="instance_groups")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="instance_group_unique_name")]

    def __str__(self):
        return self.name


class VirtualMachine(CloudObject):
    """A guest. Its ``state`` changes only through :mod:`apps.compute.states`."""

    name = models.CharField(max_length=255)
    display_name = models.CharField(max_length=255)
    instance_name = models.CharField(max_length=255, unique=True, null=True, blank=True)
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="vms")
    user = models.ForeignKey("accounts.CloudUser", on_delete=models.PROTECT, related_name="vms")
    zone = models.ForeignKey("fabric.Zone", on_delete=models.PROTECT, related_name="vms")
    template = models.ForeignKey("catalog.Template", on_delete=models.PROTECT, related_name="vms")
    service_offering = models.ForeignKey("catalog.ServiceOffering", on_delete=models.PROTECT, related_name="vms")
    network = models.ForeignKey("network.GuestNetwork", on_delete=models.PROTECT, related_name="vms")
    host = models.ForeignKey("fabric.Host", null=True, blank=True, on_delete=models.PROTECT, related_name="vms")
    last_host = models.ForeignKey("fabric.Host", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=16, choices=VmState.choices, default=VmState.STOPPED)
    # The host capacity this VM holds, recorded so that release is exact and happens once.
    reserved_cpu_mhz = models.IntegerField(default=0)
    reserved_memory_mb = models.IntegerField(default=0)
    keypair = models.CharField(max_length=255, blank=True)
    group = models.CharField(max_length=255, blank=True)
    affinity_groups = models.ManyToManyField(AffinityGroup, blank=True, related_name="vms")
    security_groups = models.ManyToManyField("network.SecurityGroup", blank=True, related_name="vms",
                                             help_text="what filters its NIC on a shared network")
    removed = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True, help_text="last heartbeat of its host that saw it running")

    class Meta:
        # every filter of listVirtualMachines reads an index (zone and template: their foreign
        # keys'); keyword search has trigram indexes on PostgreSQL (migration 0005)
        indexes = [
            models.Index(fields=["account", "state"]),
            models.Index(fields=["host", "state"]),
            models.Index(fields=["name"], name="vm_name"),
            models.Index(Upper("state"), name="vm_state_upper"),
        ]

    def __str__(self):
        return self.name
