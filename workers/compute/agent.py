"""The compute agent: a Celery worker that owns hypervisor connections and consumes the queue
of every host it serves (``compute.<host id>``), plus the shared ``compute`` queue.

* ``--simulators``: every simulated host, including ones added while it runs (it looks for
  new ones every few seconds). libvirt's test driver keeps a host's guests inside the process
  that opened it, so one process serves them all, on threads.
* ``--host NAME``: one real host (KVM), so each hypervisor has an agent of its own.
"""
import socket

from celery import bootsteps

from cloudstack.celery import app

from .api import host_queue

REFRESH_S = 2.0


def _simulator_host_ids():
    from django.db import close_old_connections

    from apps.fabric.models import Host, HypervisorType

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
        self.tref = consumer.timer.call_repeatedly(REFRESH_S, self.refresh, (consumer,), priority=10)

    def refresh(self, consumer):
        for host_id in sorted(_simulator_host_ids() - self.served):
            consumer.add_task_queue(host_queue(host_id))
            self.served.add(host_id)

    def stop(self, consumer):
        if self.tref is not None:
            self.tref.cancel()


def worker_argv(simulators=False, hosts=(), concurrency=8):
    if simulators:
        queues = ["compute"] + [host_queue(pk) for pk in sorted(_simulator_host_ids())]
        name = "compute@%h"
        app.steps["consumer"].add(ServeNewSimulators)
    else:
        queues = [host_queue(host.pk) for host in hosts]
        name = f"compute-{'-'.join(h.name for h in hosts)}@{socket.gethostname()}"
    return ["worker", "-Q", ",".join(queues), "-n", name, "-P", "threads", "-c", str(concurrency),
            "--without-gossip", "--without-mingle", "-l", "info"]


def run(simulators=False, hosts=(), concurrency=8):
    from . import manager
    from .drivers import libvirt_driver

    # Lifecycle events tell at once when a guest stops; the periodic sync is the fallback.
    libvirt_driver.enable_events(manager.guest_stopped)
    app.worker_main(worker_argv(simulators, hosts, concurrency))
