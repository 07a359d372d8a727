"""Async jobs: created by the API, advanced step by step by the components, completed once."""
import importlib
import logging
import os
import socket
from contextlib import contextmanager

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from apps.core import bus
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


def start_job(kind, caller, params, event_description=None):
    """The job of one use case of ``kind`` (a :class:`~apps.core.registry.JobKind`) for
    ``caller``, recorded now (in the current transaction) with its JSON-able ``params``."""
    kind = kind.for_caller(caller)
    params = {k: v for k, v in params.items() if isinstance(v, (str, int, bool, list, dict, type(None)))}
    return create_job(kind.command, kind.cmd_class, caller.user, params, kind.event_type,
                      event_description or kind.event_description)


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


def submit(job, send, *args):
    """Hand the job to its component once the current transaction commits.

    ``send`` is a component client function (``workers.<component>.api``); it is recorded on
    the job with its arguments, so the job can be handed over again if its message is lost.
    If the broker cannot take it now, the job stays pending, marked ``unsent``, and the
    orchestration watchdog sends it when the broker is back: an outage delays a job, it does
    not lose or fail it.
    """
    job.dispatch = {"client": f"{send.__module__}.{send.__name__}", "args": [job.pk, *args]}
    AsyncJob.objects.filter(pk=job.pk).update(dispatch=job.dispatch)
    transaction.on_commit(lambda: send_dispatch(job.pk, job.dispatch))


def send_dispatch(job_id, dispatch):
    """Send a job's recorded message; True if the broker took it (else the job is ``unsent``)."""
    module, _, name = dispatch["client"].rpartition(".")
    try:
        getattr(importlib.import_module(module), name)(*dispatch["args"])
    except Exception:  # noqa: BLE001 - the broker is down: the watchdog sends it later
        log.warning("could not hand job %s to its component; it will be sent when the broker answers", job_id,
                    exc_info=True)
        AsyncJob.objects.filter(pk=job_id, status=JobStatus.PENDING).update(unsent=True)
        return False
    return True


def plan_steps(job, steps):
    """Record the tasks of the job's canvas, as (name, component) pairs, all pending."""
    JobStep.objects.bulk_create(
        [JobStep(job=job, name=name, component=component) for name, component in steps], ignore_conflicts=True
    )


def this_worker():
    """``host:pid:ppid`` of this process (a prefork pool child names its parent too)."""
    return f"{socket.gethostname()}:{os.getpid()}:{os.getppid()}"


def step_started(job_id, name, component):
    """Step ``name`` runs, in this process (the watchdog tells a step whose process died from
    one that is only slow)."""
    fields = {"state": StepState.RUNNING, "started": timezone.now(), "error": "", "error_code": None,
              "worker": this_worker()}
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


def did_claim(job_id, name):
    """Whether the one-time step ``name`` (e.g. the rollback) was ever taken."""
    return JobStep.objects.filter(job_id=job_id, name=name).exclude(state=StepState.PENDING).exists()


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
        JobStep.objects.filter(pk=step.pk, state=StepState.PENDING).update(state=StepState.RUNNING, started=timezone.now(),
                                                                           worker=this_worker())
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


# Commands whose jobs hold something to give back when they are abandoned (the watchdog gave
# up on them): {command: hook(job)}. A VM job's flow has its own compensations instead.
ABANDON_HOOKS = {}


def on_abandon(command):
    """Declare what gives back the resources of an abandoned ``command`` job."""

    def register(hook):
        ABANDON_HOOKS[command] = hook
        return hook

    return register


def abandon(job, error):
    """Fail a job that could not finish, after its command's hook gave back what it held."""
    hook = ABANDON_HOOKS.get(job.command)
    if hook is not None:
        try:
            hook(job)
        except Exception:  # noqa: BLE001 - the job must end all the same; the log says what was left
            log.exception("abandoning job %s: its %s hook failed", job.uuid, job.command)
    return fail(job.pk, error)


def is_finished(job_id):
    return AsyncJob.objects.filter(pk=job_id).exclude(status=JobStatus.PENDING).exists()


def on_commit_quietly(send, *args):
    """Send a message that no job waits on, after the commit. If the broker cannot take it,
    it waits in the outbox and is sent when the broker is back (not lost)."""

    def send_after_commit():
        try:
            send(*args)
        except Exception:  # noqa: BLE001
            log.warning("could not send %s%r now; it waits in the outbox", send.__name__, args, exc_info=True)
            bus.keep_call(send, args)

    transaction.on_commit(send_after_commit)
