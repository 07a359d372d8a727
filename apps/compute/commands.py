"""Query-API commands of the VM lifecycle."""

from apps.accounts.models import Account
from apps.accounts.selectors import domains_visible_to, restrict
from apps.catalog.models import ServiceOffering, Template
from apps.core import filtersets
from apps.core.errors import InvalidState, ParamError
from apps.core.listing import (
    OWNER,
    PAGING,
    PROJECTID,
    SHOWICON,
    by_id,
    details_param,
    filtered,
    list_response,
    none_exist,
    own_account_only,
    own_unless_listall,
    with_details,
    without_projects,
)
from apps.core.registry import ROOT_ADMIN, Param, command, every_documented
from apps.core.validators import ipv4
from apps.fabric.models import Host, Zone
from apps.jobs import services as jobs
from apps.network.responses import nic_response
from apps.network.selectors import networks_visible_to, security_groups_visible_to
from apps.tags.services import filter_by_tags

from . import services
from .filtersets import VirtualMachineFilterSet
from .models import InstanceGroup
from .responses import (
    affinity_group_response,
    instance_group_response,
    one_vm_response,
    vm_page_response,
)
from .selectors import affinity_groups_visible_to, vm_rows, vms_visible_to


def _groups(call, mine, kind):
    """The ``<kind>groupids`` and ``<kind>groupnames`` of a deploy, among the caller's own."""
    ids = call.get(f"{kind}groupids", [])
    chosen = list(mine.filter(uuid__in=ids))
    if len(chosen) != len(ids):
        raise call.command.not_found(f"{kind}groupids", ",".join(ids))
    for name in call.get(f"{kind}groupnames", []):
        group = mine.filter(name=name).first()
        if group is None:
            raise ParamError(f"Unable to find {kind} group by name {name}")
        chosen.append(group)
    return chosen


def boot_type(value):
    if value.upper() != "BIOS":
        raise ValueError(value)  # UEFI firmware is not offered: a 431 naming boottype
    return "BIOS"


def boot_mode(value):
    if value.upper() != "LEGACY":
        raise ValueError(value)
    return "LEGACY"


def _networks_of(call):
    """The network ids of ``iptonetworklist``; a fixed address in it is refused by name."""
    ids = []
    for entry in call.get("iptonetworklist") or []:
        fixed = sorted({"ip", "ipv6", "mac"} & {k for k, v in entry.items() if v})
        if fixed:
            raise call.command.unsupported(f"iptonetworklist {fixed[0]}", "a fixed address is not offered here")
        if entry.get("networkid"):
            ids.append(entry["networkid"])
    return ids


@command(
    "deployVirtualMachine",
    params=(
        Param("serviceofferingid", "uuid", required=True),
        Param("templateid", "uuid", required=True),
        Param("zoneid", "uuid", required=True),
        Param("name", description="host name for the virtual machine"),
        Param("displayname"),
        Param("networkids", "list", item="uuid"),
        Param("startvm", "boolean", description="true by default: start the VM once it is created"),
        Param("keypair"),
        Param("group"),
        Param("affinitygroupids", "list", item="uuid"),
        Param("affinitygroupnames", "list"),
        Param("securitygroupids", "list", item="uuid"),
        Param("securitygroupnames", "list"),
        Param("iptonetworklist", "map", description="the networks to join (networkid); a fixed address (ip, ipv6, mac) is "
                                                     "not offered"),
        Param("boottype", check=boot_type, description="BIOS (the only boot firmware here)"),
        Param("bootmode", check=boot_mode, description="LEGACY (the only boot mode here)"),
        *OWNER,
    ),
    is_async=True,
    description="Creates and automatically starts a virtual machine based on a service offering, disk offering, and template.",
    job=services.DEPLOY,
    response=("virtualmachine",),
)
def deploy_virtual_machine(call):
    own_account_only(call)
    zone = by_id(call, Zone.objects.all(), "zoneid")
    offering = by_id(call, ServiceOffering.objects.present(), "serviceofferingid")
    template = by_id(call, Template.objects.usable_by(call.caller).filter(is_ready=True), "templateid")
    network = None
    network_ids = call.get("networkids") or _networks_of(call)
    if network_ids:
        network_id = network_ids[0]
        network = networks_visible_to(call.caller).filter(uuid=network_id).first()
        if network is None:
            raise call.command.not_found("networkids" if call.get("networkids") else "iptonetworklist", network_id)
    own = {"account": call.caller.account}
    affinity = _groups(call, affinity_groups_visible_to(call.caller).filter(**own), "affinity")
    security = _groups(call, security_groups_visible_to(call.caller).filter(**own), "security")
    vm = services.deploy(
        call.job,
        zone,
        offering,
        template,
        network=network,
        name=call.get("name"),
        display_name=call.get("displayname"),
        start=call.get("startvm", True),
        keypair=call.get("keypair", ""),
        group=call.get("group", ""),
        affinity_groups=affinity,
        security_groups=security,
    )
    return {"id": vm.uuid_str, "jobid": call.job.uuid_str}


