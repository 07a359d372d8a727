"""Async jobs: created by the API, advanced step by step by the components, completed once."""
import logging
from contextlib import contextmanager

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from apps.core.errors import CloudError
from apps.events.services import job_changed

from .models import AsyncJob, JobStatus, JobStep, StepState

log = logging.getLogger(__name__)


def create_job(command, cmd_class, user, params, event_type="", event_description="", instance_type="", instance_uuid=None):
    job = AsyncJob.objects.create(
        command=command,
        cmd_class=cmd_class,
        account=user.account,
        user=user,
        params=params,
        event_type=event_type,
        event_description=event_description,
        instance_type=instance_type,
        instance_uuid=instance_uuid,
    )
    transaction.on_commit(lambda: _announce_pending(job.pk))
    return job


def _announce_pending(job_id):
    """The job's Scheduled event, once it exists for others (after the commit), with the
    object it acts on by then."""
    job = AsyncJob.objects.select_related("account", "user").filter(pk=job_id).first()
    if job is not None:
        job_changed(job, status=JobStatus.PENDING)


def attach(job, instance_type, instance, **params):
    """Name the object the job acts on (and the options it acts with)."""
    job.instance_type, job.instance_uuid = instance_type, instance.uuid
    job.params = {**job.params, **params}
    job.save(update_fields=["instance_type", "instance_uuid", "params"])
    return job


def submit(job, send, *args, on_failure=None):
    """Hand the job to its component once the current transaction commits.

    A broker that cannot be reached fails the job at once (530), and ``on_failure`` undoes
    what the request recorded; the client still gets its jobid and sees why.
    """

    def send_after_commit():
        try:
            send(job.pk, *args)
        except Exception as exc:  # noqa: BLE001
            log.exception("could not submit job %s", job.uuid)
            fail(job.pk, CloudError(f"Unable to reach the {send.__module__.split('.')[1]} component: {exc}", 530))
            if on_failure is not None:
                on_failure()

    transaction.on_commit(send_after_commit)


def plan_steps(job, steps):
    """Record the tasks of the job's canvas, as (name, component) pairs, all pending."""
    JobStep.objects.bulk_create(
        [JobStep(job=job, name=name, component=component) for name, component in steps], ignore_conflicts=True
    )


def step_started(job_id, name, component):
    fields = {"state": StepState.RUNNING, "started": timezone.now(), "error": "", "error_code": None}
    if not JobStep.objects.filter(job_id=job_id, name=name).update(**fields):
        JobStep.objects.bulk_create([JobStep(job_id=job_id, name=name, component=component, **fields)], ignore_conflicts=True)


def step_done(job_id, name, state=StepState.DONE):
    JobStep.objects.filter(job_id=job_id, name=name).update(state=state, finished=timezone.now())
    # Progress as CloudStack's clients see it: the number of steps finished so far.
    finished = JobStep.objects.filter(job_id=OuterRef("pk"), state__in=[StepState.DONE, StepState.COMPENSATED])
    AsyncJob.objects.filter(pk=job_id).update(
        proc_status=Subquery(finished.values("job_id").annotate(n=Count("id")).values("n")[:1])
    )


def step_failed(job_id, name, error):
    code = error.errorcode if isinstance(error, CloudError) else 530
    text = error.errortext if isinstance(error, CloudError) else f"{type(error).__name__}: {error}"
    JobStep.objects.filter(job_id=job_id, name=name).update(
        state=StepState.FAILED, finished=timezone.now(), error=text[:4000], error_code=code
    )


def did(job_id, name):
    """Whether step ``name`` of the job finished: a rollback undoes only what was done."""
    return JobStep.objects.filter(job_id=job_id, name=name, state=StepState.DONE).exists()


@contextmanager
def recorded(job_id, name, component="orchestration"):
    """Run a block as step ``name`` of the job: running, then done or failed."""
    step_started(job_id, name, component)
    try:
        yield
    except Exception as exc:
        step_failed(job_id, name, exc)
        raise
    step_done(job_id, name)


def first_failure(job_id):
    """The error of the first step that failed: the reason a job reports."""
    step = JobStep.objects.filter(job_id=job_id, state=StepState.FAILED).order_by("finished", "id").first()
    if step is None:
        return CloudError("The job failed for an unknown reason", 530)
    return CloudError(step.error, step.error_code or 530)


def claim(job_id, name, component="orchestration"):
    """Take the one-time step ``name`` (e.g. a rollback): True for the first caller only."""
    step, _ = JobStep.objects.get_or_create(job_id=job_id, name=name, defaults={"component": component})
    return bool(
        JobStep.objects.filter(pk=step.pk, state=StepState.PENDING).update(state=StepState.RUNNING, started=timezone.now())
    )


def succeed(job_id, result):
    """Complete the job, once; its event is recorded with it."""
    return _complete(job_id, status=JobStatus.SUCCEEDED, result_code=0, result=result)


def fail(job_id, error):
    error = error if isinstance(error, CloudError) else CloudError(f"{type(error).__name__}: {error}")
    return _complete(job_id, status=JobStatus.FAILED, result_code=error.errorcode, result=error.as_result())


def _complete(job_id, **fields):
    with transaction.atomic():
        done = AsyncJob.objects.filter(pk=job_id, status=JobStatus.PENDING).update(
            result_type="object", completed=timezone.now(), **fields
        )
        if done:
            job_changed(AsyncJob.objects.select_related("account", "user").get(pk=job_id))
    return done


def is_finished(job_id):
    return AsyncJob.objects.filter(pk=job_id).exclude(status=JobStatus.PENDING).exists()


def on_commit_quietly(send, *args):
    """Send a message that no job waits on, after the commit; a failure is logged."""

    def send_after_commit():
        try:
            send(*args)
        except Exception:  # noqa: BLE001
            log.exception("could not send %s%r", send.__name__, args)

    transaction.on_commit(send_after_commit)
