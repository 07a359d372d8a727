"""Storage component logic: volume rows (apps.storage.services) plus files (the pool's driver)."""
from apps.storage import services

from .drivers import driver_for


def create_root_volume(vm):
    volume = services.allocate_root_volume(vm, cluster=vm.host.cluster if vm.host_id else None)
    if volume.state == "Ready":
        return volume
    path = driver_for(volume.pool).create_volume(f"{volume.uuid}", volume.size_bytes)
    return services.mark_ready(volume, path)


def delete_volumes(vm):
    deleted = 0
    for volume in services.volumes_of(vm):
        if volume.path:
            driver_for(volume.pool).delete_volume(volume.path)
        services.mark_expunged(volume)
        deleted += 1
    return deleted
