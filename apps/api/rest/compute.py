"""REST resources of compute: virtual machines, deployed and acted on through the query API's
commands; their actions answer with the async job (see :mod:`.jobs`)."""
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action

from apps.compute.filtersets import VirtualMachineFilterSet
from apps.compute.models import VirtualMachine
from apps.compute.selectors import vms_visible_to
from apps.network.models import Nic

from .base import CloudSerializer, CloudViewSet, command
from .jobs import JobSerializer, job_reply


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


class VirtualMachineViewSet(mixins.CreateModelMixin, CloudViewSet):
    """Virtual machines. Creating one deploys it (deployVirtualMachine); the actions start,
    stop, reboot and destroy answer with the async job, to be followed at /api/v1/jobs/<id>/."""
    list_command = "listVirtualMachines"

    model = VirtualMachine
    serializer_class = VirtualMachineSerializer
    filterset_class = VirtualMachineFilterSet

    def visible(self, caller):
        return vms_visible_to(caller).prefetch_related("nics__network")  # a page's NICs in one query, not one per VM

    def get_serializer_class(self):
        return DeploySerializer if self.action == "create" else VirtualMachineSerializer

    @extend_schema(request=DeploySerializer, responses={202: JobSerializer})
    def create(self, request, *args, **kwargs):
        data = DeploySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        return job_reply(
            command(request, "deployVirtualMachine", zoneid=d["zone"], serviceofferingid=d["service_offering"],
                    templateid=d["template"], name=d.get("name"), displayname=d.get("display_name"),
                    networkids=d.get("network"), keypair=d.get("keypair"), startvm=d["start"])
        )

    def _act(self, request, name, **extra):
        vm = self.get_object()  # visibility first: another account's VM is a 404 here
        return job_reply(command(request, name, id=vm.uuid, **extra))

    @extend_schema(request=None, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request, id=None):
        return self._act(request, "startVirtualMachine")

    @extend_schema(request=None, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def stop(self, request, id=None):
        return self._act(request, "stopVirtualMachine", forced=request.data.get("forced"))

    @extend_schema(request=None, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def reboot(self, request, id=None):
        return self._act(request, "rebootVirtualMachine")

    @extend_schema(request=None, responses={202: JobSerializer})
    @action(detail=True, methods=["post"], url_path="destroy", url_name="destroy")
    def destroy_vm(self, request, id=None):
        return self._act(request, "destroyVirtualMachine", expunge=request.data.get("expunge"))
