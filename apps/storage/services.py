"""Volume and snapshot bookkeeping: which pool holds a volume, what it takes of the pool,
its state, where it is attached. The files are made by the Storage component's driver;
these functions record and account, so a redelivered task finds the row it made before."""
from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, ExpressionWrapper, F, Q
from django.utils import timezone

from apps.accounts import limits
from apps.catalog.models import Template
from apps.compute.states import VmState
from apps.core import config
from apps.core.errors import InsufficientCapacity, InvalidState, ParamError
from apps.events.services import state_changed
from apps.fabric.models import StoragePool
from apps.jobs import services as jobs
from clients import storage

from .models import Snapshot, SnapshotState, Volume, VolumeState, VolumeType

GIB = 1024**3
FACTOR = "storage.overprovisioning.factor"  # a setting of each storage pool
MAX_DATA_DISKS = 15  # device ids 1..15 (vdb..vdp)


def _announce(volume, state, previous, event_type, in_progress=False):
    state_changed("volume", volume.uuid, state, previous=previous, event_type=event_type, account=volume.account,
                  description=f"Volume {volume.name} ({volume.uuid}) is {state}" + (f" (was {previous})" if previous else ""),
                  in_progress=in_progress)


def pick_pool(zone, cluster, size_bytes):
    """Reserve ``size_bytes`` on the roomiest pool of the zone (of ``cluster`` or zone-wide)."""
    pools = StoragePool.objects.filter(zone=zone, state="Up")
    if cluster is not None:
        pools = pools.filter(Q(cluster=cluster) | Q(cluster__isnull=True))
    for pool in pools.annotate(free=_room(config.per_row(FACTOR, "pk")) - F("allocated_bytes")).order_by("-free", "id"):
        if reserve(pool, size_bytes):
            return pool
    raise InsufficientCapacity(f"No primary storage pool in zone {zone.name} has {size_bytes} bytes free")


def _room(factor):
    """What a pool may hand out: its capacity times its storage over-provisioning ``factor``
    (a number, or an expression for each pool)."""
    return ExpressionWrapper(F("capacity_bytes") * factor, output_field=BigIntegerField())


def reserve(pool, size_bytes):
    """Take ``size_bytes`` of ``pool`` with one conditional UPDATE (never more than it has)."""
    return StoragePool.objects.annotate(room=_room(config.value(FACTOR, pool.pk))).filter(pk=pool.pk, allocated_bytes__lte=F("room") - size_bytes).update(
        allocated_bytes=F("allocated_bytes") + size_bytes
    )


def begin_volume_migration(volume, pool):
    """migrateVolume: check, then hold the room on the target pool (given back if the copy fails)."""

    if volume.state != VolumeState.READY or not volume.path:
        raise InvalidState(f"Volume {volume.uuid} is {volume.state}; only a Ready volume can be migrated")
    if volume.vm_id is not None and volume.vm.state != VmState.STOPPED:
        raise InvalidState(f"VM {volume.vm.uuid} must be Stopped to migrate its volume {volume.uuid} (no live storage migration)")
    if pool.pk == volume.pool_id:
        raise ParamError(f"Volume {volume.uuid} is already on storage pool {pool.name}")
    if pool.zone_id != volume.zone_id or pool.state != "Up":
        raise ParamError(f"Storage pool {pool.name} is not an Up pool of the volume's zone")
    if not reserve(pool, volume.size_bytes):
        raise InsufficientCapacity(f"Storage pool {pool.name} has no room for volume {volume.uuid} ({volume.size_bytes} bytes)")


def finish_volume_migration(volume, pool, path, fmt):
    """The copy is on ``pool``: the volume lives there now; its old pool gets its room back."""
    with transaction.atomic():
        moved = Volume.objects.filter(pk=volume.pk, pool_id=volume.pool_id).update(pool=pool, path=path, format=fmt)
        if moved:
            StoragePool.objects.filter(pk=volume.pool_id).update(allocated_bytes=F("allocated_bytes") - volume.size_bytes)
    return moved


def abort_volume_migration(volume, pool):
    StoragePool.objects.filter(pk=pool.pk).update(allocated_bytes=F("allocated_bytes") - volume.size_bytes)


