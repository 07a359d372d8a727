"""Client of the Compute component.

Every hypervisor host has a queue of its own, ``compute.<host id>``, consumed by the compute
agent that holds that host's libvirt connection (one agent process can serve many simulated
hosts; a real KVM host gets its own). Work on a guest goes to its host's queue; work that
needs no hypervisor goes to the shared ``compute`` queue.
"""
from . import send, signature


def host_queue(host_id):
    return f"compute.{host_id}"


def _on(host_id):
    return host_queue(host_id) if host_id else None


def start_domain(job_id, vm_id, host_id):
    return signature("compute", "start_domain", queue=_on(host_id), job_id=job_id, vm_id=vm_id)


def stop_domain(job_id, vm_id, host_id, forced=False):
    return signature("compute", "stop_domain", queue=_on(host_id), job_id=job_id, vm_id=vm_id, forced=forced)


def reboot_domain(job_id, vm_id, host_id):
    return signature("compute", "reboot_domain", queue=_on(host_id), job_id=job_id, vm_id=vm_id)


def destroy_domain(job_id, vm_id, host_id):
    return signature("compute", "destroy_domain", queue=_on(host_id), job_id=job_id, vm_id=vm_id)


def migrate_domain(job_id, vm_id, source_host_id, target_host_id):
    return signature("compute", "migrate_domain", queue=_on(source_host_id), job_id=job_id, vm_id=vm_id,
                     target_host_id=target_host_id)


def attach_volume(job_id, volume_id, vm_id, host_id=None, device_id=None):
    return signature("compute", "attach_volume", queue=_on(host_id), job_id=job_id, volume_id=volume_id, vm_id=vm_id,
                     device_id=device_id)


def detach_volume(job_id, volume_id, host_id=None):
    return signature("compute", "detach_volume", queue=_on(host_id), job_id=job_id, volume_id=volume_id)


def connect_host(host_id):
    send("compute", "connect_host", queue=_on(host_id), host_id=host_id)


def sync_host(host_id):
    send("compute", "sync_host", queue=_on(host_id), host_id=host_id)


def forget_guest(host_id, name):
    send("compute", "forget_guest", queue=_on(host_id), host_id=host_id, name=name)


def investigate(peer_id, target_id):
    """Ask the agent of ``peer_id`` whether host ``target_id`` is alive (Fabric Monitoring)."""
    send("compute", "investigate_host", queue=_on(peer_id), host_id=target_id, peer_id=peer_id)


def fence(host_id, names):
    """Destroy guests ``names`` on ``host_id`` if the platform still has them elsewhere."""
    send("compute", "fence_guests", queue=_on(host_id), host_id=host_id, names=list(names))


def plug_nic(job_id, vm_id, host_id=None, network_id=None, nic_id=None):
    """Plug the VM's NIC (named by its id, or by its network) into the guest."""
    return signature("compute", "plug_nic", queue=_on(host_id), job_id=job_id, vm_id=vm_id, network_id=network_id,
                     nic_id=nic_id)


def unplug_nic(job_id, vm_id, nic_id, host_id=None):
    return signature("compute", "unplug_nic", queue=_on(host_id), job_id=job_id, vm_id=vm_id, nic_id=nic_id)


def ping(host_id, timeout):
    """A no-op on the host's agent queue, waited for: is the agent there? (the investigator)"""
    return send("compute", "ping", queue=_on(host_id), results=True, options={"expires": timeout}).get(
        timeout=timeout, disable_sync_subtasks=False)
