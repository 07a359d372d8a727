"""The Celery app: one queue per component, routing by task module, events on a topic exchange.

A worker started with ``-Q network`` is the Networking component and nothing else,
because every task of ``workers.network`` is routed to the ``network`` queue.
"""
import os

from celery import Celery, Task
from celery.signals import task_prerun
from django.db import InterfaceError, OperationalError, close_old_connections, connections
from kombu import Exchange, Queue

from . import broker  # noqa: F401  (registers the fsatomic:// transport alias)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudstack.settings")


# The version of the messages the platform's clients send (``clients``): a worker refuses one
# newer than it speaks, so components can be upgraded one after another.
MESSAGE_VERSION = 2
VERSION_KEY = "v"


class NewerMessage(Exception):
    """A message of a newer version than this worker speaks."""


# What a lost database connection raises (a restart, a failover): worth retrying, unlike an
# IntegrityError or a DataError, which the same input would raise again.
DATABASE_OUTAGE = (OperationalError, InterfaceError)


class JavelinTask(Task):
    """Every task of the platform: one that meets a database outage is retried with back-off
    (1 s, 2 s, 4 s ... at most 30 s, without end: the steps are idempotent), neither failed
    half way nor lost."""

    autoretry_for = DATABASE_OUTAGE
    # every message carries its version ``v`` besides the task's own arguments: the task's
    # signature is checked when it runs (__call__), not against ``v`` when it is sent
    typing = False
    retry_backoff = 1
    retry_backoff_max = 30
    retry_jitter = True
    max_retries = None

    def __call__(self, *args, **kwargs):
        version = kwargs.pop(VERSION_KEY, None)
        if version is not None and int(version) > MESSAGE_VERSION:
            raise NewerMessage(f"{self.name}: message version {version} is newer than this worker's {MESSAGE_VERSION}")
        return super().__call__(*args, **kwargs)

    def retry(self, *args, **kwargs):
        global _database_outages
        if isinstance(kwargs.get("exc"), DATABASE_OUTAGE):
            _database_outages += 1
        for connection in connections.all(initialized_only=True):
            connection.close_if_unusable_or_obsolete()  # the broken connection goes; the retry opens a new one
        return super().retry(*args, **kwargs)


_database_outages = 0


def database_outages():
    """How many times a task of this process met a database outage: work that waits on the
    data service (host liveness) knows it was away, and listens again before judging."""
    return _database_outages


COMPONENT_QUEUES = ("orchestration", "compute", "network", "storage", "monitor")

# Messaging events: one topic exchange; each component binds its own queue with the
# routing keys it cares about (``vm.state.#``), so an event reaches one component or all.
EVENTS_EXCHANGE = Exchange("javelin.events", type="topic", durable=True)

app = Celery("javelin", task_cls=JavelinTask)
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
    # After a broker reconnect with tasks in flight, Celery lowers the prefetch count and
    # raises it again from each task's acknowledgement. With the threads pool (the compute
    # agents, monitoring) that acknowledgement runs on a pool thread, and the basic.qos call it
    # makes races the consumer's own reads on the channel: seen in CI, a compute agent took no
    # message for three minutes after RabbitMQ came back, until the broker dropped the
    # connection for missed heartbeats. One message at a time leaves nothing to gain from it.
    worker_enable_prefetch_count_reduction=False,
    task_track_started=True,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    result_extended=False,
)
def _every(variable, default):
    return float(os.environ.get(variable, default))


# The Fabric Monitoring scheduler (`beat` in the Procfile): periodic work of the platform.
app.conf.beat_schedule = {
    "sync-hosts": {"task": "workers.monitor.tasks.sync_hosts", "schedule": float(os.environ.get("JAVELIN_SYNC_INTERVAL", "60"))},
    # host liveness: Up -> Alert -> (investigation) -> Down, at the pace of the heartbeats
    "check-hosts": {"task": "workers.monitor.tasks.check_hosts", "schedule": float(os.environ.get("JAVELIN_HOST_HEARTBEAT", "10")),
                    "options": {"expires": float(os.environ.get("JAVELIN_HOST_HEARTBEAT", "10"))}},
    # no job is ever stuck; no capacity leaks for good; no event is lost to a broker outage
    "watch-jobs": {"task": "workers.orchestration.tasks.watch_jobs", "schedule": _every("JAVELIN_WATCH_INTERVAL", 10),
                   "options": {"expires": _every("JAVELIN_WATCH_INTERVAL", 10)}},
    "audit-capacity": {"task": "workers.monitor.tasks.audit_capacity", "schedule": _every("JAVELIN_AUDIT_INTERVAL", 60),
                       "options": {"expires": _every("JAVELIN_AUDIT_INTERVAL", 60)}},
    "relay-events": {"task": "workers.monitor.tasks.relay_events", "schedule": 5.0, "options": {"expires": 5.0}},
}
app.autodiscover_tasks(lambda: [f"workers.{name}" for name in COMPONENT_QUEUES])


@task_prerun.connect
def _check_database_connections(**_):
    """Before each task: drop a connection that broke (a database restart) or got old, and
    health-check the rest on first use. Celery's own fixup does this only every
    CELERY_DB_REUSE_MAX tasks."""
    close_old_connections()
