"""Storage component tasks: volume, snapshot and template files, through the pool's driver.
Each job step is a ``@step``; the job's result is rendered from its subject when it ends."""
from celery import shared_task

from apps.catalog.models import Template, TemplateCopy
from apps.compute.selectors import FOR_STORAGE, vm_for_task
from apps.fabric.models import StoragePool, Zone
from apps.jobs.models import AsyncJob
from apps.storage.models import Snapshot
from apps.storage.selectors import volume_for_task
from workers.diagnostics import diagnostic_tasks
from workers.steps import step

from . import manager, templates


# --- steps of flows (workers/orchestration/flows) ---------------------------------------------
@step("storage")
def create_root_volume(job_id, vm_id):
    manager.create_root_volume(vm_for_task(vm_id, FOR_STORAGE))


@step("storage")
def delete_volumes(job_id, vm_id):
    manager.delete_volumes(vm_for_task(vm_id, FOR_STORAGE))


@step("storage")
def create_snapshot(job_id, snapshot_id):
    manager.snapshot(Snapshot.objects.select_related("volume__pool", "volume__account", "zone", "account__domain")
                     .get(pk=snapshot_id))


@step("storage")
def discard_snapshot(job_id, snapshot_id):
    """The compensation of :func:`create_snapshot`: no snapshot, and no part of its file, is left."""
    manager.delete_snapshot(Snapshot.objects.get(pk=snapshot_id))


@step("storage")
def migrate_volume(job_id, volume_id, pool_id):
    """migrateVolume's copy (if the volume does not move, its flow gives the room back)."""
    manager.migrate_volume(volume_for_task(volume_id), StoragePool.objects.get(pk=pool_id))


@step("storage")
def download_template(job_id, template_id):
    """registerTemplate's download; a failed one says why in the template's status."""
    templates.download(Template.objects.get(pk=template_id))


@step("storage")
def copy_template(job_id, copy_ids):
    for copy in TemplateCopy.objects.select_related("template", "zone").filter(pk__in=copy_ids).order_by("id"):
        templates.copy_to_zone(copy)


# --- jobs that need Storage alone -------------------------------------------------------------
@step("storage", ends_job=True)
def create_volume(job_id, volume_id):
    volume = volume_for_task(volume_id)
    try:
        manager.create_volume(volume)
    except Exception:
        manager.expunge(volume)  # give the pool space back: nothing half-made
        raise


@step("storage", ends_job=True)
def resize_volume(job_id, volume_id):
    params = AsyncJob.objects.get(pk=job_id).params
    manager.resize(volume_for_task(volume_id), params["size_bytes"], params.get("shrinkok", False))




@step("storage", ends_job=True)
def delete_snapshot(job_id, snapshot_id):
    manager.delete_snapshot(Snapshot.objects.get(pk=snapshot_id))


@step("storage", ends_job=True)
def revert_snapshot(job_id, snapshot_id):
    manager.revert(Snapshot.objects.select_related("volume__pool", "volume__vm", "zone", "account__domain").get(pk=snapshot_id))


@step("storage", ends_job=True)
def create_template(job_id, template_id, snapshot_id=None, volume_id=None):
    snapshot = Snapshot.objects.get(pk=snapshot_id) if snapshot_id else None
    volume = volume_for_task(volume_id) if volume_id else None
    templates.create_from(Template.objects.get(pk=template_id), snapshot=snapshot, volume=volume)


@step("storage", ends_job=True)
def delete_template(job_id, template_id, zone_id=None):
    templates.delete(Template.objects.get(pk=template_id), Zone.objects.filter(pk=zone_id).first() if zone_id else None)


# --- no job -------------------------------------------------------------------------------------
@shared_task(name="workers.storage.tasks.expunge_volume")
def expunge_volume(volume_id):
    manager.expunge(volume_for_task(volume_id))


ping, drill = diagnostic_tasks("storage")
