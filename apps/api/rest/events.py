"""REST resources of events, and their live stream (server-sent events)."""
from django.conf import settings
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from apps.accounts.selectors import restrict
from apps.events.models import Event
from apps.events.stream import Slots, latest_id, sse

from .base import CloudSerializer, CloudViewSet, owner_name
from .permissions import caller_of
from .renderers import EventStreamRenderer


class EventSerializer(CloudSerializer):
    account = owner_name()

    class Meta:
        model = Event
        fields = ["id", "type", "level", "state", "description", "account", "resource_type", "resource_uuid", "created"]


def _stream_slots():
    return Slots(settings.EVENT_STREAMS_PER_PROCESS)


STREAM_SLOTS = _stream_slots()


class EventViewSet(CloudViewSet):
    list_command = "listEvents"
    model = Event
    serializer_class = EventSerializer
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
