"""Volume bookkeeping: which pool holds a volume, what it takes of the pool, its state.

The files themselves are made by the Storage component's driver; these functions only
record and account, so that a redelivered task finds the row it made before.
"""
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core.errors import InsufficientCapacity
from apps.fabric.models import StoragePool

from .models import Volume, VolumeState, VolumeType


def pick_pool(zone, cluster, size_bytes):
    pools = StoragePool.objects.filter(zone=zone, state="Up")
    if cluster is not None:  # cluster-scoped pools of that cluster, or zone-wide ones
        pools = pools.filter(Q(cluster=cluster) | Q(cluster__isnull=True))
    for pool in pools.annotate(free=F("capacity_bytes") - F("allocated_bytes")).order_by("-free", "id"):
        taken = StoragePool.objects.filter(
            pk=pool.pk, allocated_bytes__lte=F("capacity_bytes") - size_bytes
        ).update(allocated_bytes=F("allocated_bytes") + size_bytes)
        if taken:
            return pool
    raise InsufficientCapacity(f"No primary storage pool in zone {zone.name} has {size_bytes} bytes free")


def allocate_root_volume(vm, cluster=None):
    """The VM's ROOT volume row, made once: a second call returns the first one."""
    existing = Volume.objects.filter(vm=vm, type=VolumeType.ROOT, removed__isnull=True).first()
    if existing:
        return existing
    size = vm.template.size_bytes
    try:
        with transaction.atomic():
            pool = pick_pool(vm.zone, cluster, size)
            return Volume.objects.create(
                name=f"ROOT-{vm.pk}",
                type=VolumeType.ROOT,
                vm=vm,
                account=vm.account,
                zone=vm.zone,
                pool=pool,
                template=vm.template,
                size_bytes=size,
                state=VolumeState.CREATING,
                device_id=0,
            )
    except IntegrityError:
        return Volume.objects.get(vm=vm, type=VolumeType.ROOT, removed__isnull=True)


def mark_ready(volume, path):
    Volume.objects.filter(pk=volume.pk).update(state=VolumeState.READY, path=path)
    volume.refresh_from_db()
    return volume


def mark_expunged(volume):
    """Drop the volume from its pool's accounting, once."""
    with transaction.atomic():
        if Volume.objects.filter(pk=volume.pk, removed__isnull=True).update(
            state=VolumeState.EXPUNGED, removed=timezone.now(), vm=None
        ):
            StoragePool.objects.filter(pk=volume.pool_id).update(allocated_bytes=F("allocated_bytes") - volume.size_bytes)


def volumes_of(vm):
    return Volume.objects.filter(vm=vm, removed__isnull=True).select_related("pool")
