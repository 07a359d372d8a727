"""Networking component tasks: guest IP and MAC allocation (IPAM) for VMs."""
from celery import shared_task

from apps.compute.selectors import vm_for_task
from apps.network import services
from workers.steps import job_step
from workers.rpc import ping_task


@shared_task(name="workers.network.tasks.allocate_nic")
@job_step("network")
def allocate_nic(job_id, vm_id):
    nic = services.allocate_nic(vm_for_task(vm_id))
    return {"nic": str(nic.uuid), "ipaddress": nic.ip_address, "macaddress": nic.mac_address}


@shared_task(name="workers.network.tasks.release_nics")
@job_step("network")
def release_nics(job_id, vm_id):
    return {"released": services.release_nics(vm_for_task(vm_id))}


ping = ping_task("network")
