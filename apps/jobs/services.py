"""Async jobs: created by the API, advanced step by step by the components, completed once."""
import importlib
import logging
import os
import socket
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone

from apps.core import bus
from apps.core.errors import CloudError
from apps.events.services import job_changed
from clients import orchestration

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
    transaction.on_commit(lambda: _announce_pending(job))
    return job


def start_job(kind, caller, params, event_description=None):
    """The job of one use case of ``kind`` (a :class:`~apps.core.registry.JobKind`) for
    ``caller``, recorded now (in the current transaction) with its JSON-able ``params``."""
    kind = kind.for_caller(caller)
    params = {k: v for k, v in params.items() if isinstance(v, (str, int, bool, list, dict, type(None)))}
    return create_job(kind.command, kind.cmd_class, caller.user, params, kind.event_type,
                      event_description or kind.event_description)


def _announce_pending(job):
    """The job's Scheduled event, once it exists for others (after the commit), with the
    object it acts on by then (the same instance the transaction named it on)."""
    job_changed(job, status=JobStatus.PENDING)


SUBJECT_FIELDS = ["instance_type", "instance_uuid", "params"]


def _name_subject(job, instance_type, instance, params):
    job.instance_type, job.instance_uuid = instance_type, instance.uuid
    job.params = {**job.params, **params}


def attach(job, instance_type, instance, **params):
    """Name the object the job acts on (and the options it acts with)."""
    _name_subject(job, instance_type, instance, params)
    job.save(update_fields=SUBJECT_FIELDS)
    return job


def submit(job, send, *args, saving=()):
    """Hand the job to its component once the current transaction commits.

    ``send`` is a component client function (``clients.<component>``); it is recorded on
    the job with its arguments, so the job can be handed over again if its message is lost.
    If the broker cannot take it now, the job stays pending, marked ``unsent``, and the
    orchestration watchdog sends it when the broker is back: an outage delays a job, it does
    not lose or fail it.
    """
    job.dispatch = {"client": f"{send.__module__}.{send.__name__}", "args": [job.pk, *args]}
    # ``saving``: fields of the job set meanwhile, written in the same UPDATE
    AsyncJob.objects.filter(pk=job.pk).update(dispatch=job.dispatch, **{name: getattr(job, name) for name in saving})
    transaction.on_commit(lambda: send_dispatch(job.pk, job.dispatch))


def run_flow(job, instance_type, subject, **params):
    """Hand ``job`` to the Orchestration Engine: the flow of its command runs on ``subject``
    (of ``instance_type``), with ``params`` (the flow's options) in the job's params."""
    _name_subject(job, instance_type, subject, params)
    submit(job, orchestration.begin, subject.pk, job.command, saving=SUBJECT_FIELDS)
    return job


def run_step(job, instance_type, subject, send, *args, **params):
    """Hand ``job`` to the one component that does all of it: ``send`` (a client function
    whose task is a ``@step(..., ends_job=True)``) with ``args`` after the job's id."""
    _name_subject(job, instance_type, subject, params)
    submit(job, send, *args, saving=SUBJECT_FIELDS)
    return job


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
    """Record the steps of the job's plan, all pending: ``(name, component)`` pairs, or
    ``(name, component, stage, call)`` with the stage they belong to and the message (a
    signature, as a dict) that runs them."""
    JobStep.objects.bulk_create(
        [JobStep(job=job, name=s[0], component=s[1], stage=s[2] if len(s) > 2 else None, call=s[3] if len(s) > 3 else None)
         for s in steps], ignore_conflicts=True
    )


def planned_stage(job_id, stage):
    """The recorded messages of one stage of a job's plan: [] past the last stage, and once
    the job has ended."""
    steps = JobStep.objects.filter(job_id=job_id, stage=stage, job__status=JobStatus.PENDING)
    return list(steps.order_by("id").values_list("call", flat=True))


def planned_stages(job_id):
    """{stage: [step names]} of a job's recorded plan."""
    plan = {}
    for name, stage in JobStep.objects.filter(job_id=job_id, stage__isnull=False).order_by("id").values_list("name", "stage"):
        plan.setdefault(stage, []).append(name)
    return plan


def this_worker():
    """``host:pid:ppid`` of this process (a prefork pool child names its parent too)."""
    return f"{socket.gethostname()}:{os.getpid()}:{os.getppid()}"


