"""deployVirtualMachine: place, then NIC and ROOT volume in parallel, then boot the guest.

Compensation: release the NIC, delete the volume, remove the guest, give back the host
capacity; the VM ends in Error, as a failed first start does on CloudStack.
"""
from apps.compute import placement
from apps.compute.states import VmState, transition
from apps.core.errors import InvalidState
from apps.jobs import services as jobs
from clients import compute, network, storage

from .base import Flow


class Deploy(Flow):
    name = "deploy"

    @staticmethod
    def _starts(job):
        return job.params.get("startvm", True)

    def prepare(self, job, vm):
        if self._starts(job):
            with jobs.as_step(job.pk, "reserve_capacity"):
                placement.reserve_for_vm(vm)

    def stages(self, job, vm):
        stages = [[network.allocate_nic(job.pk, vm.pk), storage.create_root_volume(job.pk, vm.pk)]]
        if self._starts(job):
            stages.append([compute.start_domain(job.pk, vm.pk, vm.host_id)])
        return stages

    def finish(self, job, vm):
        if self._starts(job):
            transition(vm, VmState.RUNNING, expected=[VmState.STARTING])
        return super().finish(job, vm)

    def compensations(self, job, vm):
        undo = [network.release_nics(job.pk, vm.pk), storage.delete_volumes(job.pk, vm.pk)]
        if vm.host_id is not None:
            undo.append(compute.destroy_domain(job.pk, vm.pk, vm.host_id))
        return undo

    def abort(self, job, vm):
        placement.release_for_vm(vm)
        try:
            transition(vm, VmState.ERROR, expected=[VmState.STARTING, VmState.STOPPED], host=None)
        except InvalidState:
            pass  # already out of this flow's hands (e.g. destroyed meanwhile)
