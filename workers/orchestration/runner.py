"""Runs a :class:`~.flows.base.Flow` as Celery canvases, one stage at a time.

A stage of one task is that task with the next step linked to it; a stage of several is a
chord whose callback is the next step. Every continuation carries the flow's rollback as
its error callback, so a failure anywhere ends in ``rollback``: compensations in parallel
(a chord), then ``rolled_back``, which fails the job with the first step's error. A chord
calls its callback's errbacks only once every task of its header has finished, so a
compensation never races the task it undoes.
"""
import logging

from celery import chord

from apps.compute.models import VirtualMachine
from apps.compute.selectors import vm_for_task
from apps.jobs import services as jobs
from apps.jobs.models import AsyncJob, JobStatus, StepState

from . import api
from .flows import FLOWS

log = logging.getLogger(__name__)


def _load(job_id, vm_id):
    return AsyncJob.objects.select_related("account").get(pk=job_id), vm_for_task(vm_id)


def _step_of(sig):
    _, component, _, name = sig.task.split(".")
    return name, component


def _waits_its_turn(job):
    """Jobs on one VM run one at a time, in the order they were submitted (CloudStack's VM
    work queue): a job with an earlier unfinished job on the same VM is left pending; the
    earlier one starts it when it ends (:func:`_start_next`)."""
    return AsyncJob.objects.filter(
        instance_type="VirtualMachine", instance_uuid=job.instance_uuid, status=JobStatus.PENDING, pk__lt=job.pk
    ).exists()


def _start_next(job):
    following = (
        AsyncJob.objects.filter(
            instance_type="VirtualMachine", instance_uuid=job.instance_uuid, status=JobStatus.PENDING, pk__gt=job.pk
        )
        .order_by("pk")
        .first()
    )
    if following is not None:
        api.begin(following.pk, _vm_pk(following), following.command)


def _vm_pk(job):
    return VirtualMachine.objects.filter(uuid=job.instance_uuid).values_list("pk", flat=True).first()


def begin(flow_name, job_id, vm_id):
    job = AsyncJob.objects.get(pk=job_id)
    if job.status != JobStatus.PENDING or _waits_its_turn(job):
        return
    if not jobs.claim(job_id, "prepare"):
        return  # a redelivered message, or started twice: this job is already under way
    flow = FLOWS[flow_name]
    job, vm = _load(job_id, vm_id)
    try:
        flow.prepare(job, vm)
        stages = flow.stages(job, vm)
    except Exception as exc:
        jobs.step_failed(job_id, "prepare", exc)
        return rollback(flow_name, job_id, vm_id)
    jobs.step_done(job_id, "prepare")
    jobs.plan_steps(job, [_step_of(sig) for stage in stages for sig in stage] + [("finish", "orchestration")])
    return advance(flow_name, job_id, vm_id, 0)


def advance(flow_name, job_id, vm_id, index):
    flow = FLOWS[flow_name]
    job, vm = _load(job_id, vm_id)
    if job.status != JobStatus.PENDING:
        return
    stages = flow.stages(job, vm)
    if index >= len(stages):
        with jobs.recorded(job_id, "finish"):
            result = flow.finish(job, vm)
        jobs.succeed(job_id, result)
        _start_next(job)
        return
    stage_canvas(flow_name, job_id, vm_id, stages[index], index).apply_async()


def stage_canvas(flow_name, job_id, vm_id, stage, index):
    """Stage ``index`` of a flow, linked to the next ``advance`` and, on error, to ``rollback``.

    One task: the task itself with both links. Several: a chord whose callback is the
    next ``advance``; the rollback hangs on that callback, which Celery fails (and so
    calls its errbacks) when any task of the header failed.
    """
    on_error = api.rollback(flow_name, job_id, vm_id)
    then = api.advance(flow_name, job_id, vm_id, index + 1)
    then.link_error(on_error)
    if len(stage) == 1:
        task = stage[0]
        task.link(then)
        task.link_error(on_error)
        return task
    return chord(stage, then)


def rollback(flow_name, job_id, vm_id):
    if not jobs.claim(job_id, "rollback"):
        return  # the rollback is already under way
    flow = FLOWS[flow_name]
    job, vm = _load(job_id, vm_id)
    undo = flow.compensations(job, vm)
    if not undo:
        return rolled_back(flow_name, job_id, vm_id)
    done = api.rolled_back(flow_name, job_id, vm_id)
    done.link_error(api.rolled_back(flow_name, job_id, vm_id))  # finish the job even if an undo failed
    chord(undo, done).apply_async()


def rolled_back(flow_name, job_id, vm_id):
    flow = FLOWS[flow_name]
    job, vm = _load(job_id, vm_id)
    try:
        flow.abort(job, vm)
    except Exception:  # noqa: BLE001 - the job must still end, with its original error
        log.exception("abort of %s job %s failed", flow_name, job.uuid)
    jobs.step_done(job_id, "rollback", state=StepState.COMPENSATED)
    jobs.fail(job_id, jobs.first_failure(job_id))
    _start_next(job)
