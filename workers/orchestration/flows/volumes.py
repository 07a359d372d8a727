"""Volume jobs that cross components.

attachVolume and detachVolume: the attachment is recorded and the disk plugged into the guest
by the compute agent of the VM's host (which undoes the record if the hypervisor refuses:
nothing half-made). migrateVolume: the Storage component copies the volume onto the target
pool, whose room was held when the job was taken; if the volume did not move, the room goes
back. The job's result is the volume.
"""
from apps.compute.models import VirtualMachine
from apps.fabric.models import StoragePool
from apps.jobs import services as jobs
from apps.storage import services as volumes
from apps.storage.models import Volume
from apps.storage.selectors import volume_for_task
from clients import compute, storage

from .base import Flow


class VolumeFlow(Flow):
    subject = "Volume"

    def load(self, subject_id):
        return volume_for_task(subject_id)


class AttachVolume(VolumeFlow):
    name = "attach_volume"

    def stages(self, job, volume):
        vm = VirtualMachine.objects.get(pk=job.params["vm"])
        return [[compute.attach_volume(job.pk, volume.pk, vm.pk, vm.host_id, job.params.get("deviceid"))]]


class DetachVolume(VolumeFlow):
    name = "detach_volume"

    def stages(self, job, volume):
        return [[compute.detach_volume(job.pk, volume.pk, volume.vm.host_id if volume.vm_id else None)]]


class MigrateVolume(VolumeFlow):
    name = "migrate_volume"

    def stages(self, job, volume):
        return [[storage.migrate_volume(job.pk, volume.pk, job.params["pool"])]]

    def abort(self, job, volume):
        moved = Volume.objects.filter(pk=volume.pk, pool_id=job.params["pool"]).exists()
        if not moved and jobs.claim(job.pk, "release_room"):
            volumes.abort_volume_migration(volume, StoragePool.objects.get(pk=job.params["pool"]))
            jobs.step_done(job.pk, "release_room")