# CloudStack's VM detail groups (ApiConstants.VMDetails) and the fields of each here; what no
# group names (identity, state, owner, placement, the first address) is always answered
VM_DETAILS = {
    "group": ("group", "groupid"), "nics": ("nic",), "secgrp": ("securitygroup",), "affgrp": ("affinitygroup",),
    "tmpl": ("templateid", "templatename", "templatedisplaytext"),
    "servoff": ("serviceofferingid", "serviceofferingname", "cpunumber", "cpuspeed", "memory"),
    "volume": ("rootdeviceid", "rootdevicetype"), "diskoff": (), "backoff": (), "iso": (), "stats": (),
}
VM_LIST_PARAMS = (
    Param("id", "uuid"),
    Param("ids", "list", item="uuid"),
    Param("name"),
    Param("state", description="a VM state, or 'present' for every state but Destroyed and Expunging"),
    Param("zoneid", "uuid"),
    Param("templateid", "uuid"),
    Param("hostid", "uuid"),
    Param("listall", "boolean"),
    Param("account"),
    Param("domainid", "uuid"),
    Param("keypair"),
    Param("tags", "map"),
    Param("isvnf", "boolean", description="only VNF appliances (there are none here)"),
    details_param(VM_DETAILS, "VM"),
    SHOWICON,
    PROJECTID,
    *PAGING,
)


@command("listVirtualMachines", params=VM_LIST_PARAMS, description="List the virtual machines owned by the account.",
         response=("virtualmachine",))
def list_virtual_machines(call):
    return _vm_list(call)


def _vm_list(call, add=None):
    """The VMs the call asks for, each with what ``add`` adds to it, in the detail asked."""
    vms = vms_visible_to(call.caller)
    if not call.get("listall") and not call.get("account") and not call.get("domainid") and "id" not in call.params:
        # CloudStack lists the caller's own resources unless asked for everything visible.
        vms = vms.filter(account=call.caller.account)
    vms = filtersets.apply(VirtualMachineFilterSet, vms, call.params)
    vms = filter_by_tags(vms, "UserVm", call.get("tags"))
    vms = without_projects(vms, call)
    if call.get("isvnf"):
        vms = vms.none()
    return list_response(call, vms, "virtualmachine", rows=vm_rows, render_page=lambda rows: [
        with_details(call, {**vm, **(add(vm) if add else {})}, VM_DETAILS)
        for vm in vm_page_response(rows, admin=call.caller.is_admin)])


def _target(call):
    return by_id(call, vms_visible_to(call.caller))


@command("startVirtualMachine", params=(Param("id", "uuid", required=True), Param(
             "considerlasthost", "boolean", description="true by default: on the host the VM last ran on, if it has room")),
         is_async=True, description="Starts a virtual machine.", job=services.START, response=("virtualmachine",))
def start_virtual_machine(call):
    return {"jobid": services.start(call.job, _target(call), consider_last_host=call.get("considerlasthost", True)).uuid_str}


@command("stopVirtualMachine", params=(Param("id", "uuid", required=True), Param("forced", "boolean")), is_async=True,
         description="Stops a virtual machine.", cmd_class="org.apache.cloudstack.api.command.user.vm.StopVMCmd",
         response=("virtualmachine",), event=("VM.STOP", "stopping Vm"))
