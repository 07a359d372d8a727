"""Query-API commands of storage: volumes and snapshots. The files are the Storage
component's work (attach and detach touch the guest, so they go to Compute)."""
from django.db.models import Q

from apps.catalog.models import DiskOffering, OsType, Template
from apps.compute.models import VirtualMachine
from apps.compute.selectors import vms_visible_to
from apps.core.errors import InvalidState
from apps.core.listing import PAGING, by_id, filtered, list_response, own_unless_listall
from apps.core.registry import ROOT_ADMIN, Param, command
from apps.fabric.models import StoragePool, Zone
from apps.jobs import services as jobs
from apps.tags.services import filter_by_tags, tags_by_resource
from clients import compute as compute
from clients import storage as storage

from . import services
from .responses import snapshot_response, volume_response
from .selectors import snapshots_visible_to, volumes_visible_to

GIB = 1024**3


@command("createVolume", params=(Param("name"), Param("diskofferingid", "uuid", required=True), Param("zoneid", "uuid", required=True),
                                  Param("size", "long", description="size in GB, for a custom disk offering")),
         is_async=True, description="Creates a disk volume from a disk offering.",
         cmd_class="org.apache.cloudstack.api.command.user.volume.CreateVolumeCmd", response=("volume",),
         event=("VOLUME.CREATE", "creating volume"))
def create_volume(call):
    offering = by_id(call, DiskOffering.objects.all(), "diskofferingid")
    zone = by_id(call, Zone.objects.all(), "zoneid")
    volume = services.allocate_data_volume(call.caller.account, zone, offering, call.get("size"), call.get("name"))
    jobs.attach(call.job, "Volume", volume)
    jobs.submit(call.job, storage.create_volume, volume.pk)
    return {"id": volume.uuid_str, "jobid": call.job.uuid_str}


@command("attachVolume", params=(Param("id", "uuid", required=True), Param("virtualmachineid", "uuid", required=True),
                                  Param("deviceid", "long")),
         is_async=True, description="Attaches a disk volume to a virtual machine.",
         cmd_class="org.apache.cloudstack.api.command.user.volume.AttachVolumeCmd", response=("volume",),
         event=("VOLUME.ATTACH", "attaching volume"))
def attach_volume(call):
    volume = by_id(call, volumes_visible_to(call.caller))
    vm = by_id(call, vms_visible_to(call.caller), "virtualmachineid")
    jobs.attach(call.job, "Volume", volume)
    jobs.submit(call.job, compute.attach_volume, volume.pk, vm.pk, vm.host_id)
    return {"jobid": call.job.uuid_str}


@command("detachVolume", params=(Param("id", "uuid", required=True),), is_async=True,
         description="Detaches a disk volume from a virtual machine.",
         cmd_class="org.apache.cloudstack.api.command.user.volume.DetachVolumeCmd", response=("volume",),
         event=("VOLUME.DETACH", "detaching volume"))
def detach_volume(call):
    volume = by_id(call, volumes_visible_to(call.caller))
    jobs.attach(call.job, "Volume", volume)
    jobs.submit(call.job, compute.detach_volume, volume.pk, volume.vm.host_id if volume.vm_id else None)
    return {"jobid": call.job.uuid_str}


@command("deleteVolume", params=(Param("id", "uuid", required=True),), description="Deletes a detached disk volume.",
         cmd_class="org.apache.cloudstack.api.command.user.volume.DeleteVolumeCmd", event=("VOLUME.DELETE", "deleting volume"))
def delete_volume(call):
    volume = by_id(call, volumes_visible_to(call.caller))
    services.mark_for_deletion(volume)
    jobs.on_commit_quietly(storage.expunge_volume, volume.pk)
    return {"success": True}


@command("resizeVolume", params=(Param("id", "uuid", required=True), Param("size", "long"), Param("diskofferingid", "uuid"),
                                  Param("shrinkok", "boolean")),
         is_async=True, description="Resizes a volume", cmd_class="org.apache.cloudstack.api.command.user.volume.ResizeVolumeCmd",
         response=("volume",), event=("VOLUME.RESIZE", "resizing volume"))
