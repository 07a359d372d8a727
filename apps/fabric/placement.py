"""Placement: choose a host with room for a VM and reserve that room, atomically.

A reservation is one conditional UPDATE — ``allocated + need <= total * factor`` in the
WHERE clause — so it either takes the room or changes nothing, whatever other
orchestration workers do at the same moment. PostgreSQL re-checks the condition against
the newest row version after waiting on a concurrent update (READ COMMITTED); SQLite runs
writers one at a time. No host is ever over-committed, and no lock is held while choosing.
"""
import re

from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Cast

from apps.core.errors import InsufficientCapacity

from .models import AllocationState, Cluster, Host, HostState, Pod

CANDIDATES = 16  # hosts read per decision: the roomiest; a reservation that loses a race tries the next


def _total(field, factor):
    """``field * factor`` in SQL; the plain column when the factor is 1, so indexes apply."""
    if factor == 1:
        return field
    return Cast(field * Value(factor), output_field=Host.cpu_allocated_mhz.field)


def candidate_hosts(zone, cpu_mhz, memory_mb, prefer=None, tags=(), avoid=None, cluster=None):
    """Hosts of ``zone`` that are Up, Enabled, carry every one of ``tags``, are not in
    ``avoid`` and, as last read, have room; the roomiest first, at most CANDIDATES of them.

    The query walks the ``host_roomiest_in_zone`` index and stops at the first fits, so its
    cost does not grow with the number of hosts in the zone."""
    cpu_factor, mem_factor = settings.CPU_OVERPROVISIONING, settings.MEMORY_OVERPROVISIONING
    disabled_clusters = list(Cluster.objects.filter(zone=zone).exclude(allocation_state=AllocationState.ENABLED).values_list("pk", flat=True))
    disabled_pods = list(Pod.objects.filter(zone=zone).exclude(allocation_state=AllocationState.ENABLED).values_list("pk", flat=True))
    hosts = (
        Host.objects.filter(zone=zone, state=HostState.UP, resource_state=AllocationState.ENABLED)
        .exclude(cluster__in=disabled_clusters)
        .exclude(pod__in=disabled_pods)
        .annotate(
            cpu_free=_total(F("cpu_number") * F("cpu_speed"), cpu_factor) - F("cpu_allocated_mhz"),
            memory_free=_total(F("memory_mb"), mem_factor) - F("memory_allocated_mb"),
        )
        .filter(cpu_free__gte=cpu_mhz, memory_free__gte=memory_mb)
        .order_by((F("memory_mb") - F("memory_allocated_mb")).desc(), "id")  # the host_roomiest_in_zone index
    )
    for tag in tags:
        hosts = hosts.filter(host_tags__regex=rf"(^|,)\s*{re.escape(tag)}\s*(,|$)")
    if avoid:
        hosts = hosts.exclude(pk__in=avoid)
    if cluster is not None:
        hosts = hosts.filter(cluster=cluster)
    candidates = list(hosts[:CANDIDATES])
    if prefer is not None and prefer.pk not in {h.pk for h in candidates}:
        candidates = list(hosts.filter(pk=prefer.pk)) + candidates
    candidates.sort(key=lambda h: prefer is None or h.pk != prefer.pk)
    return candidates


def try_reserve(host, cpu_mhz, memory_mb):
    """Take ``cpu_mhz``/``memory_mb`` on ``host`` if they still fit; True when taken."""
    cpu_factor, mem_factor = settings.CPU_OVERPROVISIONING, settings.MEMORY_OVERPROVISIONING
    taken = Host.objects.filter(
        pk=host.pk,
        state=HostState.UP,
        resource_state=AllocationState.ENABLED,
        cpu_allocated_mhz__lte=_total(F("cpu_number") * F("cpu_speed"), cpu_factor) - cpu_mhz,
        memory_allocated_mb__lte=_total(F("memory_mb"), mem_factor) - memory_mb,
    ).update(cpu_allocated_mhz=F("cpu_allocated_mhz") + cpu_mhz, memory_allocated_mb=F("memory_allocated_mb") + memory_mb)
    return taken == 1


