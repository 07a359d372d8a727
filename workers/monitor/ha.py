"""High availability: the VMs of a host that is Down.

A VM that was Running there is marked Stopped (its capacity on the dead host given back).
If its offering offers HA it is started again as an async job of its owner, which places it
on another Up host with room; otherwise an alert says it stays Stopped. Should the dead host
come back with the old guest still running, the heartbeat that brings it back fences that
copy (see :func:`apps.compute.selectors.stale_guests`).
"""
from apps.accounts.selectors import Caller
from apps.compute import services as compute
from apps.compute.models import VirtualMachine
from apps.compute.states import VmState
from apps.events.models import AlertType
from apps.events.services import raise_alert
from apps.jobs.services import start_job


def host_down(host):
    """Handle the VMs of Down ``host``. Returns ``{"restarted": [(vm uuid, job uuid)], "stopped": [vm uuid]}``."""
    restarted, stopped = [], []
    vms = VirtualMachine.objects.filter(host=host, state=VmState.RUNNING, removed__isnull=True).select_related(
        "service_offering", "account", "user", "zone")
    for vm in vms:
        if not compute.power_off_reported(host, vm, how=f"host {host.name} is Down"):
            continue  # an operation took it meanwhile
        if vm.service_offering.offer_ha:
            restarted.append((str(vm.uuid), restart(vm, host).uuid_str))
        else:
            raise_alert(AlertType.USERVM, f"VM {vm.name} ({vm.uuid}) ran on host {host.name}, which is Down; its "
                        "offering is not highly available, so it stays Stopped", zone=vm.zone, host=host)
            stopped.append(str(vm.uuid))
    return {"restarted": restarted, "stopped": stopped}


def restart(vm, host):
    """Start ``vm`` again elsewhere: a startVirtualMachine job of its owner, so it is
    serialised with the VM's other jobs and visible in listAsyncJobs and listEvents."""
    job = start_job(compute.START, Caller(vm.user), {"id": str(vm.uuid)},
                    event_description=f"restarting Vm {vm.name} for high availability (host {host.name} is Down)")
    compute.start(job, vm)
    return job