def resize_volume(call):
    volume = by_id(call, volumes_visible_to(call.caller))
    if "diskofferingid" in call.params:
        size_gb = by_id(call, DiskOffering.objects.all(), "diskofferingid").disk_size_gb or call.get("size")
    else:
        size_gb = call.get("size")
    if not size_gb or size_gb <= 0:
        raise call.command.missing("size")
    jobs.attach(call.job, "Volume", volume, size_bytes=size_gb * GIB, shrinkok=call.get("shrinkok", False))
    jobs.submit(call.job, storage.resize_volume, volume.pk)
    return {"jobid": call.job.uuid_str}


@command(
    "listVolumes",
    params=(
        Param("id", "uuid"),
        Param("virtualmachineid", "uuid"),
        Param("type"),
        Param("zoneid", "uuid"),
        Param("name"),
        Param("listall", "boolean"),
        Param("tags", "map"),
        *PAGING,
    ),
    description="Lists all volumes.",
    cmd_class="org.apache.cloudstack.api.command.user.volume.ListVolumesCmd",
    response=("volume",),
)
def list_volumes(call):
    volumes = volumes_visible_to(call.caller)
    volumes = own_unless_listall(volumes, call)
    volumes = filtered(volumes, call, {"id": "uuid", "virtualmachineid": "vm__uuid", "zoneid": "zone__uuid", "name": "name"})
    if "type" in call.params:
        volumes = volumes.filter(type__iexact=call.get("type"))
    if "keyword" in call.params:
        volumes = volumes.filter(name__icontains=call.get("keyword"))
    volumes = filter_by_tags(volumes, "Volume", call.get("tags"))

    def render(rows):
        tags = tags_by_resource("Volume", [v.uuid for v in rows])
        return [volume_response(v, tags[v.uuid]) for v in rows]

    return list_response(call, volumes, "volume", render_page=render)


@command("createSnapshot", params=(Param("volumeid", "uuid", required=True), Param("name")), is_async=True,
         description="Creates an instant snapshot of a volume.",
         cmd_class="org.apache.cloudstack.api.command.user.snapshot.CreateSnapshotCmd", response=("snapshot",),
         event=("SNAPSHOT.CREATE", "creating snapshot"))
def create_snapshot(call):
    volume = by_id(call, volumes_visible_to(call.caller), "volumeid")
    snapshot = services.new_snapshot(volume, call.get("name"))
    jobs.attach(call.job, "Snapshot", snapshot)
    jobs.submit(call.job, storage.create_snapshot, snapshot.pk)
    return {"id": snapshot.uuid_str, "jobid": call.job.uuid_str}


@command("listSnapshots", params=(Param("id", "uuid"), Param("volumeid", "uuid"), Param("name"), Param("snapshottype"),
                                   Param("listall", "boolean"), *PAGING),
         description="Lists all available snapshots for the account.",
         cmd_class="org.apache.cloudstack.api.command.user.snapshot.ListSnapshotsCmd", response=("snapshot",))
def list_snapshots(call):
    snapshots = snapshots_visible_to(call.caller)
    snapshots = own_unless_listall(snapshots, call)
    snapshots = filtered(snapshots, call, {"id": "uuid", "volumeid": "volume__uuid", "name": "name"})
    if "keyword" in call.params:
        snapshots = snapshots.filter(name__icontains=call.get("keyword"))
    return list_response(call, snapshots, "snapshot", snapshot_response)


@command("deleteSnapshot", params=(Param("id", "uuid", required=True),), is_async=True,
         description="Deletes a snapshot of a disk volume.",
         cmd_class="org.apache.cloudstack.api.command.user.snapshot.DeleteSnapshotCmd", event=("SNAPSHOT.DELETE", "deleting snapshot"))
def delete_snapshot(call):
    snapshot = by_id(call, snapshots_visible_to(call.caller))
    jobs.attach(call.job, "Snapshot", snapshot)
    jobs.submit(call.job, storage.delete_snapshot, snapshot.pk)
    return {"jobid": call.job.uuid_str}


@command("revertSnapshot", params=(Param("id", "uuid", required=True),), is_async=True,
         description="This is supposed to revert a volume snapshot. This command is only supported with KVM so far",
         cmd_class="org.apache.cloudstack.api.command.user.snapshot.RevertSnapshotCmd", response=("snapshot",),
         event=("SNAPSHOT.REVERT", "reverting snapshot"))
