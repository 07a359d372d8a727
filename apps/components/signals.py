"""Celery processes register themselves: workers (named <component>@<host>) and beat."""
import re
import socket
import threading

from celery import signals

from . import services

_stop = threading.Event()


def _component_of(node):
    return re.sub(r"\d+$", "", node.split("@")[0])


def _beat_forever(name):
    while not _stop.wait(services.heartbeat_interval()):
        try:
            services.beat(name)
        except Exception:  # noqa: BLE001 - a missed beat is retried at the next one
            pass


def _start(name, node, queues):
    services.register(name, node, queues)
    threading.Thread(target=_beat_forever, args=(name,), daemon=True, name=f"heartbeat-{name}").start()


@signals.worker_ready.connect
def worker_ready(sender=None, **kwargs):
    consumer = sender
    node = consumer.hostname
    queues = [q.name for q in consumer.task_consumer.queues] if consumer.task_consumer else []
    _start(_component_of(node), node, queues)


@signals.worker_shutdown.connect
def worker_shutdown(sender=None, **kwargs):
    _stop.set()
    services.unregister(_component_of(sender.hostname))


@signals.beat_init.connect
def beat_init(sender=None, **kwargs):
    _start("beat", f"beat@{socket.gethostname()}", [])
