from django.db import models

from apps.core.models import CloudObject

from .states import VmState


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
    removed = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "state"]), models.Index(fields=["host", "state"])]

    def __str__(self):
        return self.name
