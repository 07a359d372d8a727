"""Client side of the Networking component (``network`` queue)."""
from workers.rpc import signature


def allocate_nic(job_id, vm_id):
    return signature("network", "allocate_nic", job_id, vm_id)


def release_nics(job_id, vm_id):
    return signature("network", "release_nics", job_id, vm_id)
