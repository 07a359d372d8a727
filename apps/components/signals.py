"""Celery processes register themselves: workers (named <component>@<host>) and beat.

Each worker also times its tasks and records, at most once a second, how many it finished
and a moving average of how long they take: what the autoscaler weighs a queue's backlog
with. Tasks run in the pool's child processes (prefork), so a child writes onto the row of
the worker that registered: its parent (or itself, with the threads pool).
"""
import re
import socket
import threading
import time

from celery import signals

from . import services

_stop = threading.Event()


class TaskClock:
    """Run times of this process's tasks: a count and an exponential moving average,
    written to service discovery every ``flush_s`` seconds at most."""

    def __init__(self, weight=0.2, flush_s=1.0):
        self.weight, self.flush_s, self.average = weight, flush_s, None
        self.unsaved, self.flushed = 0, 0.0
        self._started = {}
        self._lock = threading.Lock()

    def started(self, task_id):
        self._started[task_id] = time.monotonic()

    def finished(self, task_id):
        began = self._started.pop(task_id, None)
        if began is None:
            return
        now = time.monotonic()
        with self._lock:
            took = now - began
            self.unsaved += 1
            self.average = took if self.average is None else self.average + self.weight * (took - self.average)
            if now - self.flushed < self.flush_s:
                return
            done, self.unsaved, self.flushed = self.unsaved, 0, now
        try:
            services.record_tasks(done, self.average)
        except Exception:  # noqa: BLE001 - statistics must never fail a task
            with self._lock:
                self.unsaved += done


clock = TaskClock()


@signals.task_prerun.connect
def _task_started(task_id=None, **kwargs):
    clock.started(task_id)


@signals.task_postrun.connect
def _task_finished(task_id=None, **kwargs):
    clock.finished(task_id)


def _component_of(node):
    return re.sub(r"(-auto)?\d*$", "", node.split("@")[0])  # storage2@h, storage-auto3@h -> storage


def _start(name, node, queues):
    services.keep_registered(name, node, queues, stop=_stop)


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