def allocate_root_volume(vm, cluster=None):
    """The VM's ROOT volume row, made once: a second call returns the first one."""
    existing = Volume.objects.filter(vm=vm, type=VolumeType.ROOT, removed__isnull=True).first()
    if existing:
        return existing
    size = vm.template.size_bytes
    try:
        with transaction.atomic():
            pool = pick_pool(vm.zone, cluster, size)
            volume = Volume.objects.create(
                name=f"ROOT-{vm.pk}", type=VolumeType.ROOT, vm=vm, account=vm.account, zone=vm.zone, pool=pool,
                template=vm.template, size_bytes=size, state=VolumeState.CREATING, device_id=0,
                attached=timezone.now(),
            )
            _announce(volume, VolumeState.CREATING, None, "VOLUME.CREATE", in_progress=True)
            return volume
    except IntegrityError:
        return Volume.objects.get(vm=vm, type=VolumeType.ROOT, removed__isnull=True)


@transaction.atomic
def allocate_data_volume(account, zone, disk_offering, size_gb=None, name=None):
    """A DATADISK row in Allocated state, its pool space reserved; the file comes later."""
    if disk_offering.customized:
        if not size_gb or size_gb <= 0:
            raise ParamError("A custom disk offering needs a positive size (in GB)")
    else:
        size_gb = disk_offering.disk_size_gb
    size = size_gb * GIB
    pool = pick_pool(zone, None, size)
    volume = Volume.objects.create(
        name=name or "", type=VolumeType.DATADISK, account=account, zone=zone, pool=pool,
        disk_offering=disk_offering, size_bytes=size, state=VolumeState.ALLOCATED,
    )
    if not name:
        Volume.objects.filter(pk=volume.pk).update(name=f"DATA-{volume.pk}")
        volume.refresh_from_db()
    _announce(volume, VolumeState.ALLOCATED, None, "VOLUME.CREATE")
    return volume


def mark_ready(volume, path, fmt="RAW"):
    previous = volume.state
    Volume.objects.filter(pk=volume.pk).update(state=VolumeState.READY, path=path, format=fmt)
    volume.refresh_from_db()
    if previous != VolumeState.READY:
        _announce(volume, VolumeState.READY, previous, "VOLUME.CREATE")
    return volume


def mark_for_deletion(volume):
    """deleteVolume: the volume leaves every list now; its file goes when the Storage
    component expunges it."""
    if volume.vm_id is not None:
        raise InvalidState(f"Please specify a volume that is not attached to any VM (volume {volume.uuid})")
    if Volume.objects.filter(pk=volume.pk).exclude(state=VolumeState.DESTROY).update(state=VolumeState.DESTROY):
        _announce(volume, VolumeState.DESTROY, volume.state, "VOLUME.DELETE", in_progress=True)


def mark_expunged(volume):
    """Drop the volume from its pool's accounting, once."""
    with transaction.atomic():
        if Volume.objects.filter(pk=volume.pk, removed__isnull=True).update(
            state=VolumeState.EXPUNGED, removed=timezone.now(), vm=None, attached=None
        ):
            StoragePool.objects.filter(pk=volume.pool_id).update(allocated_bytes=F("allocated_bytes") - volume.size_bytes)
            _announce(volume, VolumeState.EXPUNGED, volume.state, "VOLUME.DELETE")


def volumes_of(vm):
    return Volume.objects.filter(vm=vm, removed__isnull=True).select_related("pool")


def _device_for(volume, vm, device_id=None):
    """The device id ``volume`` gets on ``vm``: ``device_id`` if free, else the lowest free one.
    Raises the error CloudStack gives when the volume cannot be attached."""
    if volume.vm_id is not None and volume.vm_id != vm.pk:
        raise InvalidState(f"Volume {volume.uuid} is already attached to another VM")
    if volume.type != VolumeType.DATADISK or volume.state not in (VolumeState.READY, VolumeState.ALLOCATED):
        raise InvalidState(f"Volume {volume.uuid} in state {volume.state} cannot be attached")
    if volume.zone_id != vm.zone_id:
        raise ParamError(f"Volume {volume.uuid} and VM {vm.uuid} are not in the same zone")
    if vm.state not in (VmState.RUNNING, VmState.STOPPED):
        raise InvalidState(f"Please specify a VM that is either running or stopped (VM {vm.uuid} is {vm.state})")
    used = set(Volume.objects.filter(vm=vm, removed__isnull=True).exclude(pk=volume.pk).values_list("device_id", flat=True))
    if device_id is not None:
        if device_id == 0:
            raise ParamError("deviceId can't be 0, which is used by Root device")
        if not 1 <= device_id <= MAX_DATA_DISKS:
            raise ParamError(f"deviceId should be between 1 and {MAX_DATA_DISKS}")
        if device_id in used:
            raise ParamError(f"deviceId {device_id} is used by vm {vm.uuid}")
        return device_id
    device = next((d for d in range(1, MAX_DATA_DISKS + 1) if d not in used), None)
    if device is None:
        raise InvalidState(f"VM {vm.uuid} has no free disk slot")
    return device


