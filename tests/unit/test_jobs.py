import pytest

from apps.core.errors import InsufficientCapacity
from apps.jobs import services as jobs
from apps.jobs.models import AsyncJob, JobStatus, StepState


@pytest.fixture
def job(admin):
    return jobs.create_job("deployVirtualMachine", "DeployVMCmd", admin.user, {})


def test_steps_progress_counts_finished_steps(job):
    jobs.plan_steps(job, [("allocate_nic", "network"), ("create_root_volume", "storage"), ("finish", "orchestration")])
    jobs.plan_steps(job, [("allocate_nic", "network")])  # planning twice changes nothing
    assert job.steps.count() == 3
    jobs.step_started(job.pk, "allocate_nic", "network")
    jobs.step_done(job.pk, "allocate_nic")
    jobs.step_started(job.pk, "create_root_volume", "storage")
    assert AsyncJob.objects.with_progress().get(pk=job.pk).steps_finished == 1
    assert dict(job.steps.values_list("name", "state")) == {
        "allocate_nic": StepState.DONE, "create_root_volume": StepState.RUNNING, "finish": StepState.PENDING
    }


def test_unplanned_step_is_created_when_it_starts(job):
    jobs.step_started(job.pk, "prepare", "orchestration")
    assert job.steps.get(name="prepare").state == StepState.RUNNING


def test_claim_is_granted_once(job):
    assert jobs.claim(job.pk, "rollback") is True
    assert jobs.claim(job.pk, "rollback") is False


def test_first_failure_is_the_reason_and_completion_happens_once(job):
    jobs.plan_steps(job, [("a", "x"), ("b", "y")])
    jobs.step_failed(job.pk, "a", InsufficientCapacity("no room"))
    jobs.step_failed(job.pk, "b", RuntimeError("later"))
    error = jobs.first_failure(job.pk)
    assert (error.errorcode, error.errortext) == (533, "no room")
    assert jobs.fail(job.pk, error) == 1
    assert jobs.succeed(job.pk, {"x": 1}) == 0  # a finished job stays as it ended
    job.refresh_from_db()
    assert (job.status, job.result) == (JobStatus.FAILED, {"errorcode": 533, "errortext": "no room"})
    assert AsyncJob.objects.get(pk=job.pk).completed is not None
