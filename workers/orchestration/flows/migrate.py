"""migrateVirtualMachine (admin) and scaleVirtualMachine.

Migrate: Running → Migrating; room is taken on the target (a host of the same cluster, the
one asked for or the roomiest) while the source still holds the VM; the guest moves; then
the source's room is given back and the VM is Running on the target. Compensation: give the
target's room back; the VM stays Running where it was.
"""
from apps.catalog.models import ServiceOffering
from apps.compute import placement
from apps.compute.states import VmState, transition
from apps.core.errors import InsufficientCapacity, InvalidState, ParamError
from apps.fabric import capacity
from apps.fabric.models import Host
from apps.jobs import services as jobs
from apps.jobs.models import AsyncJob
from clients import compute

from .base import Flow


class Migrate(Flow):
    name = "migrate"

    def prepare(self, job, vm):
        if vm.state != VmState.RUNNING:
            raise InvalidState(f"VM {vm.uuid} is in state {vm.state}; only a Running VM can be migrated")
        with jobs.as_step(job.pk, "transition"):
            transition(vm, VmState.MIGRATING, expected=[VmState.RUNNING])
        with jobs.as_step(job.pk, "reserve_capacity"):
            target = self._reserve_target(job, vm)
        job.params = {**job.params, "target": target.pk}
        AsyncJob.objects.filter(pk=job.pk).update(params=job.params)

    @staticmethod
    def _reserve_target(job, vm):
        source = vm.host
        wanted = job.params.get("hostid")
        if not wanted:
            return placement.reserve_host(vm, cluster=source.cluster, exclude={source.pk})
        target = Host.objects.filter(uuid=wanted).first()
        if target is None or target.pk == source.pk or target.cluster_id != source.cluster_id:
            raise ParamError(f"Host {wanted} is not another host of the VM's cluster {source.cluster.name}")
        offering = vm.service_offering
        if not capacity.try_reserve(target, offering.cpu_mhz, offering.memory_mb):
            raise InsufficientCapacity(f"Host {target.name} has no room for VM {vm.uuid}")
        return target

    def stages(self, job, vm):
        return [[compute.migrate_domain(job.pk, vm.pk, vm.host_id, job.params["target"])]]

    def finish(self, job, vm):
        source = vm.host_id
        placement.move_reservation(vm, source, Host.objects.get(pk=job.params["target"]))
        transition(vm, VmState.RUNNING, expected=[VmState.MIGRATING], last_host_id=source)
        return super().finish(job, vm)

    def abort(self, job, vm):
        if jobs.did(job.pk, "reserve_capacity"):
            placement.release_on(Host.objects.get(pk=job.params["target"]), vm)
        if jobs.did(job.pk, "transition"):
            transition(vm, VmState.RUNNING, expected=[VmState.MIGRATING])


class Scale(Flow):
    """A Stopped VM takes another service offering; it is placed by the new size when it starts."""

    name = "scale"

    def prepare(self, job, vm):
        if vm.state != VmState.STOPPED:
            raise InvalidState(f"VM {vm.uuid} is in state {vm.state}; stop it to change its service offering")
        offering = ServiceOffering.objects.get(uuid=job.params["serviceofferingid"])
        type(vm).objects.filter(pk=vm.pk).update(service_offering=offering)
        vm.refresh_from_db()
