"""Client side of the Compute component.

Every hypervisor host has a queue of its own, ``compute.<host id>``, consumed by the compute
agent that holds that host's libvirt connection (one agent process can serve many simulated
hosts; a real KVM host gets its own). Work on a guest goes to its host's queue; work that
needs no hypervisor goes to the shared ``compute`` queue.
"""
from workers.rpc import send, signature


def host_queue(host_id):
    return f"compute.{host_id}"


def _on(host_id, task, *args):
    return signature("compute", task, *args).set(queue=host_queue(host_id))


def start_domain(job_id, vm_id, host_id):
    return _on(host_id, "start_domain", job_id, vm_id)


def stop_domain(job_id, vm_id, host_id, forced=False):
    return _on(host_id, "stop_domain", job_id, vm_id, forced)


def reboot_domain(job_id, vm_id, host_id):
    return _on(host_id, "reboot_domain", job_id, vm_id)


def destroy_domain(job_id, vm_id, host_id):
    return _on(host_id, "destroy_domain", job_id, vm_id)


def migrate_domain(job_id, vm_id, source_host_id, target_host_id):
    return _on(source_host_id, "migrate_domain", job_id, vm_id, target_host_id)


def attach_volume(job_id, volume_id, vm_id, host_id=None):
    send("compute", "attach_volume", job_id, volume_id, vm_id, queue=host_queue(host_id) if host_id else None)


def detach_volume(job_id, volume_id, host_id=None):
    send("compute", "detach_volume", job_id, volume_id, queue=host_queue(host_id) if host_id else None)


def connect_host(host_id):
    send("compute", "connect_host", host_id, queue=host_queue(host_id))


def sync_host(host_id):
    send("compute", "sync_host", host_id, queue=host_queue(host_id))


def forget_guest(host_id, name):
    send("compute", "forget_guest", host_id, name, queue=host_queue(host_id))


def investigate(peer_id, target_id):
    """Ask the agent of ``peer_id`` whether host ``target_id`` is alive (Fabric Monitoring)."""
    send("compute", "investigate_host", target_id, peer_id, queue=host_queue(peer_id))


def fence(host_id, names):
    """Destroy guests ``names`` on ``host_id`` if the platform still has them elsewhere."""
    send("compute", "fence_guests", host_id, list(names), queue=host_queue(host_id))


def plug_nic(job_id, vm_id, nic_id, host_id=None):
    send("compute", "plug_nic", job_id, vm_id, nic_id, queue=host_queue(host_id) if host_id else None)


def unplug_nic(job_id, vm_id, nic_id, host_id=None):
    send("compute", "unplug_nic", job_id, vm_id, nic_id, queue=host_queue(host_id) if host_id else None)
