"""Compute component tasks: guests on hypervisor hosts, through the driver."""
from celery import shared_task

from apps.compute.responses import vm_response
from apps.compute.selectors import vm_for_task
from apps.core.errors import CloudError
from apps.fabric.models import Host
from apps.jobs import services as jobs
from apps.network import services as network
from apps.network.models import Nic
from apps.storage.responses import volume_response
from apps.storage.selectors import volume_for_task
from clients import monitor as monitor
from clients import network as network_client
from workers.diagnostics import diagnostic_tasks
from workers.steps import job_step, job_task

from . import manager


@shared_task(name="workers.compute.tasks.start_domain")
@job_step("compute")
def start_domain(job_id, vm_id):
    manager.start(vm_for_task(vm_id))


@shared_task(name="workers.compute.tasks.stop_domain")
@job_step("compute")
def stop_domain(job_id, vm_id, forced=False):
    manager.stop(vm_for_task(vm_id), forced=forced)


@shared_task(name="workers.compute.tasks.reboot_domain")
@job_step("compute")
def reboot_domain(job_id, vm_id):
    manager.reboot(vm_for_task(vm_id))


@shared_task(name="workers.compute.tasks.destroy_domain")
@job_step("compute")
def destroy_domain(job_id, vm_id):
    manager.destroy(vm_for_task(vm_id))




@shared_task(name="workers.compute.tasks.attach_volume")
@job_task("compute")
def attach_volume(job_id, volume_id, vm_id):
    manager.attach_volume(volume_for_task(volume_id), vm_for_task(vm_id))
    return {"volume": volume_response(volume_for_task(volume_id))}


@shared_task(name="workers.compute.tasks.detach_volume")
@job_task("compute")
def detach_volume(job_id, volume_id):
    manager.detach_volume(volume_for_task(volume_id))
    return {"volume": volume_response(volume_for_task(volume_id))}



@shared_task(name="workers.compute.tasks.plug_nic")
@job_task("compute")
def plug_nic(job_id, vm_id, nic_id):
    """addNicToVirtualMachine, second half: plug the NIC into the guest if it runs; if the
    hypervisor refuses, the address is given back (nothing half-made)."""

    nic = Nic.objects.select_related("network").get(pk=nic_id)
    vm = vm_for_task(vm_id)
    try:
        manager.plug_nic(vm, nic)
    except Exception:
        network.release_nic(nic)
        raise
    return {"virtualmachine": vm_response(vm_for_task(vm_id), admin=True)}


@shared_task(name="workers.compute.tasks.unplug_nic")
def unplug_nic(job_id, vm_id, nic_id):
    """removeNicFromVirtualMachine, first half: out of the guest, then the network frees it."""

    if jobs.is_finished(job_id):
        return None
    nic = Nic.objects.select_related("network").filter(pk=nic_id).first()
    try:
        with jobs.recorded(job_id, "unplug_nic", "compute"):
            if nic is not None:
                manager.unplug_nic(vm_for_task(vm_id), nic)
    except CloudError as exc:
        jobs.fail(job_id, exc)
        return None
    except Exception as exc:  # the job must end even so; the worker's log gets the trace
        jobs.fail(job_id, exc)
        raise
    network_client.remove_nic(job_id, nic_id)
    return None


@shared_task(name="workers.compute.tasks.migrate_domain")
@job_step("compute")
def migrate_domain(job_id, vm_id, target_host_id):
    manager.migrate(vm_for_task(vm_id), Host.objects.get(pk=target_host_id))


@shared_task(name="workers.compute.tasks.sync_host")
def sync_host(host_id):
    stopped, unknown = manager.sync_host(Host.objects.get(pk=host_id))
    return {"stopped": stopped, "unknown": unknown}


@shared_task(name="workers.compute.tasks.forget_guest")
def forget_guest(host_id, name):
    manager.forget_guest(Host.objects.get(pk=host_id), name)


@shared_task(name="workers.compute.tasks.connect_host")
def connect_host(host_id):
    host = Host.objects.get(pk=host_id)
    stats = manager.connect_host(host)
    return {"host": str(host.uuid), "cpus": stats["cpus"], "cpu_mhz": stats["cpu_mhz"], "memory_mb": stats["memory_mb"]}


@shared_task(name="workers.compute.tasks.investigate_host")
def investigate_host(host_id, peer_id):
    """Run on the agent of peer ``peer_id``: check host ``host_id``, report to monitoring."""

    verdict = manager.investigate(Host.objects.get(pk=host_id))
    monitor.host_investigated(host_id, verdict, peer_id)
    return verdict


@shared_task(name="workers.compute.tasks.fence_guests")
def fence_guests(host_id, names):
    return manager.fence(Host.objects.get(pk=host_id), names)


ping, drill = diagnostic_tasks("compute")
