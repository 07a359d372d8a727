"""Runs a :class:`~.flows.base.Flow` as Celery canvases, one stage at a time, from the plan it
recorded when the flow was prepared.

A stage of one task is that task with the next step linked to it; a stage of several is a
chord whose callback is the next step. Every continuation carries the flow's rollback as
its error callback, so a failure anywhere ends in ``rollback``: compensations in parallel
(a chord), then ``rolled_back``, which fails the job with the first step's error. A chord
calls its callback's errbacks only once every task of its header has finished, so a
compensation never races the task it undoes.

Messages name the flow, the job and the flow's subject (``subject_id``: a VM, a volume ...).
"""
import logging

from celery import chord, signature
from celery import group as group_of
from django.db import transaction

from apps.compute import placement
from apps.compute.models import VirtualMachine
from apps.compute.states import VmState, transition
from apps.core.errors import InvalidState
from apps.jobs import services as jobs
from apps.jobs.models import AsyncJob, JobStatus, StepState
from clients import orchestration as api
from cloudstack.celery import DATABASE_OUTAGE, app

from .flows import FLOWS

log = logging.getLogger(__name__)


def _load(flow, job_id, subject_id):
    return AsyncJob.objects.select_related("account").get(pk=job_id), flow.load(subject_id)


def _step_of(sig):
    """(name, component) of a step signature, as its task declares them (``workers.steps``)."""
    task = app.tasks[sig.task]
    return task.step_name, task.component


def _waits_its_turn(flow, job):
    """Jobs on one subject run one at a time, in the order they were submitted (CloudStack's
    VM work queue): a job with an earlier unfinished job on the same subject is left pending;
    the earlier one starts it when it ends (:func:`_start_next`)."""
    return flow.one_at_a_time and AsyncJob.objects.filter(
        instance_type=job.instance_type, instance_uuid=job.instance_uuid, status=JobStatus.PENDING, pk__lt=job.pk
    ).exists()


def _start_next(job):
    following = (
        AsyncJob.objects.filter(instance_type=job.instance_type, instance_uuid=job.instance_uuid, status=JobStatus.PENDING,
                                pk__gt=job.pk)
        .order_by("pk")
        .first()
    )
    if following is not None and following.dispatch:
        jobs.send_dispatch(following.pk, following.dispatch)


def begin(flow_name, job_id, subject_id):
    """Prepare the flow, record its plan and send its first stage.

    The claim of the ``prepare`` step, the preparation (state guards, reservations), the plan
    and its end are one transaction: a process killed while preparing leaves nothing behind,
    not even its claim, so the broker's redelivery of this message simply prepares again; and
    a twin of the message waits on the claim's row lock, then finds the job under way."""
    flow = FLOWS[flow_name]
    job = AsyncJob.objects.select_related("account").get(pk=job_id)
    if job.status != JobStatus.PENDING or _waits_its_turn(flow, job):
        return
    try:
        with transaction.atomic():
            if not jobs.claim(job_id, "prepare"):
                return  # a redelivered message, or started twice: this job is already under way
            subject = flow.load(subject_id)
            flow.prepare(job, subject)
            stages = flow.stages(job, subject)
            jobs.step_done(job_id, "prepare")
            jobs.plan_steps(job, [(*_step_of(sig), index, dict(sig)) for index, stage in enumerate(stages) for sig in stage]
                            + [("finish", "orchestration")])
    except DATABASE_OUTAGE:
        raise  # retried when the database is back
    except Exception as exc:
        jobs.claim(job_id, "prepare")  # what the transaction took back: the failure is this step's
        jobs.step_failed(job_id, "prepare", exc)
        return rollback(flow_name, job_id, subject_id)
    if flow.waits_for_children and not stages:
        return child_ended(flow_name, job_id, subject_id)  # children that ended already (or none at all)
    return advance(flow_name, job_id, subject_id, 0)


def advance(flow_name, job_id, subject_id, stage):
    """Send stage ``stage`` of the recorded plan, or finish the job past its last stage."""
    calls = jobs.planned_stage(job_id, stage)  # none once the job has ended: then the finish finds it ended
    if calls:
        stage_canvas(flow_name, job_id, subject_id, [signature(call) for call in calls], stage).apply_async()
        return
    flow = FLOWS[flow_name]
    if flow.waits_for_children:
        return child_ended(flow_name, job_id, subject_id)
    _finish(flow, job_id, subject_id)


def _finish(flow, job_id, subject_id):
    job, subject = _load(flow, job_id, subject_id)
    if job.status != JobStatus.PENDING or not jobs.claim_end(job_id, "finish"):
        return  # finished by a twin of this message (a stage that was handed on twice), or rolled back
    try:
        result = flow.finish(job, subject)
    except Exception as exc:
        jobs.step_failed(job_id, "finish", exc)
        raise
    jobs.step_done(job_id, "finish")
    jobs.succeed(job_id, result)
    _start_next(job)


