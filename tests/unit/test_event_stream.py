"""The SSE stream of events: what the caller may see, new events as they come, resumable."""
import json

from apps.events.models import Event
from apps.events.services import record_event
from apps.events.stream import sse


def frames(generator, count):
    out = []
    for chunk in generator:
        if chunk.startswith("id:"):
            lines = dict(line.split(": ", 1) for line in chunk.strip().splitlines())
            out.append((lines["event"], json.loads(lines["data"])))
            if len(out) == count:
                return out
    return out


def nothing_more(_):
    raise AssertionError("the stream waited for events that will not come")


def test_a_user_sees_only_the_events_of_their_account_as_they_come(admin, alice):
    record_event("VM.CREATE", "before the stream", account=alice.account)
    start = Event.objects.latest("id").pk
    arrivals = iter([
        [("VM.START", alice), ("VM.START", admin)],
        [("HOST.DOWN", None), ("VM.STOP", alice)],
    ])

    def sleep(_):  # while the stream waits, things happen
        for kind, who in next(arrivals):  # (a stream that wants more than happened fails, not hangs)
            record_event(kind, f"{kind} of {who.account.name if who else 'the fabric'}", account=who.account if who else None)

    got = frames(sse(alice, start, sleep=sleep), 2)
    assert [(kind, data["account"]) for kind, data in got] == [("VM.START", "alice"), ("VM.STOP", "alice")]
    assert all(data["id"] for _, data in got)


def test_a_root_admin_sees_everything_and_can_filter_by_type(admin, alice):
    start = Event.objects.count()
    record_event("VM.START", "a", account=alice.account)
    record_event("HOST.DOWN", "b")
    record_event("VM.START", "c", account=admin.account)
    got = frames(sse(admin, start, types=["VM.START"], sleep=nothing_more), 2)
    assert [data["description"] for _, data in got] == ["a", "c"]


def test_an_event_that_commits_after_a_later_one_is_still_sent(admin):
    first = record_event("VM.START", "first")
    second = record_event("VM.STOP", "second")
    late_id = first.pk
    first.delete()  # not visible yet: as if its transaction had not committed

    def sleep(_):
        if Event.objects.filter(pk=late_id).exists():
            nothing_more(_)
        Event.objects.create(pk=late_id, type="VM.START", description="late")

    got = frames(sse(admin, late_id - 1, sleep=sleep), 2)
    assert [data["description"] for _, data in got] == ["second", "late"]
    assert second.pk > late_id


def test_the_rest_endpoint_streams_with_the_api_key(client, admin, alice):
    record_event("VM.START", "old", account=alice.account)
    headers = {"HTTP_AUTHORIZATION": f"ApiKey {alice.user.api_key}:{alice.user.secret_key}",
               "HTTP_ACCEPT": "text/event-stream"}
    first = Event.objects.latest("id").pk
    record_event("VM.START", "new", account=alice.account)
    for path in ("/api/v1/events/stream", "/api/v1/events/stream/"):
        response = client.get(path, {"since": first}, **headers)
        assert response.status_code == 200 and response["Content-Type"] == "text/event-stream"
        chunks = iter(response.streaming_content)
        assert next(chunks).decode() == "retry: 2000\n\n"
        frame = next(chunks).decode()
        assert "event: VM.START" in frame and '"description": "new"' in frame
        response.close()


def test_the_stream_refuses_bad_credentials_and_cursors_as_events(client, alice):
    response = client.get("/api/v1/events/stream", HTTP_AUTHORIZATION="ApiKey nope:nope", HTTP_ACCEPT="text/event-stream")
    assert response.status_code in (401, 403) and response.content.startswith(b"event: error\ndata: ")
    headers = {"HTTP_AUTHORIZATION": f"ApiKey {alice.user.api_key}:{alice.user.secret_key}"}
    response = client.get("/api/v1/events/stream", {"since": "yesterday"}, **headers)
    assert response.status_code == 400 and b"not an event id" in response.content


def test_streams_are_limited_per_process_and_end_after_their_lifetime(client, alice, monkeypatch):
    from apps.api.rest import events as views
    from apps.events.stream import Slots

    monkeypatch.setattr(views, "STREAM_SLOTS", Slots(1))
    headers = {"HTTP_AUTHORIZATION": f"ApiKey {alice.user.api_key}:{alice.user.secret_key}",
               "HTTP_ACCEPT": "text/event-stream"}
    first = client.get("/api/v1/events/stream", **headers)
    assert first.status_code == 200
    busy = client.get("/api/v1/events/stream", **headers)
    assert busy.status_code == 503 and busy["Retry-After"] == "5"
    first.close()  # the client went: its slot is free again
    second = client.get("/api/v1/events/stream", **headers)
    assert second.status_code == 200
    second.close()

    now = [0.0]
    frames = list(sse(alice, 0, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s), lifetime_s=2.0))
    assert frames[0] == "retry: 2000\n\n"  # and then it ended by itself, after its lifetime
