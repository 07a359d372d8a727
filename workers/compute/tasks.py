"""Compute component tasks: guests on hypervisor hosts, through the driver."""
from celery import shared_task

from apps.compute.selectors import vm_for_task
from workers.steps import job_step

from . import manager
from workers.rpc import ping_task


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


ping = ping_task("compute")