def stop_virtual_machine(call):
    return {"jobid": services.stop(call.job, _target(call), forced=call.get("forced", False)).uuid_str}


@command("rebootVirtualMachine", params=(Param("id", "uuid", required=True), Param("forced", "boolean")), is_async=True,
         description="Reboots a virtual machine.", cmd_class="org.apache.cloudstack.api.command.user.vm.RebootVMCmd",
         response=("virtualmachine",), event=("VM.REBOOT", "rebooting Vm"))
def reboot_virtual_machine(call):
    return {"jobid": services.reboot(call.job, _target(call)).uuid_str}


@command("destroyVirtualMachine", params=(Param("id", "uuid", required=True), Param("expunge", "boolean")),
         is_async=True, description="Destroys a virtual machine.",
         cmd_class="org.apache.cloudstack.api.command.user.vm.DestroyVMCmd",
         response=("virtualmachine",), event=("VM.DESTROY", "destroying Vm"))
def destroy_virtual_machine(call):
    return {"jobid": services.destroy(call.job, _target(call), expunge=call.get("expunge", False)).uuid_str}


@command("migrateVirtualMachine", params=(Param("virtualmachineid", "uuid", required=True), Param("hostid", "uuid")),
         is_async=True, access=ROOT_ADMIN, description="Attempts live migration of a virtual machine to another host.",
         job=services.MIGRATE, response=("virtualmachine",))
def migrate_virtual_machine(call):
    vm = by_id(call, vms_visible_to(call.caller), "virtualmachineid")
    host = by_id(call, Host.objects.all(), "hostid") if "hostid" in call.params else None
    return {"jobid": services.migrate(call.job, vm, host).uuid_str}


@command("scaleVirtualMachine", params=(Param("id", "uuid", required=True), Param("serviceofferingid", "uuid", required=True)),
         is_async=True, description="Scales the virtual machine to a new service offering (the VM must be stopped).",
         cmd_class="org.apache.cloudstack.api.command.user.vm.ScaleVMCmd", response=("virtualmachine",),
         event=("VM.UPGRADE", "upgrading Vm"))
def scale_virtual_machine(call):
    vm = _target(call)
    offering = by_id(call, ServiceOffering.objects.present(), "serviceofferingid")
    return {"jobid": services.scale(call.job, vm, offering).uuid_str}


@command("updateVirtualMachine", params=(Param("id", "uuid", required=True), Param("displayname"), Param("name"),
                                          Param("group"), Param("haenable", "boolean"), Param("userdata")),
         description="Updates properties of a virtual machine.",
         cmd_class="org.apache.cloudstack.api.command.user.vm.UpdateVMCmd", response=("virtualmachine",),
         event=("VM.UPDATE", "updating Vm"))
def update_virtual_machine(call):
    vm = services.update(_target(call), name=call.get("name"), display_name=call.get("displayname"), group=call.get("group"))
    return {"virtualmachine": one_vm_response(vm, admin=call.caller.is_admin)}


@command("listVirtualMachinesMetrics", params=VM_LIST_PARAMS,
         description="Lists VM metrics", cmd_class="org.apache.cloudstack.api.command.user.vm.ListVMsMetricsCmd",
         response=("virtualmachine",))
def list_virtual_machines_metrics(call):
    return _vm_list(call, vm_metrics)


def vm_metrics(vm):
    """What is known of a VM's size; usage figures come with host statistics (monitoring)."""
    nics = vm.get("nic", [])
    return {
        "ipaddress": nics[0]["ipaddress"] if nics else None,
        "cputotal": f"{vm['cpunumber']} x {vm['cpuspeed'] / 1000:.2f} Ghz",
        "memorytotal": f"{vm['memory'] / 1024:.2f} GB",
    }


@command("createAffinityGroup", params=(Param("name", required=True), Param("type", required=True), Param("description", length=4096)),
         is_async=True, description="Creates an affinity/anti-affinity group",
         cmd_class="org.apache.cloudstack.api.command.user.affinitygroup.CreateAffinityGroupCmd", response=("affinitygroup",),
         event=("AG.CREATE", "creating affinity group"))
