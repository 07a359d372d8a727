"""Prometheus metrics: API requests, jobs by command and status, queues, components."""
import pytest
from prometheus_client.parser import text_string_to_metric_families

from apps.components import services as discovery
from apps.jobs.services import create_job, fail, succeed
from tests.unit.test_api import call


def scrape(client, **headers):
    from django.conf import settings

    headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {settings.METRICS_TOKEN}")
    response = client.get("/metrics", **headers)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_api_requests_are_counted_by_command_and_code(client, cloud, admin):
    before = scrape(client)
    call(client, admin.user, command="listZones")
    call(client, admin.user, command="listZones")
    call(client, admin.user, command="noSuchCommand")
    client.get("/api/v1/zones/", HTTP_AUTHORIZATION=f"ApiKey {admin.user.api_key}:{admin.user.secret_key}")
    after = scrape(client)
    ok = value(after, "javelin_api_requests_total", api="query", command="listZones", code="200")
    assert ok - value(before, "javelin_api_requests_total", api="query", command="listZones", code="200") == 2
    assert value(after, "javelin_api_requests_total", api="query", command="unknown", code="432") >= 1
    assert value(after, "javelin_api_requests_total", api="rest", command="zone-list", code="200") >= 1
    assert value(after, "javelin_api_request_seconds_count", api="query", command="listZones") >= 2


def test_jobs_by_command_and_status_and_component_processes(client, admin):
    for outcome in ("ok", "ok", "bad", None):
        job = create_job("deployVirtualMachine", "x", admin.user, {})
        if outcome == "ok":
            succeed(job.pk, {})
        elif outcome == "bad":
            fail(job.pk, RuntimeError("no"))
    discovery.register("storage", "storage@test", ["storage"])
    samples = scrape(client)
    assert value(samples, "javelin_jobs", command="deployVirtualMachine", status="succeeded") == 2
    assert value(samples, "javelin_jobs", command="deployVirtualMachine", status="failed") == 1
    assert value(samples, "javelin_jobs", command="deployVirtualMachine", status="pending") == 1
    assert value(samples, "javelin_jobs_oldest_pending_seconds") >= 0
    assert value(samples, "javelin_component_processes", component="storage") == 1


def test_the_metrics_need_their_token_unless_opened(client, settings):
    settings.METRICS_TOKEN = "s3cret"
    assert client.get("/metrics").status_code == 401  # there is always a token: none is not "open"
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3crét").status_code == 401  # not a 500
    assert scrape(client, HTTP_AUTHORIZATION="Bearer s3cret") is not None
    settings.METRICS_OPEN = True
    assert client.get("/metrics").status_code == 200


@pytest.fixture(autouse=True)
def _db(db):
    return db


def test_a_worker_records_how_many_tasks_it_ran_and_how_long_they_take(db):
    from apps.components.models import Component
    from apps.components.signals import TaskClock

    discovery.register("storage", "storage@test", ["storage"])
    clock = TaskClock(flush_s=0.0)
    for task_id in ("a", "b", "c"):
        clock.started(task_id)
        clock.finished(task_id)
    clock.finished("never-started")  # a task this process did not see start is not counted
    row = Component.objects.get(name="storage")
    assert row.tasks_done == 3 and row.task_seconds is not None and 0 <= row.task_seconds < 1
