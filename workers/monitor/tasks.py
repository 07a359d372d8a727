"""Fabric Monitoring component tasks (``monitor`` queue)."""
from celery import bootsteps, shared_task

from apps.core import bus
from apps.fabric.models import Host, HostState
from clients import compute
from cloudstack.celery import app
from workers.diagnostics import diagnostic_tasks

from . import audit, hosts


@shared_task(name="workers.monitor.tasks.sync_hosts")
def sync_hosts():
    """Ask the compute agent of every Up host to reconcile its VMs (run by the beat schedule)."""
    ids = list(Host.objects.filter(state=HostState.UP).values_list("pk", flat=True))
    for host_id in ids:
        compute.sync_host(host_id)
    return len(ids)


@shared_task(name="workers.monitor.tasks.host_heartbeat", acks_late=False)
def host_heartbeat(host_id, stats, sent_at):
    return hosts.heartbeat(host_id, stats, sent_at)


@shared_task(name="workers.monitor.tasks.check_hosts")
def check_hosts():
    return hosts.check()


@shared_task(name="workers.monitor.tasks.host_investigated")
def host_investigated(host_id, verdict, investigator_id):
    return hosts.investigated(host_id, verdict, investigator_id)


@shared_task(name="workers.monitor.tasks.relay_events", ignore_result=True)
def relay_events():
    """Publish the events that waited in the outbox while the broker was down."""
    return bus.relay()


@shared_task(name="workers.monitor.tasks.audit_capacity", ignore_result=True)
def audit_capacity():
    """Correct capacity that drifted from what the VMs and volumes of record hold."""
    return audit.audit()


class ListenAfterReconnect(bootsteps.StartStopStep):
    """Each time the monitor's consumer (re)starts, as it does when its broker connection comes
    back, host liveness listens for two intervals before it blames anyone (the monitor runs its
    tasks on threads of this process, so this reaches them)."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def start(self, consumer):
        if "monitor" in (consumer.app.amqp.queues.consume_from or {}):
            hosts.listen_again()


app.steps["consumer"].add(ListenAfterReconnect)
ping, drill = diagnostic_tasks("monitor")
