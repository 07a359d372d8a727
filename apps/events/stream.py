"""The live event stream: server-sent events of what the caller may see.

It tails the persisted events (every state change and job is one, see
:mod:`apps.events.services`) rather than a broker queue, so a client that reconnects with
``Last-Event-ID`` resumes where it left off, nothing it may not see is ever read, and it
works the same on both brokers. Each message is ``id: <cursor>``, ``event: <type>`` and
``data:`` the event as ``listEvents`` shows it.
"""
import json
import threading
import time

from django.conf import settings
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


def sse(caller, after_id, types=(), poll_s=0.5, keepalive_s=15.0, clock=time.monotonic, sleep=time.sleep,
        lifetime_s=None):
    """Yield the SSE frames of the events after ``after_id`` that ``caller`` may see (of
    ``types`` if given), then of each new one, for ``lifetime_s`` (then the client reconnects
    with its Last-Event-ID and goes on where it was: a stream never holds an API thread for
    good)."""

    ends = clock() + (settings.EVENT_STREAM_LIFETIME_S if lifetime_s is None else lifetime_s)
    yield "retry: 2000\n\n"
    visible = restrict(Event.objects.all(), caller)
    if types:
        visible = visible.filter(type__in=types)
    sent, top, quiet_since = set(), after_id, clock()
    while clock() < ends:
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


class Slots:
    """At most ``size`` streams at once in this API process: each holds one of its threads."""

    def __init__(self, size):
        self._free = threading.BoundedSemaphore(size)

    def take(self):
        return self._free.acquire(blocking=False)

    def held(self, frames):
        """``frames`` holding a slot until the response is closed (the client went, or the
        stream ended), whether or not it was ever read."""
        return _Held(frames, self._free.release)


class _Held:
    def __init__(self, frames, release):
        self._frames, self._release, self._open = frames, release, True

    def __iter__(self):
        return iter(self._frames)

    def close(self):
        if self._open:
            self._open = False
            self._frames.close()
            self._release()
