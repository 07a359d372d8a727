"""Client side of the Compute component (``compute`` queue)."""
from workers.rpc import send, signature


def start_domain(job_id, vm_id):
    return signature("compute", "start_domain", job_id, vm_id)


def stop_domain(job_id, vm_id, forced=False):
    return signature("compute", "stop_domain", job_id, vm_id, forced)


def reboot_domain(job_id, vm_id):
    return signature("compute", "reboot_domain", job_id, vm_id)


def destroy_domain(job_id, vm_id):
    return signature("compute", "destroy_domain", job_id, vm_id)


def migrate_domain(job_id, vm_id, target_host_id):
    return signature("compute", "migrate_domain", job_id, vm_id, target_host_id)


def attach_volume(job_id, volume_id, vm_id):
    send("compute", "attach_volume", job_id, volume_id, vm_id)


def detach_volume(job_id, volume_id):
    send("compute", "detach_volume", job_id, volume_id)


def connect_host(host_id):
    send("compute", "connect_host", host_id)


def sync_host(host_id):
    send("compute", "sync_host", host_id)
