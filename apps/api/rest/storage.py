"""REST resources of storage: volumes."""
from apps.storage.models import Volume
from apps.storage.selectors import volumes_visible_to

from .base import CloudSerializer, CloudViewSet


class VolumeSerializer(CloudSerializer):
    class Meta:
        model = Volume
        fields = ["id", "name", "type", "state", "size_bytes", "zone", "vm", "device_id", "pool", "disk_offering", "created"]


class VolumeViewSet(CloudViewSet):
    list_command = "listVolumes"
    model = Volume
    serializer_class = VolumeSerializer
    filterset_fields = {"name": ["exact"], "type": ["exact"], "state": ["exact"], "vm__uuid": ["exact"]}

    def visible(self, caller):
        return volumes_visible_to(caller)
