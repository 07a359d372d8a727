"""REST resources of networking: guest networks."""
from apps.network.models import GuestNetwork
from apps.network.selectors import networks_visible_to

from .base import CloudSerializer, CloudViewSet, owner_name


class NetworkSerializer(CloudSerializer):
    account = owner_name()

    class Meta:
        model = GuestNetwork
        fields = ["id", "name", "display_text", "zone", "type", "cidr", "gateway", "state", "account", "created"]


class NetworkViewSet(CloudViewSet):
    list_command = "listNetworks"
    model = GuestNetwork
    serializer_class = NetworkSerializer
    filterset_fields = {"name": ["exact"], "type": ["exact"], "zone__uuid": ["exact"]}

    def visible(self, caller):
        return networks_visible_to(caller)
