"""Client of the Storage component (``storage`` queue)."""
from . import send, signature


def create_root_volume(job_id, vm_id):
    return signature("storage", "create_root_volume", job_id=job_id, vm_id=vm_id)


def delete_volumes(job_id, vm_id):
    return signature("storage", "delete_volumes", job_id=job_id, vm_id=vm_id)


def create_volume(job_id, volume_id):
    send("storage", "create_volume", job_id=job_id, volume_id=volume_id)


def resize_volume(job_id, volume_id):
    send("storage", "resize_volume", job_id=job_id, volume_id=volume_id)


def expunge_volume(volume_id):
    send("storage", "expunge_volume", volume_id=volume_id)


def create_snapshot(job_id, snapshot_id):
    return signature("storage", "create_snapshot", job_id=job_id, snapshot_id=snapshot_id)


def delete_snapshot(job_id, snapshot_id):
    send("storage", "delete_snapshot", job_id=job_id, snapshot_id=snapshot_id)


def download_template(job_id, template_id):
    return signature("storage", "download_template", job_id=job_id, template_id=template_id)


def revert_snapshot(job_id, snapshot_id):
    send("storage", "revert_snapshot", job_id=job_id, snapshot_id=snapshot_id)


def create_template(job_id, template_id, snapshot_id=None, volume_id=None):
    send("storage", "create_template", job_id=job_id, template_id=template_id, snapshot_id=snapshot_id, volume_id=volume_id)


def delete_template(job_id, template_id, zone_id=None):
    send("storage", "delete_template", job_id=job_id, template_id=template_id, zone_id=zone_id)


def migrate_volume(job_id, volume_id, pool_id):
    return signature("storage", "migrate_volume", job_id=job_id, volume_id=volume_id, pool_id=pool_id)


def copy_template(job_id, copy_ids):
    return signature("storage", "copy_template", job_id=job_id, copy_ids=list(copy_ids))


def discard_snapshot(job_id, snapshot_id):
    """Undo :func:`create_snapshot`: the snapshot and any part of its file go."""
    return signature("storage", "discard_snapshot", job_id=job_id, snapshot_id=snapshot_id)
