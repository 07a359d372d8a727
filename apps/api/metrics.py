"""Prometheus metrics at ``/metrics``: the API's requests, the jobs, the queues, the components.

* ``javelin_api_requests_total{api,command,code}`` and ``javelin_api_request_seconds{api,command}``
  are counted by :class:`RequestMetrics` in each API process. Under gunicorn the workers
  share them through ``PROMETHEUS_MULTIPROC_DIR`` (set by ``apps/api/gunicorn.py``).
* ``javelin_jobs{command,status}``, ``javelin_jobs_oldest_pending_seconds``,
  ``javelin_queue_messages{queue}``, ``javelin_queue_consumers{queue}``,
  ``javelin_component_processes{component}`` and ``javelin_component_task_seconds{component}``
  are read from the data service and the broker when Prometheus scrapes.

A scrape must bring the metrics token (``JAVELIN_METRICS_TOKEN``, or the one generated on first
start in ``<state>/secrets.json``) as a bearer token, unless ``JAVELIN_METRICS_OPEN`` is set.
"""
import hmac
import logging
import os
import time

from django.conf import settings
from django.db.models import Count, Min
from django.http import HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client import REGISTRY as PROMETHEUS_REGISTRY
from prometheus_client.core import GaugeMetricFamily

from apps.components.queues import component_queues, queue_stats
from apps.components.services import live
from apps.core.registry import REGISTRY as COMMANDS
from apps.jobs.models import AsyncJob, JobStatus

log = logging.getLogger(__name__)

REQUESTS = Counter("javelin_api_requests", "API requests", ["api", "command", "code"])
LATENCY = Histogram("javelin_api_request_seconds", "API request latency", ["api", "command"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


def _labels(request):
    """(api, command): the query API's command (known ones only, so that a client cannot
    invent label values), or the REST route's name."""

    if request.path.startswith("/client/api"):
        try:
            name = request.GET.get("command") or request.POST.get("command") or ""
        except Exception:  # noqa: BLE001 - a body refused as too large has no command to count
            name = ""
        return "query", name if name in COMMANDS else "unknown"
    if request.path.startswith("/api/"):
        match = getattr(request, "resolver_match", None)
        return "rest", (match.url_name if match and match.url_name else "unknown")
    return None, None


class RequestMetrics:
    """Count and time every request to the query API and the REST API."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        began = time.perf_counter()
        response = self.get_response(request)
        api, command = _labels(request)
        if api is not None:
            REQUESTS.labels(api, command, str(response.status_code)).inc()
            LATENCY.labels(api, command).observe(time.perf_counter() - began)
        return response


class PlatformCollector:
    """Jobs, queues and components, read at scrape time."""

    def collect(self):
        jobs = GaugeMetricFamily("javelin_jobs", "Async jobs by command and status", labels=["command", "status"])
        names = {s.value: s.name.lower() for s in JobStatus}
        for row in AsyncJob.objects.values("command", "status").annotate(n=Count("id")).order_by():
            jobs.add_metric([row["command"], names.get(row["status"], str(row["status"]))], row["n"])
        yield jobs
        oldest = AsyncJob.objects.filter(status=JobStatus.PENDING).aggregate(t=Min("created"))["t"]
        yield GaugeMetricFamily("javelin_jobs_oldest_pending_seconds", "Age of the oldest pending job",
                                value=(timezone.now() - oldest).total_seconds() if oldest else 0.0)

        messages = GaugeMetricFamily("javelin_queue_messages", "Messages waiting in a component queue", labels=["queue"])
        consumers = GaugeMetricFamily("javelin_queue_consumers", "Consumers of a component queue", labels=["queue"])
        try:
            for queue, stats in queue_stats(component_queues()).items():
                messages.add_metric([queue], stats["messages"])
                if stats["consumers"] is not None:
                    consumers.add_metric([queue], stats["consumers"])
        except Exception:  # noqa: BLE001 - a broker that is down must not take the other metrics with it
            log.warning("could not read the queues from the broker", exc_info=True)
        yield messages
        yield consumers

        processes = GaugeMetricFamily("javelin_component_processes", "Live processes of a component", labels=["component"])
        runtime = GaugeMetricFamily("javelin_component_task_seconds", "Moving average of a component's task run time",
                                    labels=["component"])
        per_component = {}
        for component in live().only("name", "task_seconds"):
            per_component.setdefault(component.name, []).append(component.task_seconds)
        for name, times in sorted(per_component.items()):
            processes.add_metric([name], len(times))
            known = [t for t in times if t is not None]
            if known:
                runtime.add_metric([name], sum(known) / len(known))
        yield processes
        yield runtime


def registry():
    """The registry to expose: this process's metrics, or all API workers' under gunicorn."""

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        shared = CollectorRegistry()
        multiprocess.MultiProcessCollector(shared)
    else:
        shared = PROMETHEUS_REGISTRY
    scrape = CollectorRegistry()
    scrape.register(shared)  # a registry is a collector of what is registered in it
    scrape.register(PlatformCollector())
    return scrape


def metrics_view(request):
    """The metrics, for a scraper that brings the token (``Authorization: Bearer <token>``),
    unless ``JAVELIN_METRICS_OPEN`` lets anyone read them."""
    if not settings.METRICS_OPEN:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not settings.METRICS_TOKEN or not hmac.compare_digest(sent.encode("utf-8", "replace"), settings.METRICS_TOKEN.encode()):
            response = HttpResponse("unauthorized: send the metrics token as a bearer token\n", status=401,
                                    content_type="text/plain")
            response["WWW-Authenticate"] = 'Bearer realm="javelin-metrics"'
            return response
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
