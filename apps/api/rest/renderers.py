import json

from rest_framework.renderers import BaseRenderer


class EventStreamRenderer(BaseRenderer):
    """``text/event-stream``: the stream itself is a StreamingHttpResponse; what this renders
    is a refusal before it starts (bad credentials, a bad cursor), as one ``error`` event."""

    media_type = "text/event-stream"
    format = "event-stream"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return f"event: error\ndata: {json.dumps(data)}\n\n".encode()
