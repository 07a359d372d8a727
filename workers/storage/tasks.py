"""Storage component tasks."""
from celery import shared_task

from apps.compute.selectors import vm_for_task
from workers.steps import job_step

from . import manager
from workers.rpc import ping_task


@shared_task(name="workers.storage.tasks.create_root_volume")
@job_step("storage")
def create_root_volume(job_id, vm_id):
    volume = manager.create_root_volume(vm_for_task(vm_id))
    return {"volume": str(volume.uuid), "path": volume.path}


@shared_task(name="workers.storage.tasks.delete_volumes")
@job_step("storage")
def delete_volumes(job_id, vm_id):
    return {"deleted": manager.delete_volumes(vm_for_task(vm_id))}


ping = ping_task("storage")
