"""Placement: choose a host with room for a VM and reserve that room, atomically; the
reservation is recorded on the VM (what it holds, given back once). Host capacity itself is
Fabric's (:mod:`apps.fabric.capacity`): this module decides for VMs, fabric keeps the books.
"""
from django.db import transaction

from apps.core.errors import InsufficientCapacity
from apps.fabric.capacity import CANDIDATES, candidate_hosts, give_back, try_reserve

from .models import AffinityGroup, VirtualMachine


def reserve_for_vm(vm, prefer=None):
    """Place ``vm`` on a host of its zone and record the reservation on the VM. Returns the host.

    Raises :class:`InsufficientCapacity` when no host has room.
    """
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
            give_back(row["host_id"], row["reserved_cpu_mhz"], row["reserved_memory_mb"])
            VirtualMachine.objects.filter(pk=vm.pk).update(reserved_cpu_mhz=0, reserved_memory_mb=0)
    vm.refresh_from_db()


def move_reservation(vm, source_id, target):
    """After a migration: the capacity on the source is given back, the VM holds the target's."""
    with transaction.atomic():
        give_back(source_id, vm.reserved_cpu_mhz, vm.reserved_memory_mb)
        VirtualMachine.objects.filter(pk=vm.pk).update(host=target)
    vm.refresh_from_db()


def release_on(host, vm):
    """Give back what a migration held for ``vm`` on ``host`` (its target), in the offering's size."""
    offering = vm.service_offering
    give_back(host.pk, offering.cpu_mhz, offering.memory_mb)
