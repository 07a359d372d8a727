"""The REST API under /api/v1/. Reads use the selectors of the query API (the same
visibility); every change runs the query API's own command, so there is one code path."""
from django.conf import settings
from django.http import StreamingHttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from apps.accounts.selectors import restrict
from apps.api.views import run
from apps.catalog.models import DiskOffering, ServiceOffering, Template
from apps.components.models import Component
from apps.components.services import live
from apps.compute.selectors import vms_visible_to
from apps.core.registry import REGISTRY
from apps.events.models import Event
from apps.events.stream import Slots, latest_id, sse
from apps.fabric.models import Cluster, Host, Pod, StoragePool, Zone
from apps.jobs.models import AsyncJob
from apps.network.selectors import networks_visible_to
from apps.storage.selectors import volumes_visible_to

from . import serializers as s
from .filters import StrictFilterSet
from .permissions import IsRootAdmin, caller_of
from .renderers import EventStreamRenderer
from .schema import ApiKeyScheme  # noqa: F401  (registers the API key scheme in the OpenAPI schema)


def command(request, command_name, /, **raw):
    """Run a query-API command for the REST caller; raw values as the query API gets them."""
    cmd = REGISTRY[command_name]
    params = cmd.parse({k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in raw.items() if v is not None})
    return run(cmd, caller_of(request), params)


