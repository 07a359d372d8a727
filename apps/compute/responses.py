"""CloudStack's virtualmachine object (UserVmResponse)."""

from apps.core.formats import compact, cs_date
from apps.network.responses import nic_row_response
from apps.tags.responses import tag_response
from apps.tags.services import tags_by_resource

from .models import VirtualMachine
from .selectors import vm_row


def vm_response(row, admin=False, tags=()):
    """A VM's answer from its row (:func:`apps.compute.selectors.vm_rows`) and its tags."""
    show_host = admin and row["host_id"] is not None
    return compact(
        {
            "id": row["uuid_"],
            "name": row["name"],
            "displayname": row["display_name"],
            "instancename": row["instance_name"] if admin else None,
            "state": row["state"],
            "zoneid": row["zone_uuid"],
            "zonename": row["zone__name"],
            "templateid": row["template_uuid"],
            "templatename": row["template__name"],
            "templatedisplaytext": row["template__display_text"] or row["template__name"],
            "serviceofferingid": row["offering_uuid"],
            "serviceofferingname": row["service_offering__name"],
            "cpunumber": row["service_offering__cpu_number"],
            "cpuspeed": row["service_offering__cpu_speed"],
            "memory": row["service_offering__memory_mb"],
            "hostid": row["host_uuid"] if show_host else None,
            "hostname": row["host__name"] if show_host else None,
            "hypervisor": row["template__hypervisor"],
            "account": row["account__name"],
            "domainid": row["domain_uuid"],
            "domain": row["account__domain__name"],
            "userid": row["user_uuid"],
            "username": row["user__username"],
            "created": cs_date(row["created"]),
            "lastseen": cs_date(row["last_seen"]),  # the last heartbeat of its host that saw it running
            "haenable": row["service_offering__offer_ha"],
            "passwordenabled": row["template__password_enabled"],
            "isdynamicallyscalable": False,
            "displayvm": True,
            "rootdeviceid": 0,
            "rootdevicetype": "ROOT",
            "guestosid": row["os_type_uuid"],
            "ostypeid": row["os_type_uuid"],
            "osdisplayname": row["template__os_type__description"],
            "keypairs": row["keypair"] or None,
            "group": row["group"] or None,
            "details": {},
            "nic": [nic_row_response(nic) for nic in row["nics"]],
            "ipaddress": next((nic["ip_address"] for nic in row["nics"] if nic["is_default"]), None),
            "securitygroup": [{"id": g["uuid_"], "name": g["securitygroup__name"], "description": g["securitygroup__description"]}
                              for g in row["security_groups"]],
            "affinitygroup": [{"id": g["uuid_"], "name": g["affinitygroup__name"], "type": g["affinitygroup__type"]}
                              for g in row["affinity_groups"]],
            "tags": [tag_response(t) for t in tags],
        }
    )


def vm_page_response(rows, admin=False):
    """A page of VM answers; their tags in one query."""
    tags = tags_by_resource("UserVm", VirtualMachine.objects.filter(pk__anyof=[row["id"] for row in rows]).values("uuid"))
    return [vm_response(row, admin=admin, tags=tags.get(row["uuid_"], ())) for row in rows]


def one_vm_response(vm, admin=False):
    """The answer for one VM (an instance or its primary key)."""
    return vm_page_response([vm_row(vm)], admin=admin)[0]


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


def instance_group_response(group):
    return {"id": group.uuid_str, "name": group.name, "created": cs_date(group.created), "account": group.account.name,
            "domainid": group.account.domain.uuid_str, "domain": group.account.domain.name,
            "domainpath": group.account.domain.path}
