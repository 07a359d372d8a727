"""Query-API commands of storage: volumes and snapshots. The files are the Storage
component's work (attach and detach touch the guest, so they go to Compute)."""

from apps.catalog.models import DiskOffering, OsType
from apps.compute.selectors import vms_visible_to
from apps.core.listing import OWNER, PAGING, by_id, filtered, list_response, own_account_only, own_unless_listall
from apps.core.registry import ROOT_ADMIN, Param, command
from apps.fabric.models import StoragePool, Zone
from apps.tags.services import filter_by_tags, tags_by_resource

from . import services
from .responses import snapshot_response, volume_response
from .selectors import snapshots_visible_to, volumes_visible_to

GIB = 1024**3


@command("createVolume", params=(Param("name"), Param("diskofferingid", "uuid", required=True), Param("zoneid", "uuid", required=True),
                                  Param("size", "long", description="size in GB, for a custom disk offering"), *OWNER),
         is_async=True, description="Creates a disk volume from a disk offering.",
         cmd_class="org.apache.cloudstack.api.command.user.volume.CreateVolumeCmd", response=("volume",),
         event=("VOLUME.CREATE", "creating volume"))
def create_volume(call):
    own_account_only(call)
    offering = by_id(call, DiskOffering.objects.present(), "diskofferingid")
    zone = by_id(call, Zone.objects.all(), "zoneid")
    volume = services.create_volume(call.job, zone, offering, call.get("size"), call.get("name"))
    return {"id": volume.uuid_str, "jobid": call.job.uuid_str}


@command("attachVolume", params=(Param("id", "uuid", required=True), Param("virtualmachineid", "uuid", required=True),
                                  Param("deviceid", "long")),
         is_async=True, description="Attaches a disk volume to a virtual machine.",
         cmd_class="org.apache.cloudstack.api.command.user.volume.AttachVolumeCmd", response=("volume",),
         event=("VOLUME.ATTACH", "attaching volume"))
def attach_volume(call):
    volume = by_id(call, volumes_visible_to(call.caller))
    vm = by_id(call, vms_visible_to(call.caller), "virtualmachineid")
    services.attach_volume(call.job, volume, vm, call.get("deviceid"))
    return {"jobid": call.job.uuid_str}


@command("detachVolume", params=(Param("id", "uuid", required=True),), is_async=True,
         description="Detaches a disk volume from a virtual machine.",
         cmd_class="org.apache.cloudstack.api.command.user.volume.DetachVolumeCmd", response=("volume",),
         event=("VOLUME.DETACH", "detaching volume"))
def detach_volume(call):
    services.detach_volume(call.job, by_id(call, volumes_visible_to(call.caller)))
    return {"jobid": call.job.uuid_str}


@command("deleteVolume", params=(Param("id", "uuid", required=True),), description="Deletes a detached disk volume.",
         cmd_class="org.apache.cloudstack.api.command.user.volume.DeleteVolumeCmd", event=("VOLUME.DELETE", "deleting volume"))
def delete_volume(call):
    services.delete_volume(by_id(call, volumes_visible_to(call.caller)))
    return {"success": True}


@command("resizeVolume", params=(Param("id", "uuid", required=True), Param("size", "long"), Param("diskofferingid", "uuid"),
                                  Param("shrinkok", "boolean")),
         is_async=True, description="Resizes a volume", cmd_class="org.apache.cloudstack.api.command.user.volume.ResizeVolumeCmd",
         response=("volume",), event=("VOLUME.RESIZE", "resizing volume"))
def resize_volume(call):
    volume = by_id(call, volumes_visible_to(call.caller))
    if "diskofferingid" in call.params:
        size_gb = by_id(call, DiskOffering.objects.present(), "diskofferingid").disk_size_gb or call.get("size")
    else:
        size_gb = call.get("size")
    services.resize_volume(call.job, volume, size_gb, call.get("shrinkok", False))
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


@command("createSnapshot", params=(
    Param("volumeid", "uuid", required=True), Param("name"),
    Param("asyncbackup", "boolean", description="a snapshot here is backed up within its job either way"),
    Param("quiescevm", "boolean", description="false only: no guest agent quiesces the VM here"),
    Param("usestoragereplication", "boolean", description="false only: pools here do not replicate")),
    is_async=True,
         description="Creates an instant snapshot of a volume.",
         cmd_class="org.apache.cloudstack.api.command.user.snapshot.CreateSnapshotCmd", response=("snapshot",),
         event=("SNAPSHOT.CREATE", "creating snapshot"))
def create_snapshot(call):
    for option in ("quiescevm", "usestoragereplication"):
        if call.get(option):
            raise call.command.unsupported(option, "only false is offered here")
    volume = by_id(call, volumes_visible_to(call.caller), "volumeid")
    snapshot = services.create_snapshot(call.job, volume, call.get("name"))
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
    services.delete_snapshot(call.job, by_id(call, snapshots_visible_to(call.caller)))
    return {"jobid": call.job.uuid_str}


@command("revertSnapshot", params=(Param("id", "uuid", required=True),), is_async=True,
         description="This is supposed to revert a volume snapshot. This command is only supported with KVM so far",
         cmd_class="org.apache.cloudstack.api.command.user.snapshot.RevertSnapshotCmd", response=("snapshot",),
         event=("SNAPSHOT.REVERT", "reverting snapshot"))
def revert_snapshot(call):
    services.revert_snapshot(call.job, by_id(call, snapshots_visible_to(call.caller).select_related("volume__vm")))
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
    template = services.create_template(
        call.job, call.get("name"), call.get("displaytext"), by_id(call, OsType.objects.all(), "ostypeid"),
        snapshot=snapshot, volume=volume, is_public=bool(call.get("ispublic")) and call.caller.is_admin)
    return {"id": template.uuid_str, "jobid": call.job.uuid_str}


@command("migrateVolume", params=(Param("volumeid", "uuid", required=True), Param("storageid", "uuid", required=True),
                                   Param("livemigrate", "boolean")), is_async=True, access=ROOT_ADMIN,
         description="Migrate volume", cmd_class="org.apache.cloudstack.api.command.admin.volume.MigrateVolumeCmdByAdmin",
         response=("volume",), event=("VOLUME.MIGRATE", "migrating volume"))
def migrate_volume(call):
    volume = by_id(call, volumes_visible_to(call.caller).select_related("vm", "pool"), "volumeid")
    pool = by_id(call, StoragePool.objects.all(), "storageid")
    services.migrate_volume(call.job, volume, pool)
    return {"jobid": call.job.uuid_str}
