"""The watchdog of the Orchestration Engine: no job is ever stuck.

A job can stop moving without anything failing: its message was lost (a broker restart, an
embedded broker's consumer killed), a chord's counter vanished with a Redis restart, the
process running one of its steps was killed. Every ``WATCH_INTERVAL_S`` (and when an
orchestration process starts) the watchdog looks at the pending jobs:

* a job the broker could not take when it was submitted (``unsent``) is sent now;
* a job is **stalled** when a step of it runs in a process that is gone, when nothing of it
  has happened for ``STEP_DEADLINE_S``, or when a step has run for ``STEP_HARD_DEADLINE_S``;
  a job waiting its turn behind another job on its subject, or for its child jobs, is not;
* a stalled job is **re-driven** once: handed on again from where its recorded steps say it
  is (the steps are idempotent), or, for a one-task job, its recorded message is sent again;
* a job that stalls again after that is **given up**: a flow's compensations and abort run
  (a VM leaves any in-between state, giving back its capacity); a job of one component just
  fails; the error says which step stopped.

Two watchdogs (two orchestration processes) never act twice on a job: each action is taken
with a conditional UPDATE on the job's ``redrives`` count, which only one of them wins.
"""
import logging
import os
import socket
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.db.models import F
from django.utils import timezone

from apps.components.services import live
from apps.core import config
from apps.core.errors import ResourceUnavailable
from apps.jobs import services as jobs
from apps.jobs.models import AsyncJob, JobStatus, StepState
from clients import orchestration
from workers import results

from . import runner
from .flows import FLOWS

log = logging.getLogger(__name__)
BATCH = 500
PHASES = {"rollback"}


def _alive(worker, here=None, live_processes=None):
    """Is the process ``host:pid:ppid`` that ran a step still there?"""
    try:
        host, pid, ppid = worker.split(":")
        pid, ppid = int(pid), int(ppid)
    except ValueError:
        return True  # not ours to judge
    if host == (here or socket.gethostname()):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return any((h, p) in live_processes for h, p in ((host, pid), (host, ppid))) if live_processes is not None else True


def stall_reason(job, steps, now, alive, hard_deadline_s=None):
    """Why ``job`` no longer moves, or None if it does (or is only slow). A step may run for
    ``hard_deadline_s`` (the ``job.cancel.threshold.minutes`` setting by default).

    A step whose process is gone counts once the broker has had ``REDELIVERY_GRACE_S`` to hand
    its message to another worker (a redelivered step records its new process)."""
    # the rollback step is a phase (it runs while the compensations do, in other processes), not
    # a task of one process: only its moments count
    running = [s for s in steps if s.state == StepState.RUNNING and s.name not in PHASES]
    for step in running:
        since = (now - (step.started or job.created)).total_seconds()
        if step.worker and since > settings.REDELIVERY_GRACE_S and not alive(step.worker):
            return f"its {step.name} step's process ({step.worker}) is gone"
    if running:
        oldest = min(running, key=lambda s: s.started or now)
        deadline = hard_deadline_s if hard_deadline_s is not None else config.value("job.cancel.threshold.minutes") * 60
        if oldest.started and (now - oldest.started).total_seconds() > deadline:
            return f"its {oldest.name} step has run for more than {deadline:.0f} s"
        return None
    moments = [job.created, job.redriven] + [t for s in steps for t in (s.started, s.finished)]
    last = max(t for t in moments if t is not None)
    if (now - last).total_seconds() > settings.STEP_DEADLINE_S:
        return f"nothing of it happened for {settings.STEP_DEADLINE_S:.0f} s ({_where(steps)})"
    return None


def _where(steps):
    """Where a stalled job stands: its last step and that step's state."""
    began = [s for s in steps if s.started is not None]
    waiting = [s for s in steps if s.started is None and s.state == StepState.PENDING]
    after = f"; next: {waiting[0].name} ({waiting[0].component})" if waiting else ""
    if not began:
        return "no step of it began" + after
    last = max(began, key=lambda s: (s.finished or s.started, s.pk))
    return f"its last step: {last.name} ({last.component}), {StepState(last.state).label.lower()}{after}"


def _waiting(job, flow):
    """A job that waits for others, which the watchdog watches instead."""
    if flow is not None and FLOWS[flow[0]].one_at_a_time and AsyncJob.objects.filter(
            instance_type=job.instance_type, instance_uuid=job.instance_uuid, status=JobStatus.PENDING, pk__lt=job.pk).exists():
        return True  # its turn comes when the earlier job on its subject ends
    children = job.params.get("children") or []
    return bool(children) and AsyncJob.objects.filter(pk__in=children, status=JobStatus.PENDING).exists()