@transaction.atomic
def attach(volume, vm, device_id=None):
    """Give ``volume`` the device id ``device_id`` of ``vm`` (the lowest free one if None);
    return the volume."""
    volume = Volume.objects.select_for_update().get(pk=volume.pk)
    if volume.vm_id == vm.pk:
        return volume  # redelivered: already attached
    Volume.objects.filter(pk=volume.pk).update(vm=vm, device_id=_device_for(volume, vm, device_id),
                                               attached=timezone.now())
    volume.refresh_from_db()
    return volume


def _check_detachable(volume):
    if volume.type == VolumeType.ROOT:
        raise InvalidState("The ROOT volume of a VM cannot be detached")


def detach(volume):
    _check_detachable(volume)
    Volume.objects.filter(pk=volume.pk).update(vm=None, device_id=None, attached=None)
    volume.refresh_from_db()
    return volume


@transaction.atomic
def resize(volume, new_size_bytes, shrink_ok=False):
    """Account for the new size on the pool; the file is resized by the driver after."""
    volume = Volume.objects.select_for_update().get(pk=volume.pk)
    delta = new_size_bytes - volume.size_bytes
    if delta < 0 and not shrink_ok:
        raise ParamError(f"Going from existing size of {volume.size_bytes} to size of {new_size_bytes} would shrink the volume; need to set shrinkok=true")
    if delta > 0 and not reserve(volume.pool, delta):
        raise InsufficientCapacity(f"Pool {volume.pool.name} has no room to grow volume {volume.uuid} by {delta} bytes")
    if delta < 0:
        StoragePool.objects.filter(pk=volume.pool_id).update(allocated_bytes=F("allocated_bytes") + delta)
    Volume.objects.filter(pk=volume.pk).update(size_bytes=new_size_bytes)
    volume.refresh_from_db()
    return volume


def new_snapshot(volume, name=None):
    if volume.state != VolumeState.READY:
        raise InvalidState(f"Volume {volume.uuid} is in state {volume.state}; only a Ready volume can be snapshotted")
    snapshot = Snapshot.objects.create(name=name or "", volume=volume, account=volume.account, zone=volume.zone)
    if not name:
        stamp = timezone.now().strftime("%Y%m%d%H%M%S")
        Snapshot.objects.filter(pk=snapshot.pk).update(name=f"{volume.name}_{stamp}")
        snapshot.refresh_from_db()
    return snapshot


def snapshot_done(snapshot, path, size, fmt="RAW"):
    Snapshot.objects.filter(pk=snapshot.pk).update(state=SnapshotState.BACKED_UP, path=path, size_bytes=size, format=fmt)
    snapshot.refresh_from_db()
    return snapshot


def snapshot_removed(snapshot):
    Snapshot.objects.filter(pk=snapshot.pk).update(state=SnapshotState.DESTROYED, removed=timezone.now())


def ensure_revertible(snapshot):
    """revertSnapshot: a backed-up snapshot of a volume whose VM (if any) is Stopped."""

    if snapshot.state != SnapshotState.BACKED_UP:
        raise InvalidState(f"Snapshot {snapshot.uuid} is {snapshot.state}; only a BackedUp snapshot can be reverted to")
    volume = snapshot.volume
    if volume.removed is not None or volume.state != VolumeState.READY:
        raise InvalidState(f"Volume {volume.uuid} of snapshot {snapshot.uuid} is not Ready")
    if volume.vm_id is not None and volume.vm.state != VmState.STOPPED:
        raise InvalidState(f"VM {volume.vm.uuid} must be Stopped to revert its volume {volume.uuid} to a snapshot")


