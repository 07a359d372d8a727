"""VM requests as the API makes them: validate, record, create the async job, hand it to
the Orchestration Engine. Nothing here waits for a hypervisor."""
import logging
import re

from django.db import transaction

from apps.core.errors import CloudError, ParamError
from apps.fabric.models import AllocationState
from apps.jobs import services as jobs
from apps.network.services import default_network_for

from workers.orchestration import api as orchestration

from .models import VirtualMachine
from .states import VmState

log = logging.getLogger(__name__)
HOSTNAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,62}$")

CMD_CLASSES = {
    "deployVirtualMachine": "org.apache.cloudstack.api.command.user.vm.DeployVMCmd",
    "startVirtualMachine": "org.apache.cloudstack.api.command.user.vm.StartVMCmd",
    "stopVirtualMachine": "org.apache.cloudstack.api.command.user.vm.StopVMCmd",
    "rebootVirtualMachine": "org.apache.cloudstack.api.command.user.vm.RebootVMCmd",
    "destroyVirtualMachine": "org.apache.cloudstack.api.command.user.vm.DestroyVMCmd",
}


def _cmd_class(command, caller):
    name = CMD_CLASSES[command]
    if caller.is_root_admin:  # admins see the ...ByAdmin variant, as on CloudStack
        return name.replace(".user.", ".admin.") + "ByAdmin"
    return name


def _submit(job, vm, send):
    """Hand the job to the Orchestration Engine once the rows are committed.

    A broker that cannot be reached fails the job at once: the VM holds nothing yet.
    """

    def send_after_commit():
        try:
            send(job.pk, vm.pk)
        except Exception as exc:  # noqa: BLE001
            log.exception("could not submit job %s", job.uuid)
            jobs.fail(job.pk, CloudError(f"Unable to reach the orchestration engine: {exc}", 530))
            if job.command == "deployVirtualMachine":
                VirtualMachine.objects.filter(pk=vm.pk).update(state=VmState.ERROR)

    transaction.on_commit(send_after_commit)


def deploy(caller, zone, offering, template, network=None, name=None, display_name=None, start=True, keypair="", group=""):
    if zone.allocation_state != AllocationState.ENABLED:
        raise ParamError(f"Zone {zone.name} is not enabled for allocation")
    if template.zone_id not in (None, zone.pk):
        raise ParamError(f"Template {template.name} is not available in zone {zone.name}")
    if name is not None and not HOSTNAME.match(name):
        raise ParamError(
            f"Invalid name {name}. VM name can contain ASCII letters 'a' through 'z', the digits '0' through '9', "
            "and the hyphen ('-'), must be between 1 and 63 characters long, and can't start or end with \"-\" "
            "and can't start with digit"
        )
    network = network or default_network_for(zone, caller.account)
    if network is None:
        raise ParamError(f"No guest network is available in zone {zone.name}")
    if network.zone_id != zone.pk:
        raise ParamError(f"Network {network.name} is not in zone {zone.name}")
    if name and VirtualMachine.objects.filter(account=caller.account, name=name, removed__isnull=True).exists():
        raise ParamError(f"The vm with hostName {name} already exists in the network domain of account {caller.account.name}")

    with transaction.atomic():
        vm = VirtualMachine.objects.create(
            name=name or "",
            display_name=display_name or name or "",
            account=caller.account,
            user=caller.user,
            zone=zone,
            template=template,
            service_offering=offering,
            network=network,
            state=VmState.STARTING if start else VmState.STOPPED,
            keypair=keypair or "",
            group=group or "",
        )
        vm.name = vm.name or f"VM-{vm.uuid}"
        vm.display_name = vm.display_name or vm.name
        vm.instance_name = f"i-{caller.account.pk}-{vm.pk}-VM"
        vm.save(update_fields=["name", "display_name", "instance_name"])
        job = jobs.create_job(
            "deployVirtualMachine",
            _cmd_class("deployVirtualMachine", caller),
            caller.user,
            {"startvm": start},
            instance_type="VirtualMachine",
            instance_uuid=vm.uuid,
        )
        _submit(job, vm, orchestration.deploy_vm)
    return vm, job


def _operation(command, caller, vm, send, **params):
    with transaction.atomic():
        job = jobs.create_job(
            command, _cmd_class(command, caller), caller.user, params, instance_type="VirtualMachine", instance_uuid=vm.uuid
        )
        _submit(job, vm, send)
    return job


def start(caller, vm):
    return _operation("startVirtualMachine", caller, vm, orchestration.start_vm)


def stop(caller, vm, forced=False):
    return _operation("stopVirtualMachine", caller, vm, orchestration.stop_vm, forced=forced)


def reboot(caller, vm):
    return _operation("rebootVirtualMachine", caller, vm, orchestration.reboot_vm)


def destroy(caller, vm, expunge=False):
    return _operation("destroyVirtualMachine", caller, vm, orchestration.destroy_vm, expunge=expunge)
