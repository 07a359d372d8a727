"""Service discovery: every component process registers itself when it starts, beats every
``HEARTBEAT_S`` seconds, and is forgotten once it has missed two beats."""
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.db.models import F
from django.utils import timezone

from .models import Component


def heartbeat_interval():
    return settings.COMPONENT_HEARTBEAT_S


def register(name, node, queues=(), endpoint=""):
    """Register (or refresh) this process as component ``name``."""
    close_old_connections()
    now = timezone.now()
    Component.objects.update_or_create(
        host=socket.gethostname(), pid=os.getpid(), name=name,
        defaults={"node": node, "queues": list(queues), "endpoint": endpoint, "version": settings.JAVELIN_VERSION,
                  "last_heartbeat": now},
    )
    forget_the_dead()


def beat(name):
    """Refresh this process's row; how many rows that touched (0: a peer forgot it)."""
    close_old_connections()
    updated = Component.objects.filter(host=socket.gethostname(), pid=os.getpid(), name=name).update(last_heartbeat=timezone.now())
    forget_the_dead()
    return updated


def keep_registered(name, node, queues=(), endpoint="", stop=None):
    """Register now and beat on a daemon thread until ``stop`` is set. A process whose beats
    were late (a loaded machine, a database restart) was forgotten by its peers: its next beat
    registers it again, so nothing stays missing once it beats."""
    stop = stop or threading.Event()
    register(name, node, queues, endpoint)

    def beat_forever():
        while not stop.wait(heartbeat_interval()):
            try:
                if not beat(name):
                    register(name, node, queues, endpoint)
            except Exception:  # noqa: BLE001 - a missed beat is retried at the next one
                pass

    threading.Thread(target=beat_forever, daemon=True, name=f"heartbeat-{name}").start()
    return stop


def record_tasks(done, average_seconds):
    """Add ``done`` finished tasks (and their moving-average run time) to the worker this
    process belongs to: itself, or the parent whose pool it is a child of."""

    return Component.objects.filter(host=socket.gethostname(), pid__in=[os.getpid(), os.getppid()]).exclude(
        name__in=["api", "beat"]).update(tasks_done=F("tasks_done") + done, task_seconds=average_seconds)


def unregister(name):
    close_old_connections()
    Component.objects.filter(host=socket.gethostname(), pid=os.getpid(), name=name).delete()


def forget_the_dead():
    """Drop processes that missed two heartbeats."""
    Component.objects.filter(last_heartbeat__lt=_horizon()).delete()


def _horizon():
    return timezone.now() - timedelta(seconds=2 * heartbeat_interval())


def live():
    return Component.objects.filter(last_heartbeat__gte=_horizon()).order_by("name", "node", "pid")
