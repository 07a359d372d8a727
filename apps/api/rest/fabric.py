"""REST resources of the fabric: zones, pods, clusters, hosts, storage pools."""
from apps.fabric.models import Cluster, Host, Pod, StoragePool, Zone

from .base import CloudSerializer, CloudViewSet
from .permissions import IsRootAdmin


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


class ZoneViewSet(CloudViewSet):
    list_command = "listZones"
    model = Zone
    serializer_class = ZoneSerializer
    filterset_fields = ["name", "network_type", "allocation_state"]

    def visible(self, caller):
        return Zone.objects.visible_to(caller).order_by("id")


class PodViewSet(CloudViewSet):
    list_command = "listPods"
    model = Pod
    related = ("zone",)
    serializer_class = PodSerializer
    permission_classes = [IsRootAdmin]
    filterset_fields = {"name": ["exact"], "zone__uuid": ["exact"]}


class ClusterViewSet(CloudViewSet):
    list_command = "listClusters"
    model = Cluster
    related = ("zone", "pod")
    serializer_class = ClusterSerializer
    permission_classes = [IsRootAdmin]
    filterset_fields = {"name": ["exact"], "zone__uuid": ["exact"], "hypervisor": ["exact"]}


class HostViewSet(CloudViewSet):
    list_command = "listHosts"
    model = Host
    related = ("zone", "pod", "cluster")
    serializer_class = HostSerializer
    permission_classes = [IsRootAdmin]
    filterset_fields = {"name": ["exact"], "state": ["exact"], "zone__uuid": ["exact"], "cluster__uuid": ["exact"]}


class StoragePoolViewSet(CloudViewSet):
    list_command = "listStoragePools"
    model = StoragePool
    related = ("zone", "cluster")
    serializer_class = StoragePoolSerializer
    permission_classes = [IsRootAdmin]
    filterset_fields = {"name": ["exact"], "zone__uuid": ["exact"]}