def create_affinity_group(call):
    group = services.create_affinity_group(call.caller.account, call.get("name"), call.get("type"), call.get("description", ""))
    jobs.attach(call.job, "AffinityGroup", group)
    jobs.succeed(call.job.pk, {"affinitygroup": affinity_group_response(group)})
    return {"id": group.uuid_str, "jobid": call.job.uuid_str}


@command("deleteAffinityGroup", params=(Param("id", "uuid"), Param("name")), is_async=True,
         description="Deletes affinity group", cmd_class="org.apache.cloudstack.api.command.user.affinitygroup.DeleteAffinityGroupCmd",
         event=("AG.DELETE", "deleting affinity group"))
def delete_affinity_group(call):
    groups = affinity_groups_visible_to(call.caller)
    if "id" in call.params:
        group = by_id(call, groups)
    else:
        group = groups.filter(account=call.caller.account, name=call.get("name")).first()
        if group is None:
            raise ParamError(f"Unable to find affinity group by name {call.get('name')}")
    if group.vms.filter(removed__isnull=True).exists():
        raise InvalidState(f"Affinity group {group.name} still has VMs", errorcode=536)
    group.delete()
    jobs.succeed(call.job.pk, {"success": True})
    return {"jobid": call.job.uuid_str}


@command("listAffinityGroups", params=(Param("id", "uuid"), Param("name"), Param("virtualmachineid", "uuid"), Param("type"),
                                       Param("listall", "boolean"), *OWNER, *PAGING),
         description="Lists affinity groups", cmd_class="org.apache.cloudstack.api.command.user.affinitygroup.ListAffinityGroupsCmd",
         response=("affinitygroup",))
def list_affinity_groups(call):
    own_account_only(call)
    groups = filtered(own_unless_listall(affinity_groups_visible_to(call.caller), call), call,
                      {"id": "uuid", "name": "name", "type": "type", "virtualmachineid": "vms__uuid"})
    return list_response(call, groups, "affinitygroup", affinity_group_response)


@command("listAffinityGroupTypes", description="Lists affinity group types available",
         cmd_class="org.apache.cloudstack.api.command.user.affinitygroup.ListAffinityGroupTypesCmd", response=("affinitygrouptype",))
def list_affinity_group_types(call):
    return {"count": 1, "affinityGroupType": [{"type": "host anti-affinity"}]}


# --- NICs ----------------------------------------------------------------------------------
@command("listNics", params=(Param("virtualmachineid", "uuid", required=True), Param("nicid", "uuid"), Param("networkid", "uuid"),
                              *PAGING),
         description="list the vm nics  IP to NIC", cmd_class="org.apache.cloudstack.api.command.user.vm.ListNicsCmd",
         response=("nic",))
def list_nics(call):
    vm = by_id(call, vms_visible_to(call.caller), "virtualmachineid")
    nics = filtered(vm.nics.select_related("network").order_by("device_id"), call, {"nicid": "uuid", "networkid": "network__uuid"})
    return list_response(call, nics, "nic", nic_response)


@command("addNicToVirtualMachine", params=(Param("virtualmachineid", "uuid", required=True), Param("networkid", "uuid", required=True),
                                            Param("ipaddress", check=ipv4)), is_async=True,
         description="Adds VM to specified network by creating a NIC",
         cmd_class="org.apache.cloudstack.api.command.user.vm.AddNicToVMCmd", response=("virtualmachine",),
         event=("NIC.CREATE", "adding network to VM"))
def add_nic_to_virtual_machine(call):
    vm = by_id(call, vms_visible_to(call.caller), "virtualmachineid")
    services.add_nic(call.job, vm, by_id(call, networks_visible_to(call.caller), "networkid"), call.get("ipaddress"))
    return {"jobid": call.job.uuid_str}