def new_template_from(caller_account, name, display_text, os_type, snapshot=None, volume=None, is_public=False):
    """createTemplate: the template row (not ready) for an image made from a snapshot or a
    volume (whose VM must be Stopped)."""

    if (snapshot is None) == (volume is None):
        raise ParamError("Specify either a snapshot ID or a volume ID (not both)")
    if snapshot is not None and snapshot.state != SnapshotState.BACKED_UP:
        raise InvalidState(f"Snapshot {snapshot.uuid} is {snapshot.state}; it must be BackedUp")
    source = snapshot.volume if snapshot is not None else volume
    if volume is not None:
        if volume.state != VolumeState.READY:
            raise InvalidState(f"Volume {volume.uuid} is {volume.state}; it must be Ready")
        if volume.vm_id is not None and volume.vm.state != VmState.STOPPED:
            raise InvalidState(f"VM {volume.vm.uuid} must be Stopped to make a template of its volume {volume.uuid}")
    origin = source.template
    return Template.objects.create(
        name=name, display_text=display_text or name, os_type=os_type, format=(snapshot or volume).format,
        hypervisor=origin.hypervisor if origin else "Simulator", size_bytes=source.size_bytes, zone=source.zone,
        is_public=is_public, is_featured=False, is_ready=False, status="Creating", account=caller_account,
        kernel=origin.kernel if origin else "", initrd=origin.initrd if origin else "", cmdline=origin.cmdline if origin else "",
    )


# --- use cases: what the query API's commands (and REST) call --------------------------------
def create_volume(job, zone, offering, size_gb=None, name=None):
    """createVolume: a data disk of ``offering`` (``size_gb`` for a custom one) in ``zone``."""
    limits.check(job.account, volume=1, primarystorage=(size_gb or offering.disk_size_gb or 0) * 1024 ** 3)
    volume = allocate_data_volume(job.account, zone, offering, size_gb, name)
    jobs.run_step(job, "Volume", volume, storage.create_volume, volume.pk)
    return volume


def attach_volume(job, volume, vm, device_id=None):
    """attachVolume: plugged into a Running VM's guest, or recorded for a Stopped VM's next start."""
    if volume.vm_id == vm.pk:
        raise InvalidState(f"Volume {volume.uuid} is already attached to VM {vm.uuid}")
    _device_for(volume, vm, device_id)  # the errors now, not in the job (the flow checks again)
    return jobs.run_flow(job, "Volume", volume, vm=vm.pk, deviceid=device_id)


def detach_volume(job, volume):
    """detachVolume: unplugged from its VM's guest."""
    _check_detachable(volume)
    if volume.vm_id is None:
        raise InvalidState(f"Volume {volume.uuid} is not attached to a VM")
    return jobs.run_flow(job, "Volume", volume)


def delete_volume(volume):
    """deleteVolume: gone from every list now, its file when the Storage component expunges it."""
    mark_for_deletion(volume)
    jobs.on_commit_quietly(storage.expunge_volume, volume.pk)


def resize_volume(job, volume, size_gb, shrink_ok=False):
    """resizeVolume to ``size_gb`` GB (a smaller size only with ``shrink_ok``)."""
    if not size_gb or size_gb <= 0:
        raise ParamError("Unable to execute API command resizevolume due to missing parameter size")
    return jobs.run_step(job, "Volume", volume, storage.resize_volume, volume.pk, size_bytes=size_gb * GIB,
                         shrinkok=bool(shrink_ok))


def migrate_volume(job, volume, pool):
    """migrateVolume onto ``pool`` (the room there held from now on)."""
    begin_volume_migration(volume, pool)
    return jobs.run_flow(job, "Volume", volume, pool=pool.pk)


def create_snapshot(job, volume, name=None):
    """createSnapshot: a standalone copy of a Ready volume on secondary storage."""
    limits.check(volume.account, snapshot=1)
    snapshot = new_snapshot(volume, name)
    jobs.run_flow(job, "Snapshot", snapshot)
    return snapshot


def delete_snapshot(job, snapshot):
    return jobs.run_step(job, "Snapshot", snapshot, storage.delete_snapshot, snapshot.pk)


def revert_snapshot(job, snapshot):
    """revertSnapshot: the volume gets the snapshot's content back (its VM Stopped)."""
    ensure_revertible(snapshot)
    return jobs.run_step(job, "Snapshot", snapshot, storage.revert_snapshot, snapshot.pk)


def create_template(job, name, display_text, os_type, snapshot=None, volume=None, is_public=False):
    """createTemplate of a snapshot or of a volume (whose VM is Stopped)."""
    template = new_template_from(job.account, name, display_text, os_type, snapshot=snapshot, volume=volume,
                                 is_public=is_public)
    jobs.run_step(job, "Template", template, storage.create_template, template.pk, snapshot.pk if snapshot else None,
                  volume.pk if volume else None)
    return template
