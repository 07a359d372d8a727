"""VM requests as the API makes them: validate, record, hand the job to the Orchestration
Engine. Nothing here waits for a hypervisor. ``job`` is the async job the API made for the
call, of the kind below (the API's commands declare the same kinds)."""
import re

from django.db import IntegrityError, transaction

from apps.accounts import limits
from apps.compute import placement
from apps.core.errors import InvalidState, ParamError
from apps.core.registry import JobKind
from apps.events.services import record_event
from apps.fabric.models import AllocationState
from apps.jobs import services as jobs
from apps.network.services import check_requested_ip, default_network_for, default_security_group
from apps.sshkeys import services as sshkeys

from .models import AffinityGroup, InstanceGroup, VirtualMachine
from .states import VmState, announce, transition

VM = "org.apache.cloudstack.api.command.user.vm"
DEPLOY = JobKind("deployVirtualMachine", f"{VM}.DeployVMCmd", "VM.CREATE", "deploying Vm")
START = JobKind("startVirtualMachine", f"{VM}.StartVMCmd", "VM.START", "starting Vm")
MIGRATE = JobKind("migrateVirtualMachine", "org.apache.cloudstack.api.command.admin.vm.MigrateVMCmd", "VM.MIGRATE",
                  "migrating Vm")

HOSTNAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,61}[A-Za-z0-9]$|^[A-Za-z]$")


def _check_hostname(name):
    if not HOSTNAME.match(name):
        raise ParamError(
            f"Invalid name {name}. VM name can contain ASCII letters 'a' through 'z', the digits '0' through '9', "
            "and the hyphen ('-'), must be between 1 and 63 characters long, and can't start or end with \"-\" "
            "and can't start with digit"
        )


def deploy(job, zone, offering, template, network=None, name=None, display_name=None, start=True, keypair="", group="",
           affinity_groups=(), security_groups=()):
    caller_account, user = job.account, job.user
    if zone.allocation_state != AllocationState.ENABLED:
        raise ParamError(f"Zone {zone.name} is not enabled for allocation")
    if template.zone_id not in (None, zone.pk) and not template.copies.filter(zone=zone, is_ready=True).exists():
        raise ParamError(f"Template {template.name} is not available in zone {zone.name}")
    if name is not None:
        _check_hostname(name)
    if keypair:
        sshkeys.lookup(caller_account, keypair)
    network = network or default_network_for(zone, caller_account)
    if network is None:
        raise ParamError(f"No guest network is available in zone {zone.name}")
    if network.zone_id != zone.pk:
        raise ParamError(f"Network {network.name} is not in zone {zone.name}")
    if security_groups and network.account_id is not None:
        raise ParamError("Security groups filter VMs on shared networks; this network is isolated (use firewall rules)")
    if network.account_id is None and not security_groups:

        security_groups = [default_security_group(caller_account)]
    if name and VirtualMachine.objects.filter(account=caller_account, name=name, removed__isnull=True).exists():
        raise ParamError(f"The vm with hostName {name} already exists in the network domain of account {caller_account.name}")

    limits.check(caller_account, vm=1, cpu=offering.cpu_number, memory=offering.memory_mb, volume=1,
                 primarystorage=template.size_bytes)
    vm = VirtualMachine.objects.create(
        name=name or "",
        display_name=display_name or name or "",
        account=caller_account,
        user=user,
        zone=zone,
        template=template,
        service_offering=offering,
        network=network,
        state=VmState.STARTING if start else VmState.STOPPED,
        keypair=keypair or "",
        group=_in_group(caller_account, group),
    )
    vm.name = vm.name or f"VM-{vm.uuid}"
    vm.display_name = vm.display_name or vm.name
    vm.instance_name = f"i-{caller_account.pk}-{vm.pk}-VM"
    vm.save(update_fields=["name", "display_name", "instance_name"])
    vm.affinity_groups.set(affinity_groups)
    vm.security_groups.set(security_groups)
    announce(vm, None, vm.state, kind="VM.CREATE")
    _submit(job, vm, startvm=start)
    return vm


def _submit(job, vm, **params):
    """Hand VM job ``job`` to the Orchestration Engine, with the flow's options in its params
    (a lost message is sent again by the watchdog)."""
    return jobs.run_flow(job, "VirtualMachine", vm, **params)


def start(job, vm, consider_last_host=True):
    """Start ``vm``: on the host it last ran on if that host has room (unless told not to)."""
    return _submit(job, vm, considerlasthost=consider_last_host)


def stop(job, vm, forced=False):
    return _submit(job, vm, forced=forced)


def reboot(job, vm):
    return _submit(job, vm)


def destroy(job, vm, expunge=False):
    return _submit(job, vm, expunge=expunge)


