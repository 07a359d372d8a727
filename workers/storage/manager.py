"""Storage component logic: volume rows (apps.storage.services) plus files (the pool's driver)."""
import os

from django.conf import settings

from apps.catalog.selectors import image_in
from apps.storage import services

from .drivers import driver_for


def create_root_volume(vm):
    volume = services.allocate_root_volume(vm, cluster=vm.host.cluster if vm.host_id else None)
    return _materialise(volume)


def create_volume(volume):
    return _materialise(volume)


def _materialise(volume):
    if volume.state == "Ready":
        return volume

    template = volume.template if volume.template_id and volume.template.path else None
    path, fmt = driver_for(volume.pool).create_volume(
        f"{volume.uuid}", volume.size_bytes, source=image_in(template, volume.zone) if template else None,
        source_format=template.format if template else "RAW")
    return services.mark_ready(volume, path, fmt)


def delete_volumes(vm):
    deleted = 0
    for volume in services.volumes_of(vm):
        expunge(volume)
        deleted += 1
    return deleted


def expunge(volume):
    if volume.path:
        driver_for(volume.pool).delete_volume(volume.path)
    services.mark_expunged(volume)


def resize(volume, size_bytes, shrink_ok=False):
    volume = services.resize(volume, size_bytes, shrink_ok)
    if volume.path:
        driver_for(volume.pool).resize_volume(volume.path, size_bytes, volume.format)
    return volume


def snapshot(snapshot):
    """A standalone copy of the volume on secondary storage (a QCOW2 volume's chain flattened)."""
    volume = snapshot.volume
    directory = os.path.join(settings.SECONDARY_STORAGE_DIR, "snapshots", str(volume.account.uuid))
    path = driver_for(volume.pool).copy_out(volume.path, directory, f"{snapshot.uuid}.img", volume.format)
    return services.snapshot_done(snapshot, path, os.path.getsize(path), volume.format)


def revert(snapshot):
    """Put the snapshot's content back in its volume (the VM is Stopped, see
    ``services.ensure_revertible``); the volume file is replaced atomically."""
    services.ensure_revertible(snapshot)
    volume = snapshot.volume
    driver_for(volume.pool).copy_in(snapshot.path, volume.path)
    type(volume).objects.filter(pk=volume.pk).update(format=snapshot.format)
    return volume


def delete_snapshot(snapshot):
    if snapshot.path:
        try:
            os.unlink(snapshot.path)
        except FileNotFoundError:
            pass
    services.snapshot_removed(snapshot)


def migrate_volume(volume, pool):
    """Copy the volume onto ``pool`` (a QCOW2 overlay becomes standalone there), move it,
    then remove the old file. Run again after a crash, it finds the volume moved."""
    if volume.pool_id == pool.pk:
        return volume
    ext = "qcow2" if volume.format == "QCOW2" else "img"
    old_path, old_pool = volume.path, volume.pool
    path = driver_for(old_pool).copy_out(old_path, pool.path, f"{volume.uuid}.{ext}", volume.format)
    if services.finish_volume_migration(volume, pool, path, volume.format) and old_path != path:
        driver_for(old_pool).delete_volume(old_path)
    return volume
