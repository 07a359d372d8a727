"""destroyVirtualMachine (and ``expunge=true``).

Destroy powers the guest off, removes it from its host and frees the host capacity; the
VM's NICs and volumes stay so it can be recovered. Expunge then releases the NICs and
deletes the volumes, and the VM is gone. Destruction has nothing to compensate: on a
failure the VM goes to Error, from which destroy can be asked again.
"""
from django.utils import timezone

from apps.compute import placement
from apps.compute.states import VmState, transition
from apps.core.errors import InvalidState
from apps.jobs import services as jobs
from clients import compute, network, storage

from .base import Flow

DESTROYABLE = {VmState.RUNNING, VmState.STOPPED, VmState.ERROR}


class Destroy(Flow):
    name = "destroy"

    @staticmethod
    def _expunge(job):
        return job.params.get("expunge", False)

    def prepare(self, job, vm):
        if vm.state == VmState.DESTROYED and self._expunge(job):
            return
        if vm.state not in DESTROYABLE:
            raise InvalidState(f"VM {vm.uuid} is in state {vm.state}; it cannot be destroyed now")
        if vm.state == VmState.RUNNING:
            with jobs.as_step(job.pk, "transition"):
                transition(vm, VmState.STOPPING, expected=[VmState.RUNNING])

    def stages(self, job, vm):
        stages = []
        if vm.host_id is not None:
            stages.append([compute.destroy_domain(job.pk, vm.pk, vm.host_id)])
        if self._expunge(job):
            stages.append([network.release_nics(job.pk, vm.pk), storage.delete_volumes(job.pk, vm.pk)])
        return stages

    def finish(self, job, vm):
        placement.release_for_vm(vm)
        if vm.state == VmState.STOPPING:
            transition(vm, VmState.STOPPED, expected=[VmState.STOPPING], last_host=vm.host, host=None)
        if vm.state != VmState.DESTROYED:
            transition(vm, VmState.DESTROYED, host=None)
        if self._expunge(job):
            transition(vm, VmState.EXPUNGING, expected=[VmState.DESTROYED])
        result = super().finish(job, vm)
        if self._expunge(job):
            type(vm).objects.filter(pk=vm.pk).update(removed=timezone.now())
        return result

    def abort(self, job, vm):
        if jobs.did(job.pk, "destroy_domain"):
            placement.release_for_vm(vm)
        try:
            transition(vm, VmState.ERROR, expected=[VmState.STOPPING, VmState.STOPPED, VmState.DESTROYED, VmState.EXPUNGING])
        except InvalidState:
            pass
