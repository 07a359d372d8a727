"""Prometheus metrics of the running platform: the API's gunicorn workers add up, the jobs
and the component queues are read from the data service and the broker."""
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.integration


def scrape(stack):
    response = requests.get(stack.endpoint.removesuffix("/client/api") + "/metrics", headers=stack.metrics_headers(), timeout=10)
    assert response.status_code == 200
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def total(samples, name, **labels):
    """Sum of ``name`` over the samples whose labels include ``labels``."""
    return sum(v for (n, ls), v in samples.items() if n == name and all(dict(ls).get(k) == x for k, x in labels.items()))


def test_metrics_count_requests_across_api_workers_and_show_jobs_and_queues(stack, cs, catalog):
    before = total(scrape(stack), "javelin_api_requests_total", command="listZones", code="200")
    for _ in range(12):  # spread over the gunicorn workers and their threads
        cs.listZones()
    vm = cs.deployVirtualMachine(name="metered", **catalog)["virtualmachine"]
    samples = scrape(stack)
    assert total(samples, "javelin_api_requests_total", command="listZones", code="200") - before == 12
    assert total(samples, "javelin_api_request_seconds_count", command="queryAsyncJobResult") >= 1
    assert total(samples, "javelin_jobs", command="deployVirtualMachine", status="succeeded") >= 1
    for queue in ("orchestration", "network", "storage", "monitor", f"compute.{1}"):
        assert ("javelin_queue_messages", (("queue", queue),)) in samples
    if stack.kind == "production":  # RabbitMQ counts consumers; the server-less broker cannot
        for queue in ("orchestration", "network", "storage", "monitor"):
            assert samples[("javelin_queue_consumers", (("queue", queue),))] >= 1
    assert total(samples, "javelin_component_processes", component="orchestration") >= 1
    assert total(samples, "javelin_component_task_seconds", component="orchestration") > 0
    assert vm["state"] == "Running"
