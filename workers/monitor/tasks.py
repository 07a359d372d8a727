"""Fabric Monitoring component tasks (``monitor`` queue)."""
from celery import shared_task

from apps.fabric.models import Host, HostState
from workers.compute import api as compute
from workers.rpc import ping_task


@shared_task(name="workers.monitor.tasks.sync_hosts")
def sync_hosts():
    """Ask the compute agent of every Up host to reconcile its VMs (run by the beat schedule)."""
    hosts = list(Host.objects.filter(state=HostState.UP).values_list("pk", flat=True))
    for host_id in hosts:
        compute.sync_host(host_id)
    return len(hosts)


ping = ping_task("monitor")
