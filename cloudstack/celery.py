"""The Celery app: one queue per component, routing by task module, events on a topic exchange.

A worker started with ``-Q network`` is the Networking component and nothing else,
because every task of ``workers.network`` is routed to the ``network`` queue.
"""
import os

from celery import Celery
from kombu import Exchange, Queue

from . import broker  # noqa: F401  (registers the fsatomic:// transport alias)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudstack.settings")

COMPONENT_QUEUES = ("orchestration", "compute", "network", "storage", "monitor")

# Messaging events: one topic exchange; each component binds its own queue with the
# routing keys it cares about (``vm.state.#``), so an event reaches one component or all.
EVENTS_EXCHANGE = Exchange("javelin.events", type="topic", durable=True)

app = Celery("javelin")
app.config_from_object("django.conf:settings", namespace="CELERY")


def _queue(name):
    arguments = {}
    if os.environ.get("CELERY_TASK_QUEUE_TYPE", "classic") == "quorum":
        arguments["x-queue-type"] = "quorum"
    return Queue(name, Exchange(name, type="direct"), routing_key=name, queue_arguments=arguments or None)


app.conf.update(
    task_queues=[_queue(name) for name in COMPONENT_QUEUES],
    task_default_queue="orchestration",
    task_routes={f"workers.{name}.*": {"queue": name, "routing_key": name} for name in COMPONENT_QUEUES},
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    # Infrastructure work must survive the death of the worker running it: acknowledge
    # only when done, hand it back if the worker is lost, take one message at a time.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_track_started=True,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    result_extended=False,
)
# The Fabric Monitoring scheduler (`beat` in the Procfile): periodic work of the platform.
app.conf.beat_schedule = {
    "sync-hosts": {"task": "workers.monitor.tasks.sync_hosts", "schedule": float(os.environ.get("JAVELIN_SYNC_INTERVAL", "60"))},
    # host liveness: Up -> Alert -> (investigation) -> Down, at the pace of the heartbeats
    "check-hosts": {"task": "workers.monitor.tasks.check_hosts", "schedule": float(os.environ.get("JAVELIN_HOST_HEARTBEAT", "10")),
                    "options": {"expires": float(os.environ.get("JAVELIN_HOST_HEARTBEAT", "10"))}},
}
app.autodiscover_tasks(lambda: [f"workers.{name}" for name in COMPONENT_QUEUES])