def reserve_for_vm(vm, prefer=None):
    """Place ``vm`` on a host of its zone and record the reservation on the VM. Returns the host.

    Raises :class:`InsufficientCapacity` when no host has room.
    """
    from apps.compute.models import VirtualMachine

    offering = vm.service_offering
    with transaction.atomic():
        host = reserve_host(vm, prefer=prefer)
        VirtualMachine.objects.filter(pk=vm.pk).update(
            host=host, reserved_cpu_mhz=offering.cpu_mhz, reserved_memory_mb=offering.memory_mb
        )
    vm.refresh_from_db()
    return host


def reserve_host(vm, prefer=None, cluster=None, exclude=()):
    """Choose a host with room for ``vm`` and take that room on it; return the host.

    The offering's host tags must all be on the host; no VM of an anti-affinity group of
    ``vm`` may be on it. Placements of VMs sharing an anti-affinity group take the group's row
    lock, so they are decided one after another. Raises :class:`InsufficientCapacity` when no
    host has room.
    """
    from apps.compute.models import AffinityGroup, VirtualMachine

    offering = vm.service_offering
    cpu_mhz, memory_mb = offering.cpu_mhz, offering.memory_mb
    tags = [t.strip() for t in offering.host_tags.split(",") if t.strip()]
    with transaction.atomic():
        groups = list(AffinityGroup.objects.select_for_update(of=("self",)).filter(vms=vm).order_by("pk").values_list("pk", flat=True))
        avoid = set(exclude)
        if groups:
            neighbours = VirtualMachine.objects.filter(affinity_groups__in=groups, host__isnull=False).exclude(pk=vm.pk)
            avoid |= set(neighbours.values_list("host_id", flat=True))
        while True:
            batch = candidate_hosts(vm.zone, cpu_mhz, memory_mb, prefer=prefer, tags=tags, avoid=avoid, cluster=cluster)
            for host in batch:
                avoid.add(host.pk)
                if try_reserve(host, cpu_mhz, memory_mb):
                    return host
                # someone took that room since we looked: try the next host
            if len(batch) < CANDIDATES:
                break
            prefer = None
    raise InsufficientCapacity(
        f"Unable to create a deployment for VM {vm.uuid}: no host in zone {vm.zone.name} has "
        f"{offering.cpu_number} x {offering.cpu_speed} MHz CPU and {memory_mb} MB of memory free"
    )


def release_for_vm(vm):
    """Give back the capacity ``vm`` holds, once: a second call finds nothing to release."""
    from apps.compute.models import VirtualMachine

    with transaction.atomic():
        # The row lock (PostgreSQL) or the IMMEDIATE transaction (SQLite) makes the read
        # and the two updates one step: two releases cannot both subtract.
        row = (
            VirtualMachine.objects.select_for_update()
            .filter(pk=vm.pk)
            .values("host_id", "reserved_cpu_mhz", "reserved_memory_mb")
            .first()
        )
        if row and row["host_id"] and (row["reserved_cpu_mhz"] or row["reserved_memory_mb"]):
            Host.objects.filter(pk=row["host_id"]).update(
                cpu_allocated_mhz=F("cpu_allocated_mhz") - row["reserved_cpu_mhz"],
                memory_allocated_mb=F("memory_allocated_mb") - row["reserved_memory_mb"],
            )
            VirtualMachine.objects.filter(pk=vm.pk).update(reserved_cpu_mhz=0, reserved_memory_mb=0)
    vm.refresh_from_db()


def move_reservation(vm, source_id, target):
    """After a migration: the capacity on the source is given back, the VM holds the target's."""
    with transaction.atomic():
        Host.objects.filter(pk=source_id).update(
            cpu_allocated_mhz=F("cpu_allocated_mhz") - vm.reserved_cpu_mhz,
            memory_allocated_mb=F("memory_allocated_mb") - vm.reserved_memory_mb,
        )
        type(vm).objects.filter(pk=vm.pk).update(host=target)
    vm.refresh_from_db()


def release_on(host, vm):
    offering = vm.service_offering
    Host.objects.filter(pk=host.pk).update(
        cpu_allocated_mhz=F("cpu_allocated_mhz") - offering.cpu_mhz,
        memory_allocated_mb=F("memory_allocated_mb") - offering.memory_mb,
    )