def job_reply(reply):
    job = AsyncJob.objects.select_related("account").prefetch_related("steps").get(uuid=reply["jobid"])
    return Response(s.JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class CloudViewSet(viewsets.ReadOnlyModelViewSet):
    """Objects named by UUID, limited to what the caller may see (``visible``)."""

    lookup_field = "uuid"
    lookup_url_kwarg = "id"
    lookup_value_converter = "uuid"
    model = None
    related = ()  # select_related for the default ``visible``

    @property
    def caller(self):
        return caller_of(self.request)

    def visible(self, caller):
        return self.model.objects.select_related(*self.related).order_by("id")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return self.model.objects.none()
        return self.visible(self.caller)


class ZoneViewSet(CloudViewSet):
    model = Zone
    serializer_class = s.ZoneSerializer
    filterset_fields = ["name", "network_type", "allocation_state"]

    def visible(self, caller):
        return Zone.objects.visible_to(caller).order_by("id")


class PodViewSet(CloudViewSet):
    model = Pod
    related = ("zone",)
    serializer_class = s.PodSerializer
    permission_classes = [IsRootAdmin]
    filterset_fields = {"name": ["exact"], "zone__uuid": ["exact"]}


class ClusterViewSet(CloudViewSet):
    model = Cluster
    related = ("zone", "pod")
    serializer_class = s.ClusterSerializer
    permission_classes = [IsRootAdmin]
    filterset_fields = {"name": ["exact"], "zone__uuid": ["exact"], "hypervisor": ["exact"]}


class HostViewSet(CloudViewSet):
    model = Host
    related = ("zone", "pod", "cluster")
    serializer_class = s.HostSerializer
    permission_classes = [IsRootAdmin]
    filterset_fields = {"name": ["exact"], "state": ["exact"], "zone__uuid": ["exact"], "cluster__uuid": ["exact"]}


class StoragePoolViewSet(CloudViewSet):
    model = StoragePool
    related = ("zone", "cluster")
    serializer_class = s.StoragePoolSerializer
    permission_classes = [IsRootAdmin]
    filterset_fields = {"name": ["exact"], "zone__uuid": ["exact"]}


class ServiceOfferingViewSet(CloudViewSet):
    model = ServiceOffering
    serializer_class = s.ServiceOfferingSerializer
    filterset_fields = ["name", "cpu_number", "memory_mb"]


class DiskOfferingViewSet(CloudViewSet):
    model = DiskOffering
    serializer_class = s.DiskOfferingSerializer
    filterset_fields = ["name", "customized"]


class TemplateViewSet(CloudViewSet):
    model = Template
    serializer_class = s.TemplateSerializer
    filterset_fields = {"name": ["exact"], "zone__uuid": ["exact"], "hypervisor": ["exact"]}

    def visible(self, caller):
        return Template.objects.usable_by(caller).select_related("zone", "os_type").order_by("id")


class VmFilter(StrictFilterSet):
    zone = filters.UUIDFilter(field_name="zone__uuid")
    state = filters.CharFilter(field_name="state", lookup_expr="iexact")

    class Meta:
        model = s.VirtualMachine
        fields = ["name", "state", "zone"]


class VirtualMachineViewSet(mixins.CreateModelMixin, CloudViewSet):
    """Virtual machines. Creating one deploys it (deployVirtualMachine); the actions start,
    stop, reboot and destroy answer with the async job, to be followed at /api/v1/jobs/<id>/."""

    model = s.VirtualMachine
    serializer_class = s.VirtualMachineSerializer
    filterset_class = VmFilter

    def visible(self, caller):
        return vms_visible_to(caller)

    def get_serializer_class(self):
        return s.DeploySerializer if self.action == "create" else s.VirtualMachineSerializer

    @extend_schema(request=s.DeploySerializer, responses={202: s.JobSerializer})
    def create(self, request, *args, **kwargs):
        data = s.DeploySerializer(data=request.data)
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

    @extend_schema(request=None, responses={202: s.JobSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request, id=None):
        return self._act(request, "startVirtualMachine")

    @extend_schema(request=None, responses={202: s.JobSerializer})
    @action(detail=True, methods=["post"])
    def stop(self, request, id=None):
        return self._act(request, "stopVirtualMachine", forced=request.data.get("forced"))

    @extend_schema(request=None, responses={202: s.JobSerializer})
    @action(detail=True, methods=["post"])
    def reboot(self, request, id=None):
        return self._act(request, "rebootVirtualMachine")

    @extend_schema(request=None, responses={202: s.JobSerializer})
    @action(detail=True, methods=["post"], url_path="destroy", url_name="destroy")
    def destroy_vm(self, request, id=None):
        return self._act(request, "destroyVirtualMachine", expunge=request.data.get("expunge"))


class VolumeViewSet(CloudViewSet):
    model = s.Volume
    serializer_class = s.VolumeSerializer
    filterset_fields = {"name": ["exact"], "type": ["exact"], "state": ["exact"], "vm__uuid": ["exact"]}

    def visible(self, caller):
        return volumes_visible_to(caller)


class NetworkViewSet(CloudViewSet):
    model = s.GuestNetwork
    serializer_class = s.NetworkSerializer
    filterset_fields = {"name": ["exact"], "type": ["exact"], "zone__uuid": ["exact"]}

    def visible(self, caller):
        return networks_visible_to(caller)


class JobViewSet(CloudViewSet):
    model = AsyncJob
    serializer_class = s.JobSerializer
    filterset_fields = ["command", "status", "instance_type"]

    def visible(self, caller):
        return restrict(AsyncJob.objects.select_related("account").prefetch_related("steps").order_by("-id"), caller)


class ComponentViewSet(viewsets.ReadOnlyModelViewSet):
    """The live component processes (service discovery)."""

    serializer_class = s.ComponentSerializer
    permission_classes = [IsRootAdmin]
    filterset_fields = ["name", "host"]

    def get_queryset(self):

        return Component.objects.none() if getattr(self, "swagger_fake_view", False) else live()


def _stream_slots():


    return Slots(settings.EVENT_STREAMS_PER_PROCESS)


STREAM_SLOTS = _stream_slots()


class EventViewSet(CloudViewSet):
    model = Event
    serializer_class = s.EventSerializer
    filterset_fields = ["type", "level"]

    def visible(self, caller):
        return restrict(Event.objects.select_related("account").order_by("-id"), caller)

    @extend_schema(
        summary="Live stream of events (server-sent events)",
        description="Every event the caller may see, as it is recorded: `id` (resume with the Last-Event-ID "
        "header), `event` (its type, e.g. VM.START) and `data` (the event as listEvents shows it). "
        "`type` (repeatable) limits it to those types; `since` starts after that id.",
        responses={(200, "text/event-stream"): str, 400: OpenApiTypes.OBJECT,
                   503: OpenApiResponse(description="this API process serves as many streams as it may; retry later")},
    )
    @action(detail=False, url_path="stream", renderer_classes=[EventStreamRenderer], pagination_class=None,
            filter_backends=[])
    def stream(self, request):

        start = request.headers.get("Last-Event-ID") or request.query_params.get("since")
        try:
            after = int(start) if start is not None else latest_id()
        except ValueError:
            raise ValidationError({"since": f"not an event id: {start}"}) from None
        if not STREAM_SLOTS.take():
            response = Response({"detail": "too many event streams on this API process; retry"}, status=503)
            response["Retry-After"] = "5"
            return response
        frames = sse(caller_of(request), after, types=request.query_params.getlist("type"))
        response = StreamingHttpResponse(STREAM_SLOTS.held(frames), content_type="text/event-stream")
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"
        return response


class EventStreamAlias(EventViewSet):
    """``/api/v1/events/stream`` without the trailing slash (documented once, with it)."""

    schema = None
