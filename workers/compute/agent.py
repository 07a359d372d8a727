"""The compute agent: a Celery worker that owns hypervisor connections and consumes the queue
of every host it serves (``compute.<host id>``), plus the shared ``compute`` queue.

* ``--simulators``: every simulated host, including ones added while it runs (it looks for
  new ones every few seconds). libvirt's test driver keeps a host's guests inside the process
  that opened it, so one process serves them all, on threads.
* ``--host NAME``: one real host (KVM), so each hypervisor has an agent of its own.
"""
import logging
import socket
import threading

from celery import bootsteps
from django.conf import settings
from django.db import DatabaseError, close_old_connections

from apps.core import config
from apps.core.errors import ResourceUnavailable
from apps.fabric.models import Host, HypervisorType
from clients import monitor
from clients.compute import host_queue
from cloudstack.celery import app

from . import manager
from .drivers import driver_for, libvirt_driver

log = logging.getLogger(__name__)
REFRESH_S = 2.0
SERVED = set()  # ids of the hosts this agent serves


def _simulator_host_ids():
    close_old_connections()
    return set(Host.objects.filter(hypervisor=HypervisorType.SIMULATOR).values_list("pk", flat=True))


class ServeNewSimulators(bootsteps.StartStopStep):
    """Consume the queue of each simulated host that appears after the agent started."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        self.served = set()
        self.tref = None

    def start(self, consumer):
        self.served = _simulator_host_ids()
        SERVED.update(self.served)
        self.tref = consumer.timer.call_repeatedly(REFRESH_S, self.refresh, (consumer,), priority=10)

    def refresh(self, consumer):
        for host_id in sorted(_simulator_host_ids() - self.served):
            consumer.add_task_queue(host_queue(host_id))
            self.served.add(host_id)
            SERVED.add(host_id)

    def stop(self, consumer):
        if self.tref is not None:
            self.tref.cancel()


def beat_interval():
    """The ``ping.interval`` setting, read again for every beat (its default when the
    database cannot be read: the beats go on)."""
    try:
        return config.value("ping.interval")
    except DatabaseError:
        return settings.HOST_HEARTBEAT_S


def beat_once():
    """One heartbeat for each host served: what its hypervisor reports, to Fabric Monitoring.
    A hypervisor that does not answer gets no beat, which is how monitoring learns of it."""
    close_old_connections()
    for host in Host.objects.filter(pk__in=sorted(SERVED)):
        driver = driver_for(host)
        try:
            stats = driver.host_stats()
            driver.persist()
        except ResourceUnavailable:
            log.warning("host %s: the hypervisor does not answer; no heartbeat", host.name, exc_info=True)
            continue
        monitor.heartbeat(host.pk, stats)


class Heartbeat(bootsteps.StartStopStep):
    """Send the served hosts' heartbeats every ``HOST_HEARTBEAT_S`` seconds, on a thread of
    its own (a slow hypervisor must not hold up the consumer).

    Celery restarts the consumer's steps when the broker connection is lost (stop, then start
    once it is back): each start runs a fresh thread with a fresh stop flag, so the beats
    resume after a broker restart instead of ending with the first one."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        self.stopping = None

    def start(self, consumer):
        self.stopping = threading.Event()
        threading.Thread(target=self.run, args=(self.stopping,), daemon=True, name="host-heartbeat").start()

    @staticmethod
    def run(stopping):
        while True:
            try:
                beat_once()
            except Exception:  # noqa: BLE001 - a missed beat is the next beat's business
                log.exception("heartbeat failed")
            if stopping.wait(beat_interval()):
                return

    def stop(self, consumer):
        if self.stopping is not None:
            self.stopping.set()


def worker_argv(simulators=False, hosts=(), concurrency=8, node=""):
    if simulators:
        queues = ["compute"] + [host_queue(pk) for pk in sorted(_simulator_host_ids())]
        name = "compute@%h"
        app.steps["consumer"].add(ServeNewSimulators)
    else:
        queues = [host_queue(host.pk) for host in hosts]
        SERVED.update(host.pk for host in hosts)
        name = f"compute-{'-'.join(h.name for h in hosts)}@{socket.gethostname()}"
    app.steps["consumer"].add(Heartbeat)
    return ["worker", "-Q", ",".join(queues), "-n", node or name, "-P", "threads", "-c", str(concurrency),
            "--without-gossip", "--without-mingle", "-l", "info"]


def run(simulators=False, hosts=(), concurrency=8, node=""):
    # Lifecycle events tell at once when a guest stops; the periodic sync is the fallback.
    libvirt_driver.enable_events(manager.guest_stopped)
    app.worker_main(worker_argv(simulators, hosts, concurrency, node))