def revert_snapshot(call):
    snapshot = by_id(call, snapshots_visible_to(call.caller).select_related("volume__vm"))
    services.ensure_revertible(snapshot)
    jobs.attach(call.job, "Snapshot", snapshot)
    jobs.submit(call.job, storage.revert_snapshot, snapshot.pk)
    return {"jobid": call.job.uuid_str}


@command("createTemplate", params=(Param("name", required=True), Param("displaytext", length=4096), Param("ostypeid", "uuid", required=True),
                                    Param("snapshotid", "uuid"), Param("volumeid", "uuid"), Param("ispublic", "boolean"),
                                    Param("isfeatured", "boolean"), Param("passwordenabled", "boolean")), is_async=True,
         description="Creates a template of a virtual machine's volume or of a snapshot of it.",
         cmd_class="org.apache.cloudstack.api.command.user.template.CreateTemplateCmd", response=("template",),
         event=("TEMPLATE.CREATE", "creating template"))
def create_template(call):

    snapshot = by_id(call, snapshots_visible_to(call.caller).select_related("volume__template"), "snapshotid") \
        if "snapshotid" in call.params else None
    volume = by_id(call, volumes_visible_to(call.caller).select_related("vm", "template"), "volumeid") \
        if "volumeid" in call.params else None
    template = services.new_template_from(
        call.caller.account, call.get("name"), call.get("displaytext"), by_id(call, OsType.objects.all(), "ostypeid"),
        snapshot=snapshot, volume=volume, is_public=bool(call.get("ispublic")) and call.caller.is_admin)
    jobs.attach(call.job, "Template", template)
    jobs.submit(call.job, storage.create_template, template.pk, snapshot.pk if snapshot else None,
                volume.pk if volume else None)
    return {"id": template.uuid_str, "jobid": call.job.uuid_str}


@command("deleteTemplate", params=(Param("id", "uuid", required=True), Param("zoneid", "uuid"), Param("forced", "boolean")),
         is_async=True, description="Deletes a template from the system.",
         cmd_class="org.apache.cloudstack.api.command.user.template.DeleteTemplateCmd",
         event=("TEMPLATE.DELETE", "deleting template"))
def delete_template(call):


    mine = Template.objects.filter(removed__isnull=True)
    if not call.caller.is_root_admin:
        mine = mine.filter(Q(account=call.caller.account))
    template = by_id(call, mine)
    zone = by_id(call, Zone.objects.all(), "zoneid") if "zoneid" in call.params else None
    if zone is not None and zone.pk != template.zone_id:  # one zone's copy only
        if not template.copies.filter(zone=zone).exists():
            raise InvalidState(f"Template {template.uuid} is not in zone {zone.name}")
        in_use = VirtualMachine.objects.filter(template=template, zone=zone, removed__isnull=True).count()
    else:
        zone = None
        in_use = VirtualMachine.objects.filter(template=template, removed__isnull=True).count()
    if in_use and not call.get("forced"):
        raise InvalidState(f"Template {template.uuid} is used by {in_use} VM(s); use forced=true to delete it anyway")
    jobs.attach(call.job, "Template", template)
    jobs.submit(call.job, storage.delete_template, template.pk, zone.pk if zone else None)
    return {"jobid": call.job.uuid_str}


@command("migrateVolume", params=(Param("volumeid", "uuid", required=True), Param("storageid", "uuid", required=True),
                                   Param("livemigrate", "boolean")), is_async=True, access=ROOT_ADMIN,
         description="Migrate volume", cmd_class="org.apache.cloudstack.api.command.admin.volume.MigrateVolumeCmdByAdmin",
         response=("volume",), event=("VOLUME.MIGRATE", "migrating volume"))
def migrate_volume(call):

    volume = by_id(call, volumes_visible_to(call.caller).select_related("vm", "pool"), "volumeid")
    pool = by_id(call, StoragePool.objects.all(), "storageid")
    services.begin_volume_migration(volume, pool)
    jobs.attach(call.job, "Volume", volume)
    jobs.submit(call.job, storage.migrate_volume, volume.pk, pool.pk)
    return {"jobid": call.job.uuid_str}
