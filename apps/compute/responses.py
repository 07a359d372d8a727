"""CloudStack's virtualmachine object (UserVmResponse)."""
from apps.core.formats import compact, cs_date
from apps.network.responses import nic_response
from apps.tags.responses import tag_response
from apps.tags.services import tags_by_resource


def vm_response(vm, admin=False, tags=None):
    """``tags``: the VM's tags when the caller fetched them for a whole page; else looked up."""
    if tags is None:
        tags = tags_by_resource("UserVm", [vm.uuid])[vm.uuid]
    offering, template = vm.service_offering, vm.template
    show_host = admin and vm.host_id is not None
    return compact(
        {
            "id": vm.uuid_str,
            "name": vm.name,
            "displayname": vm.display_name,
            "instancename": vm.instance_name if admin else None,
            "state": vm.state,
            "zoneid": vm.zone.uuid_str,
            "zonename": vm.zone.name,
            "templateid": template.uuid_str,
            "templatename": template.name,
            "templatedisplaytext": template.display_text or template.name,
            "serviceofferingid": offering.uuid_str,
            "serviceofferingname": offering.name,
            "cpunumber": offering.cpu_number,
            "cpuspeed": offering.cpu_speed,
            "memory": offering.memory_mb,
            "hostid": vm.host.uuid_str if show_host else None,
            "hostname": vm.host.name if show_host else None,
            "hypervisor": template.hypervisor,
            "account": vm.account.name,
            "domainid": vm.account.domain.uuid_str,
            "domain": vm.account.domain.name,
            "userid": vm.user.uuid_str,
            "username": vm.user.username,
            "created": cs_date(vm.created),
            "lastseen": cs_date(vm.last_seen),  # the last heartbeat of its host that saw it running
            "haenable": offering.offer_ha,
            "passwordenabled": template.password_enabled,
            "isdynamicallyscalable": False,
            "displayvm": True,
            "rootdeviceid": 0,
            "rootdevicetype": "ROOT",
            "guestosid": template.os_type.uuid_str,
            "ostypeid": template.os_type.uuid_str,
            "osdisplayname": template.os_type.description,
            "keypairs": vm.keypair or None,
            "group": vm.group or None,
            "details": {},
            "nic": [nic_response(nic) for nic in vm.nics.all()],
            "securitygroup": [{"id": g.uuid_str, "name": g.name, "description": g.description} for g in vm.security_groups.all()],
            "affinitygroup": [{"id": g.uuid_str, "name": g.name, "type": g.type} for g in vm.affinity_groups.all()],
            "tags": [tag_response(t) for t in tags],
        }
    )


def affinity_group_response(group):
    return {
        "id": group.uuid_str,
        "name": group.name,
        "type": group.type,
        "description": group.description,
        "account": group.account.name,
        "domainid": group.account.domain.uuid_str,
        "domain": group.account.domain.name,
        "virtualmachineIds": [vm.uuid_str for vm in group.vms.all()],
    }
