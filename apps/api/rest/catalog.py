"""REST resources of the catalog: offerings and templates."""
from rest_framework import serializers

from apps.catalog.models import DiskOffering, ServiceOffering, Template

from .base import CloudSerializer, CloudViewSet


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


class ServiceOfferingViewSet(CloudViewSet):
    list_command = "listServiceOfferings"
    model = ServiceOffering
    serializer_class = ServiceOfferingSerializer
    filterset_fields = ["name", "cpu_number", "memory_mb"]

    def visible(self, caller):
        return super().visible(caller).present()


class DiskOfferingViewSet(CloudViewSet):
    list_command = "listDiskOfferings"
    model = DiskOffering
    serializer_class = DiskOfferingSerializer
    filterset_fields = ["name", "customized"]

    def visible(self, caller):
        return super().visible(caller).present()


class TemplateViewSet(CloudViewSet):
    list_command = "listTemplates"
    model = Template
    serializer_class = TemplateSerializer
    filterset_fields = {"name": ["exact"], "zone__uuid": ["exact"], "hypervisor": ["exact"]}

    def visible(self, caller):
        return Template.objects.usable_by(caller).select_related("zone", "os_type").order_by("id")
