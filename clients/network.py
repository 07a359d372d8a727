"""Client of the Networking component (``network`` queue)."""
from . import send, signature


def allocate_nic(job_id, vm_id):
    return signature("network", "allocate_nic", job_id=job_id, vm_id=vm_id)


def release_nics(job_id, vm_id):
    return signature("network", "release_nics", job_id=job_id, vm_id=vm_id)


def apply_public_ip(job_id, ip_id):
    send("network", "apply_public_ip", job_id=job_id, ip_id=ip_id)


def release_public_ip(job_id, ip_id):
    send("network", "release_public_ip", job_id=job_id, ip_id=ip_id)


def delete_network(job_id, network_id):
    send("network", "delete_network", job_id=job_id, network_id=network_id)


def apply_security_group(job_id, group_id):
    send("network", "apply_security_group", job_id=job_id, group_id=group_id)


def apply_network(job_id, network_id):
    """Re-apply a whole network (its egress rules changed) as job ``job_id``."""
    send("network", "apply_network", job_id=job_id, network_id=network_id)


def refresh_network(network_id):
    """Re-apply a whole network, no job (a synchronous command changed it)."""
    if network_id is not None:
        send("network", "refresh_network", network_id=network_id)


def add_nic(job_id, vm_id, network_id, ip_address=None):
    """A NIC of the VM on another network (its address, ``ip_address`` if asked for, and the
    network's plan)."""
    return signature("network", "add_nic", job_id=job_id, vm_id=vm_id, network_id=network_id, ip_address=ip_address)


def remove_nic(job_id, nic_id):
    """Free a NIC unplugged from its guest, and re-plan its network."""
    return signature("network", "remove_nic", job_id=job_id, nic_id=nic_id)


def discard_nic(job_id, vm_id, network_id):
    """Undo :func:`add_nic`: the VM's NIC on the network goes, and the network is re-planned."""
    return signature("network", "discard_nic", job_id=job_id, vm_id=vm_id, network_id=network_id)
