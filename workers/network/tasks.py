"""Networking component tasks: guest addresses (IPAM), public IPs and their rules, whole
networks, security groups, through the data plane driver. Each is a ``@step`` of its job;
the result of a job that ends here is rendered from its subject (:mod:`workers.results`)."""
from celery import shared_task

from apps.compute.selectors import FOR_NETWORK, vm_for_task
from apps.network.models import GuestNetwork, Nic, PublicIpAddress, SecurityGroup
from workers.diagnostics import diagnostic_tasks
from workers.steps import step

from . import manager


def _ip(ip_id):
    return PublicIpAddress.objects.select_related("zone", "network", "account__domain").get(pk=ip_id)


@step("network")
def allocate_nic(job_id, vm_id):
    manager.allocate_nic(vm_for_task(vm_id, FOR_NETWORK))


@step("network")
def release_nics(job_id, vm_id):
    manager.release_nics(vm_for_task(vm_id, FOR_NETWORK))


@step("network")
def add_nic(job_id, vm_id, network_id, ip_address=None):
    """addNicToVirtualMachine: the VM's address on the network, in the network's plan."""
    manager.add_nic(vm_for_task(vm_id, FOR_NETWORK), GuestNetwork.objects.get(pk=network_id), ip_address)


@step("network")
def discard_nic(job_id, vm_id, network_id):
    """The compensation of :func:`add_nic`: its NIC goes, and the network is planned without it."""
    nic = Nic.objects.select_related("network").filter(vm_id=vm_id, network_id=network_id).first()
    if nic is not None:
        manager.remove_nic(nic)


@step("network")
def remove_nic(job_id, nic_id):
    """removeNicFromVirtualMachine: the guest let go of the NIC; free it and re-plan its network."""
    nic = Nic.objects.select_related("network").filter(pk=nic_id).first()
    if nic is not None:
        manager.remove_nic(nic)


@step("network", ends_job=True)
def apply_public_ip(job_id, ip_id):
    """Bring a public IP and its rules to their desired state."""
    manager.apply_public_ip(_ip(ip_id))


@step("network", ends_job=True)
def release_public_ip(job_id, ip_id):
    manager.release_public_ip(_ip(ip_id))


@step("network", ends_job=True)
def delete_network(job_id, network_id):
    manager.delete_network(GuestNetwork.objects.get(pk=network_id))


@step("network", ends_job=True)
def apply_network(job_id, network_id):
    manager.apply_network(GuestNetwork.objects.get(pk=network_id))


@step("network", ends_job=True)
def apply_security_group(job_id, group_id):
    manager.apply_security_group(SecurityGroup.objects.select_related("account__domain").get(pk=group_id))


@shared_task(name="workers.network.tasks.refresh_network")
def refresh_network(network_id):
    manager.implement(GuestNetwork.objects.get(pk=network_id))


ping, drill = diagnostic_tasks("network")
