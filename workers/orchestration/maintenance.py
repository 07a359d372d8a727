"""prepareHostForMaintenance: empty a host by live-migrating its VMs, then it is in Maintenance.

The host leaves placement at once (PrepareForMaintenance). Each running VM gets a migrate
job of its own (so it waits its turn behind other jobs on that VM); the maintenance job
checks back every second until the host is empty (Maintenance, success) or a migration
failed (ErrorInMaintenance, failure with that migration's error).
"""
from apps.accounts.selectors import Caller
from apps.compute import services as compute
from apps.compute.models import VirtualMachine
from apps.compute.states import VmState
from apps.core.errors import CloudError, ResourceUnavailable
from apps.fabric.models import Host, ResourceState
from apps.fabric.responses import host_response
from apps.jobs import services as jobs
from apps.jobs.models import AsyncJob, JobStatus

BUSY = [VmState.RUNNING, VmState.MIGRATING, VmState.STARTING, VmState.STOPPING]
PATIENCE_S = 600


def begin(job_id, host_id):
    job = AsyncJob.objects.select_related("user__account__domain").get(pk=job_id)
    if not jobs.claim(job_id, "prepare"):
        return None
    caller = Caller(job.user)
    migrations = []
    for vm in VirtualMachine.objects.filter(host_id=host_id, state=VmState.RUNNING, removed__isnull=True):
        child = jobs.start_job(compute.MIGRATE, caller, {"virtualmachineid": vm.uuid_str})
        compute.migrate(child, vm)
        migrations.append(child.pk)
    job.params = {**job.params, "migrations": migrations}
    AsyncJob.objects.filter(pk=job_id).update(params=job.params)
    jobs.step_done(job_id, "prepare")
    return migrations


def check(job_id, host_id, waited_s):
    """Finish the job if the host is empty or a migration failed; else the caller asks again."""
    job = AsyncJob.objects.get(pk=job_id)
    if job.status != JobStatus.PENDING:
        return True
    failed = AsyncJob.objects.filter(pk__in=job.params.get("migrations", []), status=JobStatus.FAILED).first()
    host = Host.objects.select_related("zone", "pod", "cluster").get(pk=host_id)
    if failed is not None or waited_s >= PATIENCE_S:
        Host.objects.filter(pk=host_id).update(resource_state=ResourceState.ERROR_IN_MAINTENANCE)
        error = CloudError(failed.result["errortext"], failed.result_code) if failed else ResourceUnavailable(
            f"Host {host.name} still has running VMs after {PATIENCE_S} s"
        )
        jobs.fail(job_id, error)
        return True
    if VirtualMachine.objects.filter(host_id=host_id, state__in=BUSY, removed__isnull=True).exists():
        return False
    Host.objects.filter(pk=host_id).update(resource_state=ResourceState.MAINTENANCE)
    host.refresh_from_db()
    jobs.succeed(job_id, {"host": host_response(host)})
    return True