def step_started(job_id, name, component, while_pending=False):
    """Step ``name`` runs, in this process (the watchdog tells a step whose process died from
    one that is only slow). ``while_pending``: only if the job has not ended (one write,
    which tells); False if it had."""
    fields = {"state": StepState.RUNNING, "started": timezone.now(), "error": "", "error_code": None,
              "worker": this_worker()}
    steps = JobStep.objects.filter(job_id=job_id, name=name)
    if steps.filter(job__status=JobStatus.PENDING).update(**fields) if while_pending else steps.update(**fields):
        return True
    if while_pending and is_finished(job_id):
        return False
    JobStep.objects.bulk_create([JobStep(job_id=job_id, name=name, component=component, **fields)], ignore_conflicts=True)
    return True


def step_done(job_id, name, state=StepState.DONE):
    """One write: the job's progress is counted from its steps when it is read
    (``AsyncJob.objects.with_progress()``), not kept beside them."""
    JobStep.objects.filter(job_id=job_id, name=name).update(state=state, finished=timezone.now())


def _failure(error):
    code = error.errorcode if isinstance(error, CloudError) else 530
    text = error.errortext if isinstance(error, CloudError) else f"{type(error).__name__}: {error}"
    return {"state": StepState.FAILED, "finished": timezone.now(), "error": text[:4000], "error_code": code}


def step_failed(job_id, name, error):
    JobStep.objects.filter(job_id=job_id, name=name).update(**_failure(error))


def _record_step(job_id, name, component, **fields):
    """Step ``name`` as ``fields`` say, in one statement whether it was planned or not."""
    JobStep.objects.bulk_create([JobStep(job_id=job_id, name=name, component=component, **fields)],
                                update_conflicts=True, unique_fields=["job", "name"], update_fields=list(fields))


def did_claim(job_id, name):
    """Whether the one-time step ``name`` (e.g. the rollback) was ever taken."""
    return JobStep.objects.filter(job_id=job_id, name=name).exclude(state=StepState.PENDING).exists()


def did(job_id, name):
    """Whether step ``name`` of the job finished: a rollback undoes only what was done."""
    return JobStep.objects.filter(job_id=job_id, name=name, state=StepState.DONE).exists()


@contextmanager
def as_step(job_id, name, component="orchestration"):
    """Run a block of a transaction (a flow's prepare) as step ``name`` of the job, recorded
    once when it ends, done or failed: while it runs, no one else could see it running."""
    started = timezone.now()
    try:
        yield
    except Exception as exc:
        _record_step(job_id, name, component, started=started, worker=this_worker(), **_failure(exc))
        raise
    _record_step(job_id, name, component, state=StepState.DONE, started=started, finished=timezone.now(),
                 worker=this_worker(), error="", error_code=None)


def first_failure(job_id):
    """The error of the first step that failed: the reason a job reports."""
    step = JobStep.objects.filter(job_id=job_id, state=StepState.FAILED).order_by("finished", "id").first()
    if step is None:
        return CloudError("The job failed for an unknown reason", 530)
    return CloudError(step.error, step.error_code or 530)


def claim(job_id, name, component="orchestration"):
    """Take the one-time step ``name`` (e.g. a rollback): True for the first caller only."""
    fields = {"state": StepState.RUNNING, "started": timezone.now(), "worker": this_worker()}
    if JobStep.objects.filter(job_id=job_id, name=name, state=StepState.PENDING).update(**fields):
        return True  # a planned step (finish): one write
    _, created = JobStep.objects.get_or_create(job_id=job_id, name=name, defaults={"component": component, **fields})
    return created


def claim_end(job_id, name):
    """A job ends one way: take its ``finish`` or its ``rollback``, for the first caller only,
    while the job is pending and the other way was not taken. (A rollback after a finish that
    failed is how a failed finish ends.) Decided under the job's row lock, so a finish and a
    rollback that race (twins of a stage handed on again) cannot both go ahead."""
    other = "rollback" if name == "finish" else "finish"
    with transaction.atomic():
        if not AsyncJob.objects.select_for_update().filter(pk=job_id, status=JobStatus.PENDING).exists():
            return False
        taken = JobStep.objects.filter(job_id=job_id, name=other).exclude(state=StepState.PENDING)
        if name == "rollback":
            taken = taken.exclude(state=StepState.FAILED)
        return not taken.exists() and claim(job_id, name)


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
            job = AsyncJob.objects.select_related("account", "user").get(pk=job_id)
            job_changed(job)
            parent = job.params.get("parent")
            if parent:  # a job that a flow started and waits for (e.g. a host's maintenance)
                on_commit_quietly(orchestration.child_ended, parent["flow"], parent["job"], parent["subject"])
    return done


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
