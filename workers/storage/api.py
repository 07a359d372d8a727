"""Client side of the Storage component (``storage`` queue)."""
from workers.rpc import signature


def create_root_volume(job_id, vm_id):
    return signature("storage", "create_root_volume", job_id, vm_id)


def delete_volumes(job_id, vm_id):
    return signature("storage", "delete_volumes", job_id, vm_id)
