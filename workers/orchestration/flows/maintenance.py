"""prepareHostForMaintenance: empty a host by live-migrating its VMs, then it is in Maintenance.

The host left placement when the command was taken (PrepareForMaintenance). Preparing starts
a migrate job of its own for each running VM (so each waits its turn behind other jobs on its
VM); the flow has no stages: it goes on each time one of those child jobs ends (their
completion events, not polling). All ended well and the host is empty: Maintenance, success.
One failed: ErrorInMaintenance, and the job fails with that migration's error.
"""
from apps.compute import services as compute
from apps.compute.models import VirtualMachine
from apps.compute.states import VmState
from apps.core.errors import ResourceUnavailable
from apps.fabric.models import Host, ResourceState

from .base import Flow

BUSY = [VmState.RUNNING, VmState.MIGRATING, VmState.STARTING, VmState.STOPPING]


class HostMaintenance(Flow):
    name = "maintenance"
    subject = "Host"
    waits_for_children = True

    def load(self, subject_id):
        return Host.objects.select_related("zone", "pod", "cluster").get(pk=subject_id)

    def prepare(self, job, host):
        children = []
        for vm in VirtualMachine.objects.filter(host=host, state=VmState.RUNNING, removed__isnull=True):
            child = self.start_child(job, host, compute.MIGRATE, virtualmachineid=vm.uuid_str)
            compute.migrate(child, vm)
            children.append(child.pk)
        self.record_children(job, children)

    def children_ended(self, job, host):
        if not self.children_done(job):
            return False
        if VirtualMachine.objects.filter(host=host, state__in=BUSY, removed__isnull=True).exists():
            raise ResourceUnavailable(f"Host {host.name} still has running VMs after its migrations")
        return True

    def finish(self, job, host):
        Host.objects.filter(pk=host.pk).update(resource_state=ResourceState.MAINTENANCE)
        return super().finish(job, host)

    def abort(self, job, host):
        Host.objects.filter(pk=host.pk).update(resource_state=ResourceState.ERROR_IN_MAINTENANCE)
