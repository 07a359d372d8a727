"""The capacity audit (Fabric Monitoring): capacity can never leak for good.

Every ``AUDIT_INTERVAL_S`` each host's allocated CPU and memory is compared with what the VMs
placed on it hold (each VM records its reservation), and each primary storage pool's
allocated bytes with the sizes of the volumes on it. A difference seen in two audits in a row
is corrected and raised as an alert (CloudStack's capacity alert types), so a reservation a
crash left behind is given back, and one that was lost is taken again.

The comparison holds the host's (pool's) row lock, which every reservation and release takes
too, so it never reads half of one. Migrations hold room on two hosts (or pools) at once
while only one is recorded on the VM (volume): while any is under way, the audit waits.
"""
import logging

from django.db import close_old_connections, transaction
from django.db.models import Sum

from apps.compute.models import VirtualMachine
from apps.compute.states import VmState
from apps.events.models import AlertType
from apps.events.services import raise_alert
from apps.fabric.models import Host, StoragePool
from apps.jobs.models import AsyncJob, JobStatus
from apps.storage.models import Volume

log = logging.getLogger(__name__)
_seen = {}  # (kind, pk) -> the difference the last audit saw


def _host_of_record(host):
    held = VirtualMachine.objects.filter(host=host).aggregate(cpu=Sum("reserved_cpu_mhz"), memory=Sum("reserved_memory_mb"))
    return held["cpu"] or 0, held["memory"] or 0


def _pool_of_record(pool):
    return Volume.objects.filter(pool=pool, removed__isnull=True).aggregate(n=Sum("size_bytes"))["n"] or 0


def _confirmed(key, difference):
    """True when the same difference was seen by the audit before this one."""
    previous = _seen.get(key)
    _seen[key] = difference
    return previous == difference


def audit_hosts():
    if VirtualMachine.objects.filter(state=VmState.MIGRATING).exists() or AsyncJob.objects.filter(
            command="migrateVirtualMachine", status=JobStatus.PENDING).exists():
        return []
    corrected = []
    for host_id in Host.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            host = Host.objects.select_for_update(of=("self",)).select_related("zone", "pod", "cluster").get(pk=host_id)
            cpu, memory = _host_of_record(host)
            difference = (host.cpu_allocated_mhz - cpu, host.memory_allocated_mb - memory)
            if difference == (0, 0):
                _seen.pop(("host", host_id), None)
                continue
            if not _confirmed(("host", host_id), difference):
                continue
            Host.objects.filter(pk=host_id).update(cpu_allocated_mhz=cpu, memory_allocated_mb=memory)
            subject = (f"Capacity of host {host.name} corrected: allocated {host.cpu_allocated_mhz} MHz / "
                       f"{host.memory_allocated_mb} MB, its VMs hold {cpu} MHz / {memory} MB")
            raise_alert(AlertType.MEMORY if difference[1] else AlertType.CPU, subject, zone=host.zone, pod=host.pod,
                        cluster=host.cluster, host=host)
            log.warning(subject)
            corrected.append(subject)
    return corrected


def audit_pools():
    if AsyncJob.objects.filter(command="migrateVolume", status=JobStatus.PENDING).exists():
        return []
    corrected = []
    for pool_id in StoragePool.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            pool = StoragePool.objects.select_for_update(of=("self",)).select_related("zone", "pod", "cluster").get(pk=pool_id)
            held = _pool_of_record(pool)
            difference = pool.allocated_bytes - held
            if difference == 0:
                _seen.pop(("pool", pool_id), None)
                continue
            if not _confirmed(("pool", pool_id), difference):
                continue
            StoragePool.objects.filter(pk=pool_id).update(allocated_bytes=held)
            subject = f"Allocation of storage pool {pool.name} corrected: {pool.allocated_bytes} bytes, its volumes hold {held}"
            raise_alert(AlertType.STORAGE_ALLOCATED, subject, zone=pool.zone, pod=pool.pod, cluster=pool.cluster)
            log.warning(subject)
            corrected.append(subject)
    return corrected


def audit():
    close_old_connections()
    return audit_hosts() + audit_pools()
