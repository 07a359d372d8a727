"""REST representations. Reads only: every change goes through the query API's commands
(see views.py), so both APIs validate and act in one way."""
from rest_framework import serializers

from apps.catalog.models import DiskOffering, ServiceOffering, Template
from apps.components.models import Component
from apps.compute.models import VirtualMachine
from apps.events.models import Event
from apps.fabric.models import Cluster, Host, Pod, StoragePool, Zone
from apps.jobs.models import AsyncJob, JobStep
from apps.network.models import GuestNetwork, Nic
from apps.storage.models import Volume


class UuidRef(serializers.SlugRelatedField):
    """A related object shown by its UUID (as the query API shows it)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "uuid")
        super().__init__(**kwargs)


class CloudSerializer(serializers.ModelSerializer):
    """Read-only: related objects by UUID, nullable exactly where the model column is."""

    serializer_related_field = UuidRef
    id = serializers.UUIDField(source="uuid", read_only=True)

    def get_extra_kwargs(self):
        extra = super().get_extra_kwargs()
        for name in self.Meta.fields:
            extra.setdefault(name, {})["read_only"] = True
        return extra


def owner_name():
    """The owning account's name, or null for objects no account owns (shared networks)."""
    return serializers.CharField(source="account.name", read_only=True, allow_null=True, default=None)


class ZoneSerializer(CloudSerializer):
    class Meta:
        model = Zone
        fields = ["id", "name", "description", "network_type", "allocation_state", "dns1", "internal_dns1", "created"]


class PodSerializer(CloudSerializer):

    class Meta:
        model = Pod
        fields = ["id", "name", "zone", "gateway", "netmask", "allocation_state", "created"]


class ClusterSerializer(CloudSerializer):

    class Meta:
        model = Cluster
        fields = ["id", "name", "zone", "pod", "hypervisor", "allocation_state", "created"]


class HostSerializer(CloudSerializer):

    class Meta:
        model = Host
        fields = ["id", "name", "zone", "pod", "cluster", "hypervisor", "url", "state", "resource_state", "cpu_number",
                  "cpu_speed", "memory_mb", "cpu_allocated_mhz", "memory_allocated_mb", "host_tags", "last_pinged", "stats",
                  "created"]


class StoragePoolSerializer(CloudSerializer):

    class Meta:
        model = StoragePool
        fields = ["id", "name", "zone", "cluster", "scope", "pool_type", "path", "capacity_bytes", "allocated_bytes", "state",
                  "created"]


class ServiceOfferingSerializer(CloudSerializer):
    class Meta:
        model = ServiceOffering
        fields = ["id", "name", "display_text", "cpu_number", "cpu_speed", "memory_mb", "offer_ha", "host_tags", "created"]


class DiskOfferingSerializer(CloudSerializer):
    class Meta:
        model = DiskOffering
        fields = ["id", "name", "display_text", "disk_size_gb", "customized", "created"]


class TemplateSerializer(CloudSerializer):
    os_type = serializers.CharField(source="os_type.description", read_only=True)

    class Meta:
        model = Template
        fields = ["id", "name", "display_text", "os_type", "format", "hypervisor", "size_bytes", "zone", "is_public",
                  "is_featured", "is_ready", "created"]


class NicSerializer(CloudSerializer):

    class Meta:
        model = Nic
        fields = ["id", "network", "ip_address", "mac_address", "is_default", "device_id"]


class VirtualMachineSerializer(CloudSerializer):
    account = serializers.CharField(source="account.name", read_only=True)
    nics = NicSerializer(many=True, read_only=True)

    class Meta:
        model = VirtualMachine
        fields = ["id", "name", "display_name", "state", "account", "zone", "template", "service_offering", "network",
                  "nics", "keypair", "group", "last_seen", "created"]


class DeploySerializer(serializers.Serializer):
    """What deployVirtualMachine takes, in REST terms."""

    zone = serializers.UUIDField()
    service_offering = serializers.UUIDField()
    template = serializers.UUIDField()
    name = serializers.CharField(required=False)
    display_name = serializers.CharField(required=False)
    network = serializers.UUIDField(required=False)
    keypair = serializers.CharField(required=False)
    start = serializers.BooleanField(default=True)


class VolumeSerializer(CloudSerializer):

    class Meta:
        model = Volume
        fields = ["id", "name", "type", "state", "size_bytes", "zone", "vm", "device_id", "pool", "disk_offering", "created"]


class NetworkSerializer(CloudSerializer):
    account = owner_name()

    class Meta:
        model = GuestNetwork
        fields = ["id", "name", "display_text", "zone", "type", "cidr", "gateway", "state", "account", "created"]


class JobStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = JobStep
        fields = ["name", "component", "state", "error_code", "error", "started", "finished"]


class JobSerializer(CloudSerializer):
    status = serializers.CharField(source="get_status_display", read_only=True)
    steps = JobStepSerializer(many=True, read_only=True)

    class Meta:
        model = AsyncJob
        fields = ["id", "command", "status", "result_code", "result", "instance_type", "instance_uuid", "steps", "created",
                  "completed"]


class EventSerializer(CloudSerializer):
    account = owner_name()

    class Meta:
        model = Event
        fields = ["id", "type", "level", "state", "description", "account", "resource_type", "resource_uuid", "created"]


class ComponentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Component
        fields = ["id", "name", "node", "host", "pid", "queues", "version", "endpoint", "started", "last_heartbeat"]
