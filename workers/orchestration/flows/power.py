"""start, stop and reboot of an existing VM."""
from apps.compute import placement
from apps.compute.states import VmState, transition
from apps.core.errors import InvalidState
from apps.jobs import services as jobs
from clients import compute

from .base import Flow


class Start(Flow):
    """Stopped → Starting → (placement, preferring the last host) → guest booted → Running.
    Compensation: remove the guest, give back the capacity, back to Stopped."""

    name = "start"

    def prepare(self, job, vm):
        if vm.state == VmState.RUNNING:
            raise InvalidState(f"The virtual machine {vm.uuid} ({vm.display_name}) is already running")
        with jobs.as_step(job.pk, "transition"):
            transition(vm, VmState.STARTING, expected=[VmState.STOPPED])
        with jobs.as_step(job.pk, "reserve_capacity"):
            placement.reserve_for_vm(vm, prefer=vm.last_host if job.params.get("considerlasthost", True) else None)

    def stages(self, job, vm):
        return [[compute.start_domain(job.pk, vm.pk, vm.host_id)]]

    def finish(self, job, vm):
        transition(vm, VmState.RUNNING, expected=[VmState.STARTING])
        return super().finish(job, vm)

    def compensations(self, job, vm):
        return [compute.destroy_domain(job.pk, vm.pk, vm.host_id)] if jobs.did(job.pk, "reserve_capacity") else []

    def abort(self, job, vm):
        if jobs.did(job.pk, "reserve_capacity"):
            placement.release_for_vm(vm)
        if jobs.did(job.pk, "transition"):
            transition(vm, VmState.STOPPED, expected=[VmState.STARTING], host=None)


class Stop(Flow):
    """Running → Stopping → guest shut down (forced: powered off) → Stopped, capacity freed.
    A VM already stopped is reported as it is, as CloudStack does. On failure the guest
    still runs: back to Running."""

    name = "stop"

    def prepare(self, job, vm):
        if vm.state == VmState.STOPPED:
            return
        with jobs.as_step(job.pk, "transition"):
            transition(vm, VmState.STOPPING, expected=[VmState.RUNNING])

    def stages(self, job, vm):
        if not jobs.did(job.pk, "transition"):
            return []
        return [[compute.stop_domain(job.pk, vm.pk, vm.host_id, job.params.get("forced", False))]]

    def finish(self, job, vm):
        if jobs.did(job.pk, "transition"):
            placement.release_for_vm(vm)
            transition(vm, VmState.STOPPED, expected=[VmState.STOPPING], last_host=vm.host, host=None)
        return super().finish(job, vm)

    def abort(self, job, vm):
        if jobs.did(job.pk, "transition"):
            try:
                transition(vm, VmState.RUNNING, expected=[VmState.STOPPING])
            except InvalidState:
                pass


class Reboot(Flow):
    name = "reboot"

    def prepare(self, job, vm):
        if vm.state != VmState.RUNNING:
            raise InvalidState(f"VM {vm.uuid} is in state {vm.state}; only a Running VM can be rebooted")

    def stages(self, job, vm):
        return [[compute.reboot_domain(job.pk, vm.pk, vm.host_id)]]
