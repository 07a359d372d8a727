"""The live event stream: server-sent events of what the caller may see.

It tails the persisted events (every state change and job is one, see
:mod:`apps.events.services`) rather than a broker queue, so a client that reconnects with
``Last-Event-ID`` resumes where it left off, nothing it may not see is ever read, and it
works the same on both brokers. Each message is ``id: <cursor>``, ``event: <type>`` and
``data:`` the event as ``listEvents`` shows it.
"""
import json
import time

from django.db.models import Max

from apps.accounts.selectors import restrict

from .commands import event_response
from .models import Event

BATCH = 100
# Ids are taken when a row is written, not when it commits: an event may appear after one with
# a higher id. The stream looks this many ids back so that such an event is still sent.
LOOKBACK = 200


def latest_id():
    return Event.objects.aggregate(last=Max("id"))["last"] or 0


def sse(caller, after_id, types=(), poll_s=0.5, keepalive_s=15.0, clock=time.monotonic, sleep=time.sleep):
    """Yield the SSE frames of the events after ``after_id`` that ``caller`` may see (of
    ``types`` if given), then of each new one, for as long as the client listens."""
    yield "retry: 2000\n\n"
    visible = restrict(Event.objects.all(), caller)
    if types:
        visible = visible.filter(type__in=types)
    sent, top, quiet_since = set(), after_id, clock()
    while True:
        floor = max(after_id, top - LOOKBACK)
        sent = {i for i in sent if i > floor}
        new = [i for i in visible.filter(id__gt=floor).order_by("id").values_list("id", flat=True) if i not in sent][:BATCH]
        if not new:
            if clock() - quiet_since >= keepalive_s:
                yield ": keepalive\n\n"
                quiet_since = clock()
            sleep(poll_s)
            continue
        for event in Event.objects.select_related("account__domain", "user").filter(id__in=new).order_by("id"):
            sent.add(event.pk)
            top = max(top, event.pk)
            yield f"id: {event.pk}\nevent: {event.type}\ndata: {json.dumps(event_response(event))}\n\n"
        quiet_since = clock()
