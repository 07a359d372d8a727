"""Placement: choose a host with room for a VM and reserve that room, atomically.

A reservation is one conditional UPDATE — ``allocated + need <= total * factor`` in the
WHERE clause — so it either takes the room or changes nothing, whatever other
orchestration workers do at the same moment. PostgreSQL re-checks the condition against
the newest row version after waiting on a concurrent update (READ COMMITTED); SQLite runs
writers one at a time. No host is ever over-committed, and no lock is held while choosing.
"""
from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Cast

from apps.core.errors import InsufficientCapacity

from .models import AllocationState, Host, HostState


def candidate_hosts(zone, cpu_mhz, memory_mb, prefer=None):
    """Hosts of ``zone`` that are Up, Enabled and, as last read, have room; roomiest first."""
    cpu_factor, mem_factor = settings.CPU_OVERPROVISIONING, settings.MEMORY_OVERPROVISIONING
    hosts = (
        Host.objects.filter(
            zone=zone,
            state=HostState.UP,
            resource_state=AllocationState.ENABLED,
            cluster__allocation_state=AllocationState.ENABLED,
            pod__allocation_state=AllocationState.ENABLED,
        )
        .annotate(
            cpu_free=Cast(F("cpu_number") * F("cpu_speed") * Value(cpu_factor), output_field=Host.cpu_allocated_mhz.field)
            - F("cpu_allocated_mhz"),
            memory_free=Cast(F("memory_mb") * Value(mem_factor), output_field=Host.memory_allocated_mb.field)
            - F("memory_allocated_mb"),
        )
        .filter(cpu_free__gte=cpu_mhz, memory_free__gte=memory_mb)
        .order_by("-memory_free", "id")
    )
    candidates = list(hosts)
    if prefer is not None:
        candidates.sort(key=lambda h: h.pk != prefer.pk)
    return candidates


def try_reserve(host, cpu_mhz, memory_mb):
    """Take ``cpu_mhz``/``memory_mb`` on ``host`` if they still fit; True when taken."""
    cpu_factor, mem_factor = settings.CPU_OVERPROVISIONING, settings.MEMORY_OVERPROVISIONING
    taken = Host.objects.filter(
        pk=host.pk,
        state=HostState.UP,
        resource_state=AllocationState.ENABLED,
        cpu_allocated_mhz__lte=Cast(F("cpu_number") * F("cpu_speed") * Value(cpu_factor), output_field=Host.cpu_allocated_mhz.field)
        - cpu_mhz,
        memory_allocated_mb__lte=Cast(F("memory_mb") * Value(mem_factor), output_field=Host.memory_allocated_mb.field)
        - memory_mb,
    ).update(cpu_allocated_mhz=F("cpu_allocated_mhz") + cpu_mhz, memory_allocated_mb=F("memory_allocated_mb") + memory_mb)
    return taken == 1


def reserve_for_vm(vm, prefer=None):
    """Place ``vm`` on a host of its zone and record the reservation on the VM. Returns the host.

    Raises :class:`InsufficientCapacity` when no host has room.
    """
    from apps.compute.models import VirtualMachine

    offering = vm.service_offering
    cpu_mhz, memory_mb = offering.cpu_mhz, offering.memory_mb
    for host in candidate_hosts(vm.zone, cpu_mhz, memory_mb, prefer=prefer):
        with transaction.atomic():
            if not try_reserve(host, cpu_mhz, memory_mb):
                continue  # someone took that room since we looked; try the next host
            VirtualMachine.objects.filter(pk=vm.pk).update(
                host=host, reserved_cpu_mhz=cpu_mhz, reserved_memory_mb=memory_mb
            )
        vm.refresh_from_db()
        return host
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
