"""Compute component tasks: guests on hypervisor hosts, through the driver. Each job step is
a ``@step`` (it records itself on its job); the others serve monitoring."""
from celery import shared_task

from apps.compute.selectors import FOR_COMPUTE, vm_for_task
from apps.fabric.models import Host
from apps.network.models import Nic
from apps.storage.selectors import volume_for_task
from clients import monitor
from workers.diagnostics import diagnostic_tasks
from workers.steps import step

from . import manager


@step("compute")
def start_domain(job_id, vm_id):
    manager.start(vm_for_task(vm_id, FOR_COMPUTE))


@step("compute")
def stop_domain(job_id, vm_id, forced=False):
    manager.stop(vm_for_task(vm_id, FOR_COMPUTE), forced=forced)


@step("compute")
def reboot_domain(job_id, vm_id):
    manager.reboot(vm_for_task(vm_id, FOR_COMPUTE))


@step("compute")
def destroy_domain(job_id, vm_id):
    manager.destroy(vm_for_task(vm_id, FOR_COMPUTE))


@step("compute")
def migrate_domain(job_id, vm_id, target_host_id):
    manager.migrate(vm_for_task(vm_id, FOR_COMPUTE), Host.objects.get(pk=target_host_id))


@step("compute")
def attach_volume(job_id, volume_id, vm_id, device_id=None):
    manager.attach_volume(volume_for_task(volume_id), vm_for_task(vm_id, FOR_COMPUTE), device_id)


@step("compute")
def detach_volume(job_id, volume_id):
    manager.detach_volume(volume_for_task(volume_id))


@step("compute")
def plug_nic(job_id, vm_id, network_id=None, nic_id=None):
    """Plug the VM's NIC (by its id, or the VM's NIC on ``network_id``) into its guest, if it
    has one (a stopped VM's next start builds it with its NICs)."""
    vm = vm_for_task(vm_id, FOR_COMPUTE)
    nics = Nic.objects.select_related("network").filter(vm=vm)
    manager.plug_nic(vm, nics.get(pk=nic_id) if nic_id else nics.get(network_id=network_id))


@step("compute")
def unplug_nic(job_id, vm_id, nic_id):
    nic = Nic.objects.select_related("network").filter(pk=nic_id).first()
    if nic is not None:  # a rerun after the NIC went
        manager.unplug_nic(vm_for_task(vm_id, FOR_COMPUTE), nic)


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
