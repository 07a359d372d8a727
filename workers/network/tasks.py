"""Networking component tasks: guest IP and MAC allocation (IPAM) for VMs."""
from celery import shared_task

from apps.compute.responses import vm_response
from apps.compute.selectors import vm_for_task
from apps.core.errors import CloudError
from apps.jobs import services as jobs
from apps.jobs.models import AsyncJob
from apps.network.models import (
    EgressRule,
    FirewallRule,
    GuestNetwork,
    Nic,
    PortForwardingRule,
    PublicIpAddress,
    SecurityGroup,
)
from apps.network.responses import (
    egress_rule_response,
    firewall_rule_response,
    port_forwarding_response,
    public_ip_response,
    security_group_response,
)
from clients import compute as compute
from workers.diagnostics import diagnostic_tasks
from workers.steps import job_step, job_task

from . import manager
from .drivers import driver


@shared_task(name="workers.network.tasks.allocate_nic")
@job_step("network")
def allocate_nic(job_id, vm_id):
    nic = manager.allocate_nic(vm_for_task(vm_id))
    return {"nic": str(nic.uuid), "ipaddress": nic.ip_address, "macaddress": nic.mac_address}


@shared_task(name="workers.network.tasks.release_nics")
@job_step("network")
def release_nics(job_id, vm_id):
    return {"released": manager.release_nics(vm_for_task(vm_id))}


@shared_task(name="workers.network.tasks.add_nic")
def add_nic(job_id, vm_id, network_id):
    """addNicToVirtualMachine, first half: the address; then the compute agent plugs it in."""

    if jobs.is_finished(job_id):
        return None
    vm = vm_for_task(vm_id)
    try:
        with jobs.recorded(job_id, "add_nic", "network"):
            nic = manager.add_nic(vm, GuestNetwork.objects.get(pk=network_id))
    except CloudError as exc:
        jobs.fail(job_id, exc)
        return None
    except Exception as exc:  # the job must end even so; the worker's log gets the trace
        jobs.fail(job_id, exc)
        raise
    compute.plug_nic(job_id, vm_id, nic.pk, vm.host_id)
    return {"nic": str(nic.uuid)}


@shared_task(name="workers.network.tasks.remove_nic")
@job_task("network")
def remove_nic(job_id, nic_id):
    """removeNicFromVirtualMachine, second half: the compute agent unplugged it; free it."""

    nic = Nic.objects.select_related("network").filter(pk=nic_id).first()
    vm_id = AsyncJob.objects.get(pk=job_id).params["vm_pk"]
    if nic is not None:
        manager.remove_nic(nic)
    return {"virtualmachine": vm_response(vm_for_task(vm_id), admin=True)}


def _ip(ip_id):
    return PublicIpAddress.objects.select_related("zone", "network", "account__domain").get(pk=ip_id)


@shared_task(name="workers.network.tasks.apply_public_ip")
@job_task("network")
def apply_public_ip(job_id, ip_id):
    """Bring a public IP and its rules to their desired state; the job's result is the
    object it was about (the IP, a new rule) or success (a rule removed)."""
    ip = _ip(ip_id)
    manager.apply_public_ip(ip)
    return _result_of(AsyncJob.objects.get(pk=job_id), ip)


def _result_of(job, ip):
    if job.instance_type == "PortForwardingRule":
        rule = PortForwardingRule.objects.filter(uuid=job.instance_uuid).select_related("ip__network", "vm").first()
        return {"portforwardingrule": port_forwarding_response(rule)} if rule else {"success": True}
    if job.instance_type == "FirewallRule":
        rule = FirewallRule.objects.filter(uuid=job.instance_uuid).select_related("ip__network").first()
        return {"firewallrule": firewall_rule_response(rule)} if rule else {"success": True}
    return {"ipaddress": public_ip_response(_ip(ip.pk))}


@shared_task(name="workers.network.tasks.release_public_ip")
@job_task("network")
def release_public_ip(job_id, ip_id):
    manager.release_public_ip(_ip(ip_id))
    return {"success": True}


@shared_task(name="workers.network.tasks.delete_network")
@job_task("network")
def delete_network(job_id, network_id):
    manager.delete_network(GuestNetwork.objects.get(pk=network_id))
    return {"success": True}


@shared_task(name="workers.network.tasks.apply_network")
@job_task("network")
def apply_network(job_id, network_id):
    network = GuestNetwork.objects.get(pk=network_id)
    manager.apply_network(network)
    job = AsyncJob.objects.get(pk=job_id)
    rule = EgressRule.objects.filter(uuid=job.instance_uuid).select_related("network").first()
    return {"firewallrule": egress_rule_response(rule)} if rule else {"success": True}


@shared_task(name="workers.network.tasks.refresh_network")
def refresh_network(network_id):
    manager.implement(GuestNetwork.objects.get(pk=network_id))


@shared_task(name="workers.network.tasks.apply_security_group")
@job_task("network")
def apply_security_group(job_id, group_id):
    group = SecurityGroup.objects.select_related("account__domain").get(pk=group_id)
    manager.apply_security_group(group)
    job = AsyncJob.objects.get(pk=job_id)
    return {"success": True} if job.command.startswith("revoke") else {"securitygroup": security_group_response(group)}



@shared_task(name="workers.network.tasks.remove_security_group")
def remove_security_group(group_uuid):
    driver().remove_security_group(group_uuid)


ping, drill = diagnostic_tasks("network")