def _flow_of(job):
    """(flow name, subject id) of a job the Orchestration Engine runs, from the message that
    began it; None for a job of one component."""
    dispatch = job.dispatch or {}
    if dispatch.get("client") != f"{orchestration.__name__}.{orchestration.begin.__name__}":
        return None
    _job_id, subject_id, command = dispatch["args"]
    return orchestration.FLOWS[command], subject_id


def _take(job, redrives, **fields):
    """Claim the next action on ``job`` (seen with ``redrives``): True for one watchdog only."""
    return bool(AsyncJob.objects.filter(pk=job.pk, status=JobStatus.PENDING, redrives=redrives).update(
        redrives=F("redrives") + 1, redriven=timezone.now(), **fields))


def send_unsent():
    """Jobs the broker could not take when they were submitted: send them now."""
    sent = 0
    for job in AsyncJob.objects.filter(status=JobStatus.PENDING, unsent=True).exclude(dispatch=None).order_by("pk")[:BATCH]:
        # sending is handing on: ``redriven`` starts the job's clock again (it is not a re-drive)
        if AsyncJob.objects.filter(pk=job.pk, unsent=True).update(unsent=False, redriven=timezone.now()) and \
                jobs.send_dispatch(job.pk, job.dispatch):
            sent += 1
    return sent


def redrive(job):
    flow = _flow_of(job)
    if flow is not None:
        done = runner.redrive(flow[0], job.pk, flow[1])
        if done is None:  # stalled while preparing (placement): only a rollback is safe
            runner.give_up(flow[0], job.pk, flow[1], ResourceUnavailable(
                f"The job stopped while preparing its {job.command} and was rolled back"))
        return done or "rolled back"
    if job.dispatch:
        jobs.send_dispatch(job.pk, job.dispatch)
        return "sent again"
    return None


def give_up(job, reason):
    """End a job that stalled again after it was handed on. A VM job is rolled back (its
    compensations, then its abort); if its rollback or its finish is what stalled, the VM and
    the job are settled here and then (:func:`runner.give_up`). A job of one component fails
    (its step left nothing half-made, or its redelivery finishes what it began)."""
    error = ResourceUnavailable(f"The {job.command} job did not finish: {reason}, even after it was handed on again")
    flow = _flow_of(job)
    if flow is None:
        jobs.fail(job.pk, error)
    elif jobs.did(job.pk, "finish"):
        # its finish ran to its end: only the job's own end was lost (its process killed between
        # the two writes). It succeeded; undoing it now would take a running VM's guest and capacity.
        jobs.succeed(job.pk, results.of(AsyncJob.objects.select_related("account").get(pk=job.pk)))
    elif not jobs.did_claim(job.pk, "rollback") and not jobs.did_claim(job.pk, "finish"):
        jobs.step_started(job.pk, "watchdog", "orchestration")
        jobs.step_failed(job.pk, "watchdog", error)  # the reason the job will report, if no step failed first
        runner.rollback(flow[0], job.pk, flow[1])
    else:
        runner.give_up(flow[0], job.pk, flow[1], error)


def watch(now=None):
    """One look at every pending job; returns what was done, by kind."""
    close_old_connections()
    now = now or timezone.now()
    report = {"sent": send_unsent(), "redriven": 0, "given_up": 0}
    processes = set(live().values_list("host", "pid"))
    here = socket.gethostname()
    settle_after = timedelta(seconds=min(settings.STEP_DEADLINE_S, 5))
    pending = AsyncJob.objects.filter(status=JobStatus.PENDING, unsent=False, created__lt=now - settle_after)
    deadline = config.value("job.cancel.threshold.minutes") * 60
    for job in pending.prefetch_related("steps").order_by("pk")[:BATCH]:
        reason = stall_reason(job, list(job.steps.all()), now, lambda w: _alive(w, here, processes), deadline)
        if reason is None or _waiting(job, _flow_of(job)):
            continue
        if job.redriven is not None and (now - job.redriven).total_seconds() < settings.STEP_DEADLINE_S:
            continue  # handed on again lately: give that time to work
        if job.redrives == 0:
            if _take(job, 0):
                log.warning("job %s (%s) stalled: %s; handing it on again", job.uuid, job.command, reason)
                report["redriven"] += 1
                try:
                    log.warning("job %s: %s", job.uuid, redrive(job))
                except Exception:  # noqa: BLE001 - the broker is still down: the next pass gives it up
                    log.exception("handing job %s on again failed", job.uuid)
        elif _take(job, job.redrives):
            log.error("job %s (%s) stalled again: %s; giving it up", job.uuid, job.command, reason)
            try:
                give_up(job, reason)
            except Exception:  # noqa: BLE001 - e.g. the broker still down for the rollback: the next pass settles it
                log.exception("giving up job %s failed; the next pass tries again", job.uuid)
            report["given_up"] += 1
    return report
