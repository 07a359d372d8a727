"""REST resources of the component registry (service discovery)."""
from rest_framework import serializers, viewsets

from apps.components.models import Component
from apps.components.services import live

from .permissions import IsRootAdmin


class ComponentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Component
        fields = ["id", "name", "node", "host", "pid", "queues", "version", "endpoint", "started", "last_heartbeat"]


class ComponentViewSet(viewsets.ReadOnlyModelViewSet):
    """The live component processes (service discovery)."""

    serializer_class = ComponentSerializer
    permission_classes = [IsRootAdmin]
    filterset_fields = ["name", "host"]

    def get_queryset(self):
        return Component.objects.none() if getattr(self, "swagger_fake_view", False) else live()
