"""Storage component tasks."""
from celery import shared_task

from apps.catalog.models import Template, TemplateCopy
from apps.catalog.responses import template_response
from apps.compute.selectors import vm_for_task
from apps.fabric.models import StoragePool, Zone
from apps.jobs.models import AsyncJob
from apps.storage import services
from apps.storage.models import Snapshot
from apps.storage.responses import snapshot_response, volume_response
from apps.storage.selectors import volume_for_task
from workers.diagnostics import diagnostic_tasks
from workers.steps import job_step, job_task

from . import manager, templates


@shared_task(name="workers.storage.tasks.create_root_volume")
@job_step("storage")
def create_root_volume(job_id, vm_id):
    volume = manager.create_root_volume(vm_for_task(vm_id))
    return {"volume": str(volume.uuid), "path": volume.path}


@shared_task(name="workers.storage.tasks.delete_volumes")
@job_step("storage")
def delete_volumes(job_id, vm_id):
    return {"deleted": manager.delete_volumes(vm_for_task(vm_id))}


@shared_task(name="workers.storage.tasks.create_volume")
@job_task("storage")
def create_volume(job_id, volume_id):
    volume = volume_for_task(volume_id)
    try:
        manager.create_volume(volume)
    except Exception:
        manager.expunge(volume)  # give the pool space back: nothing half-made
        raise
    return {"volume": volume_response(volume_for_task(volume_id))}


@shared_task(name="workers.storage.tasks.resize_volume")
@job_task("storage")
def resize_volume(job_id, volume_id):

    params = AsyncJob.objects.get(pk=job_id).params
    manager.resize(volume_for_task(volume_id), params["size_bytes"], params.get("shrinkok", False))
    return {"volume": volume_response(volume_for_task(volume_id))}


@shared_task(name="workers.storage.tasks.expunge_volume")
def expunge_volume(volume_id):
    manager.expunge(volume_for_task(volume_id))


@shared_task(name="workers.storage.tasks.create_snapshot")
@job_task("storage")
def create_snapshot(job_id, snapshot_id):
    snapshot = Snapshot.objects.select_related("volume__pool", "volume__account", "zone", "account__domain").get(pk=snapshot_id)
    try:
        snapshot = manager.snapshot(snapshot)
    except Exception:
        manager.delete_snapshot(snapshot)
        raise
    return {"snapshot": snapshot_response(snapshot)}


@shared_task(name="workers.storage.tasks.delete_snapshot")
@job_task("storage")
def delete_snapshot(job_id, snapshot_id):
    manager.delete_snapshot(Snapshot.objects.get(pk=snapshot_id))
    return {"success": True}



@shared_task(name="workers.storage.tasks.migrate_volume")
@job_task("storage")
def migrate_volume(job_id, volume_id, pool_id):

    volume, pool = volume_for_task(volume_id), StoragePool.objects.get(pk=pool_id)
    try:
        manager.migrate_volume(volume, pool)
    except Exception:
        if volume_for_task(volume_id).pool_id != pool.pk:
            services.abort_volume_migration(volume, pool)  # the room held on the target goes back
        raise
    return {"volume": volume_response(volume_for_task(volume_id))}


@shared_task(name="workers.storage.tasks.revert_snapshot")
@job_task("storage")
def revert_snapshot(job_id, snapshot_id):
    snapshot = Snapshot.objects.select_related("volume__pool", "volume__vm", "zone", "account__domain").get(pk=snapshot_id)
    manager.revert(snapshot)
    return {"snapshot": snapshot_response(snapshot)}


@shared_task(name="workers.storage.tasks.create_template")
@job_task("storage")
def create_template(job_id, template_id, snapshot_id=None, volume_id=None):

    snapshot = Snapshot.objects.get(pk=snapshot_id) if snapshot_id else None
    volume = volume_for_task(volume_id) if volume_id else None
    template = templates.create_from(Template.objects.get(pk=template_id), snapshot=snapshot, volume=volume)
    return {"template": template_response(Template.objects.select_related("zone", "os_type").get(pk=template.pk))}


@shared_task(name="workers.storage.tasks.copy_template")
@job_task("storage")
def copy_template(job_id, copy_ids):

    copies = list(TemplateCopy.objects.select_related("template", "zone").filter(pk__in=copy_ids).order_by("id"))
    for copy in copies:
        templates.copy_to_zone(copy)
    template = Template.objects.select_related("zone", "os_type").get(pk=copies[0].template_id)
    return {"template": template_response(template, copies[0].zone)}


@shared_task(name="workers.storage.tasks.delete_template")
@job_task("storage")
def delete_template(job_id, template_id, zone_id=None):

    templates.delete(Template.objects.get(pk=template_id), Zone.objects.filter(pk=zone_id).first() if zone_id else None)
    return {"success": True}


@shared_task(name="workers.storage.tasks.download_template")
def download_template(template_id):
    templates.download(Template.objects.get(pk=template_id))


ping, drill = diagnostic_tasks("storage")
