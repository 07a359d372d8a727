"""What a finished job reports (its ``jobresult``), rendered in one place from the job's
subject, the object it acted on (``instance_type`` / ``instance_uuid``): component tasks
report facts in the data service and return nothing CloudStack-shaped.

A job whose command CloudStack answers with a ``SuccessResponse`` (those that remove
something, and a few others, such as ``disableStaticNat``) reports ``{"success": true}``.
"""
from apps.accounts.models import AccountType
from apps.catalog.models import Template
from apps.catalog.responses import template_response
from apps.compute.models import VirtualMachine
from apps.compute.responses import vm_page_response
from apps.compute.selectors import vm_rows
from apps.fabric.models import Host
from apps.fabric.responses import host_response
from apps.network.models import EgressRule, FirewallRule, PortForwardingRule, PublicIpAddress, SecurityGroup
from apps.network.responses import (
    egress_rule_response,
    firewall_rule_response,
    port_forwarding_response,
    public_ip_response,
    security_group_response,
)
from apps.storage.models import Snapshot, Volume
from apps.storage.responses import snapshot_response, volume_response
from apps.storage.selectors import volume_for_task

SUCCESS = {"success": True}
# The async commands whose CloudStack response is a SuccessResponse (its API annotations).
ANSWER_SUCCESS = frozenset({
    "createTags", "deleteTags", "deleteAffinityGroup", "deleteNetwork", "deleteSnapshot", "deleteTemplate",
    "deleteFirewallRule", "deleteEgressFirewallRule", "deletePortForwardingRule", "disableStaticNat",
    "disassociateIpAddress", "revokeSecurityGroupIngress", "revokeSecurityGroupEgress", "deleteVolume",
})


def _vm(job, uuid):
    (row,) = vm_rows(VirtualMachine.objects.filter(uuid=uuid))
    return {"virtualmachine": vm_page_response([row], admin=job.account.type != AccountType.USER)[0]}


def _template(job, uuid):
    template = Template.objects.select_related("zone", "os_type").get(uuid=uuid)
    zone = template.copies.select_related("zone").filter(pk__in=job.params.get("copies", [])).first()
    return {"template": template_response(template, zone.zone if zone else None)}


RENDER = {
    "VirtualMachine": _vm,
    "Volume": lambda job, uuid: {"volume": volume_response(volume_for_task(Volume.objects.get(uuid=uuid).pk))},
    "Snapshot": lambda job, uuid: {"snapshot": snapshot_response(
        Snapshot.objects.select_related("volume", "zone", "account__domain").get(uuid=uuid))},
    "Template": _template,
    "Host": lambda job, uuid: {"host": host_response(Host.objects.select_related("zone", "pod", "cluster").get(uuid=uuid))},
    "IpAddress": lambda job, uuid: {"ipaddress": public_ip_response(
        PublicIpAddress.objects.select_related("zone", "network", "account__domain").get(uuid=uuid))},
    "PortForwardingRule": lambda job, uuid: {"portforwardingrule": port_forwarding_response(
        PortForwardingRule.objects.select_related("ip__network", "vm").get(uuid=uuid))},
    "FirewallRule": lambda job, uuid: {"firewallrule": firewall_rule_response(
        FirewallRule.objects.select_related("ip__network").get(uuid=uuid))},
    "EgressRule": lambda job, uuid: {"firewallrule": egress_rule_response(
        EgressRule.objects.select_related("network").get(uuid=uuid))},
    "SecurityGroup": lambda job, uuid: {"securitygroup": security_group_response(
        SecurityGroup.objects.select_related("account__domain").get(uuid=uuid))},
}


def of(job):
    """The ``jobresult`` of ``job``, which has just done its work."""
    if job.command in ANSWER_SUCCESS:
        return SUCCESS
    render = RENDER.get(job.instance_type)
    if render is None or job.instance_uuid is None:
        return SUCCESS
    try:
        return render(job, job.instance_uuid)
    except (VirtualMachine.DoesNotExist, Template.DoesNotExist, Volume.DoesNotExist, Snapshot.DoesNotExist, Host.DoesNotExist,
            PublicIpAddress.DoesNotExist, PortForwardingRule.DoesNotExist, FirewallRule.DoesNotExist,
            EgressRule.DoesNotExist, SecurityGroup.DoesNotExist):
        return SUCCESS  # the subject went with the job (a rule that was removed)