@command("removeNicFromVirtualMachine", params=(Param("virtualmachineid", "uuid", required=True), Param("nicid", "uuid", required=True)),
         is_async=True, description="Removes VM from specified network by deleting a NIC",
         cmd_class="org.apache.cloudstack.api.command.user.vm.RemoveNicFromVMCmd", response=("virtualmachine",),
         event=("NIC.DELETE", "removing network from VM"))
def remove_nic_from_virtual_machine(call):
    vm = by_id(call, vms_visible_to(call.caller), "virtualmachineid")
    services.remove_nic(call.job, vm, by_id(call, vm.nics.select_related("network"), "nicid"))
    return {"jobid": call.job.uuid_str}


def _group_owner(call):
    """The account an instance group is made for: the caller's, or (for an admin) the one
    ``account`` + ``domainid`` name among those it manages."""
    if "account" not in call.params:
        return call.caller.account
    if "domainid" not in call.params:
        raise call.command.missing("domainid")
    managed = Account.objects.present().filter(domain__in=domains_visible_to(call.caller)) if call.caller.is_admin \
        else Account.objects.filter(pk=call.caller.account.pk)
    account = managed.filter(name=call.get("account"), domain__uuid=call.get("domainid")).first()
    if account is None:
        raise ParamError(f"Unable to find account {call.get('account')} in domain {call.get('domainid')}")
    return account


def _groups_visible(call):
    return restrict(InstanceGroup.objects.select_related("account__domain"), call.caller).order_by("name", "id")


@command("listInstanceGroups", params=(Param("id", "uuid"), Param("name"), Param("account"), Param("domainid", "uuid"),
                                       Param("listall", "boolean"), *PAGING),
         description="Lists the instance groups: names an account's VMs are grouped under",
         cmd_class="org.apache.cloudstack.api.command.user.vmgroup.ListVMGroupsCmd", response=("instancegroup",))
def list_instance_groups(call):
    groups = own_unless_listall(_groups_visible(call), call)
    groups = filtered(groups, call, {"id": "uuid", "account": "account__name", "domainid": "account__domain__uuid",
                                     "name": "name", "keyword": "name__icontains"})
    if "id" in call.params and not groups.exists():
        raise call.command.not_found("id", call.get("id"))
    return list_response(call, groups, "instancegroup", instance_group_response)


@command("createInstanceGroup", params=(Param("name", required=True), Param("account"), Param("domainid", "uuid")),
         description="Creates an instance group: a name to group an account's VMs under",
         cmd_class="org.apache.cloudstack.api.command.user.vmgroup.CreateVMGroupCmd", response=("instancegroup",),
         event=("VMGROUP.CREATE", "creating instance group"))
def create_instance_group(call):
    return {"instancegroup": instance_group_response(services.create_group(_group_owner(call), call.get("name")))}


@command("updateInstanceGroup", params=(Param("id", "uuid", required=True), Param("name")),
         description="Renames an instance group (its VMs with it)",
         cmd_class="org.apache.cloudstack.api.command.user.vmgroup.UpdateVMGroupCmd", response=("instancegroup",),
         event=("VMGROUP.UPDATE", "updating instance group"))
def update_instance_group(call):
    group = by_id(call, _groups_visible(call))
    if call.get("name") is not None:
        group = services.rename_group(group, call.get("name"))
    return {"instancegroup": instance_group_response(group)}


@command("deleteInstanceGroup", params=(Param("id", "uuid", required=True),),
         description="Deletes an instance group; its VMs stay, in no group",
         cmd_class="org.apache.cloudstack.api.command.user.vmgroup.DeleteVMGroupCmd",
         event=("VMGROUP.DELETE", "deleting instance group"))
def delete_instance_group(call):
    services.delete_group(by_id(call, _groups_visible(call)))
    return {"success": True}


@command("listUserData", params=every_documented("listUserData", Param("id", "uuid"), Param("name"), Param("account"), Param("domainid", "uuid"),
                                 Param("listall", "boolean"), *PAGING),
         description="Lists the registered user data (none: user data is given with each deploy here)",
         cmd_class="org.apache.cloudstack.api.command.user.userdata.ListUserDataCmd", response=("userdata",))
def list_user_data(call):
    return none_exist(call)