def migrate(job, vm, host=None):
    return _submit(job, vm, hostid=host.uuid_str if host else None)


def scale(job, vm, offering):
    return _submit(job, vm, serviceofferingid=offering.uuid_str)


def add_nic(job, vm, network, ip=None):
    """addNicToVirtualMachine: a NIC on ``network`` for a Running or Stopped VM, with the
    address ``ip`` if asked for."""
    if vm.state not in (VmState.RUNNING, VmState.STOPPED):
        raise InvalidState(f"VM {vm.uuid} is {vm.state}; a NIC is added to a Running or Stopped VM")
    if vm.nics.filter(network=network).exists():
        raise ParamError(f"VM {vm.uuid} already has a NIC on network {network.uuid}")
    if network.zone_id != vm.zone_id:
        raise ParamError(f"Network {network.uuid} is not in the zone of VM {vm.uuid}")
    if ip is not None:
        check_requested_ip(network, ip)
    return _submit(job, vm, network=network.pk, ipaddress=ip)


def remove_nic(job, vm, nic):
    """removeNicFromVirtualMachine: any NIC of the VM but its default one."""
    if nic.is_default:
        raise ParamError(f"NIC {nic.uuid} is the default NIC of VM {vm.uuid}; it cannot be removed")
    return _submit(job, vm, nic=nic.pk)


def _in_group(account, name):
    """The group name a VM is given, its instance group made if the account has none of it."""
    if name:
        InstanceGroup.objects.get_or_create(account=account, name=name)
    return name or ""


def create_group(account, name):
    if not name.strip():
        raise ParamError("An instance group's name cannot be empty")
    if InstanceGroup.objects.filter(account=account, name=name).exists():
        raise ParamError(f"Unable to create instance group, a group with name {name} already exists for account "
                         f"{account.name}")
    return InstanceGroup.objects.create(account=account, name=name)


@transaction.atomic
def rename_group(group, name):
    if not name.strip():
        raise ParamError("An instance group's name cannot be empty")
    if InstanceGroup.objects.filter(account=group.account, name=name).exclude(pk=group.pk).exists():
        raise ParamError(f"Unable to update instance group, a group with name {name} already exists for account "
                         f"{group.account.name}")
    VirtualMachine.objects.filter(account=group.account, group=group.name).update(group=name)
    group.name = name
    group.save(update_fields=["name"])
    return group


@transaction.atomic
def delete_group(group):
    """The group goes; its VMs stay, in no group."""
    VirtualMachine.objects.filter(account=group.account, group=group.name).update(group="")
    group.delete()


def update(vm, name=None, display_name=None, group=None):
    fields = {}
    if name is not None and name != vm.name:
        _check_hostname(name)
        if vm.state != VmState.STOPPED:
            raise InvalidState(f"The VM {vm.uuid} must be stopped to change its host name")
        if VirtualMachine.objects.filter(account=vm.account, name=name, removed__isnull=True).exists():
            raise ParamError(f"The vm with hostName {name} already exists in the network domain of account {vm.account.name}")
        fields["name"] = name
    if display_name is not None:
        fields["display_name"] = display_name
    if group is not None:
        fields["group"] = _in_group(vm.account, group)
    if fields:
        VirtualMachine.objects.filter(pk=vm.pk).update(**fields)
        vm.refresh_from_db()
    return vm



def create_affinity_group(account, name, type="host anti-affinity", description=""):
    if type != "host anti-affinity":
        raise ParamError(f"Unable to create affinity group, invalid affinity group type {type}")
    try:
        with transaction.atomic():
            return AffinityGroup.objects.create(account=account, name=name, type=type, description=description)
    except IntegrityError:
        raise ParamError(f"Unable to create affinity group, a group with name {name} already exists.") from None


def power_off_reported(host, vm, how="it was not running on the host"):
    """The hypervisor says ``vm``'s guest is off although we did not stop it: mark the VM
    Stopped (its capacity given back) with a warning event, as CloudStack's power-state sync
    does. Guarded on state and host, so a VM that an operation is stopping or moving (its
    state is then Stopping, Migrating ...) is left alone. True if the VM was marked."""



    with transaction.atomic():  # the state, the capacity and the warning are seen together
        try:
            transition(vm, VmState.STOPPED, expected=[VmState.RUNNING], where={"host": host}, last_host=host)
        except InvalidState:
            return False
        placement.release_for_vm(vm)
        VirtualMachine.objects.filter(pk=vm.pk).update(host=None)
        record_event("VM.SYNC", f"VM {vm.uuid} ({vm.instance_name}) is off on host {host.name} ({how}); it is marked Stopped",
               account=vm.account, user=vm.user, level="WARN", resource_type="VirtualMachine", resource_uuid=vm.uuid)
    return True
