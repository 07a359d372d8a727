"""Fabric Monitoring component tasks (``monitor`` queue)."""
from celery import shared_task

from apps.fabric.models import Host
from workers.rpc import ping_task


@shared_task(name="workers.monitor.tasks.capacity_report")
def capacity_report():
    """Allocated and total CPU (MHz) and memory (MB) of every host, as the data service has it."""
    return [
        {
            "host": str(h.uuid),
            "name": h.name,
            "state": h.state,
            "cpu_allocated_mhz": h.cpu_allocated_mhz,
            "cpu_total_mhz": h.cpu_total_mhz,
            "memory_allocated_mb": h.memory_allocated_mb,
            "memory_total_mb": h.memory_mb,
        }
        for h in Host.objects.order_by("id")
    ]


ping = ping_task("monitor")