def child_ended(flow_name, job_id, subject_id):
    """A job that ``flow_name``'s job started has ended (or may have): finish it if they all
    ended well, roll it back if the flow says one failed, else go on waiting."""
    flow = FLOWS[flow_name]
    job, subject = _load(flow, job_id, subject_id)
    if job.status != JobStatus.PENDING:
        return
    try:
        done = flow.children_ended(job, subject)
    except Exception as exc:
        jobs.claim(job_id, "children")
        jobs.step_failed(job_id, "children", exc)
        return rollback(flow_name, job_id, subject_id)
    if done:
        _finish(flow, job_id, subject_id)


def stage_canvas(flow_name, job_id, subject_id, stage, index):
    """Stage ``index`` of a flow, linked to the next ``advance`` and, on error, to ``rollback``.

    One task: the task itself with both links. Several: a chord whose callback is the
    next ``advance``; the rollback hangs on that callback, which Celery fails (and so
    calls its errbacks) when any task of the header failed.
    """
    on_error = api.rollback(flow_name, job_id, subject_id)
    then = api.advance(flow_name, job_id, subject_id, index + 1)
    then.link_error(on_error)
    if len(stage) == 1:
        task = stage[0]
        task.link(then)
        task.link_error(on_error)
        return task
    return chord(stage, then)


def rollback(flow_name, job_id, subject_id):
    if not jobs.claim_end(job_id, "rollback"):
        return  # the rollback is already under way, or the job finished (a twin of a step failed late)
    _compensate(FLOWS[flow_name], flow_name, job_id, subject_id)


def _compensate(flow, flow_name, job_id, subject_id):
    job, subject = _load(flow, job_id, subject_id)
    undo = flow.compensations(job, subject)
    if not undo:
        return rolled_back(flow_name, job_id, subject_id)
    done = api.rolled_back(flow_name, job_id, subject_id)
    done.link_error(api.rolled_back(flow_name, job_id, subject_id))  # finish the job even if an undo failed
    chord(undo, done).apply_async()


def rolled_back(flow_name, job_id, subject_id):
    flow = FLOWS[flow_name]
    job, subject = _load(flow, job_id, subject_id)
    try:
        flow.abort(job, subject)
    except Exception:  # noqa: BLE001 - the job must still end, with its original error
        log.exception("abort of %s job %s failed", flow_name, job.uuid)
    jobs.step_done(job_id, "rollback", state=StepState.COMPENSATED)
    jobs.fail(job_id, jobs.first_failure(job_id))
    _start_next(job)


# --- the watchdog's side: jobs that stopped moving ------------------------------------------
def redrive(flow_name, job_id, subject_id):
    """Hand a stalled job on again, from where its recorded steps say it is: the stage whose
    steps are not all done is sent again (steps are idempotent), or the finish, or the
    rollback. Returns what was sent, for the log; None if the job cannot be re-driven (it
    stalled while preparing: only a rollback is safe there)."""
    flow = FLOWS[flow_name]
    job = AsyncJob.objects.get(pk=job_id)
    states = dict(job.steps.values_list("name", "state"))
    if "rollback" in states:
        _compensate(flow, flow_name, job_id, subject_id)
        return "rollback"
    if "prepare" not in states:
        jobs.send_dispatch(job_id, job.dispatch)
        return "begin"
    if states["prepare"] != StepState.DONE:
        return None
    plan = jobs.planned_stages(job_id)
    for index in sorted(plan):
        if any(states.get(name) != StepState.DONE for name in plan[index]):
            stage_canvas(flow_name, job_id, subject_id, [signature(c) for c in jobs.planned_stage(job_id, index)],
                         index).apply_async()
            return f"stage {index}"
    api.advance(flow_name, job_id, subject_id, len(plan)).apply_async()
    return "finish"


def give_up(flow_name, job_id, subject_id, error):
    """End a job that made no progress even after it was re-driven and rolled back: its
    compensations are sent on their way (not waited for), its abort runs, a VM leaves any
    in-between state and gives back what it holds, and the job fails with ``error``. Needs
    only the data service."""
    flow = FLOWS[flow_name]
    job, subject = _load(flow, job_id, subject_id)
    jobs.claim(job_id, "rollback")
    try:
        undo = flow.compensations(job, subject)
        if undo:
            group_of(undo).apply_async()
    except Exception:  # noqa: BLE001 - a broker still down: the subject and the job are settled all the same
        log.warning("job %s: its compensations could not be sent", job.uuid, exc_info=True)
    try:
        flow.abort(job, subject)
    except Exception:  # noqa: BLE001
        log.exception("abort of %s job %s failed", flow_name, job.uuid)
    if isinstance(subject, VirtualMachine):
        settle(VirtualMachine.objects.get(pk=subject.pk))
    jobs.step_failed(job_id, "rollback", error)
    jobs.fail(job_id, error)
    _start_next(job)


# Where a VM left in between two states by a job that was given up goes: capacity is given
# back for the ones that hold none afterwards; the host's reconcile corrects a guess later.
SETTLE = {VmState.STARTING: VmState.STOPPED, VmState.STOPPING: VmState.RUNNING, VmState.MIGRATING: VmState.RUNNING}


def settle(vm):
    target = SETTLE.get(vm.state)
    if target is None:
        return
    if target == VmState.STOPPED:
        placement.release_for_vm(vm)
    try:
        transition(vm, target, expected=[vm.state], **({"host": None} if target == VmState.STOPPED else {}))
    except InvalidState:
        pass  # it moved on its own meanwhile
