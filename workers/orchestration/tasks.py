"""Orchestration Engine tasks: thin entry points into :mod:`.runner` and :mod:`.maintenance`."""
from celery import shared_task
from celery.signals import worker_ready

from workers.diagnostics import diagnostic_tasks

from . import maintenance, runner, watchdog

_opts = {"ignore_result": True}


@shared_task(name="workers.orchestration.tasks.begin_vm_job", **_opts)
def begin_vm_job(flow, job_id, vm_id):
    runner.begin(flow, job_id, vm_id)


@shared_task(name="workers.orchestration.tasks.advance", **_opts)
def advance(flow, job_id, vm_id, stage):
    runner.advance(flow, job_id, vm_id, stage)


@shared_task(name="workers.orchestration.tasks.rollback", **_opts)
def rollback(flow, job_id, vm_id, *_failed_task_id):
    runner.rollback(flow, job_id, vm_id)


@shared_task(name="workers.orchestration.tasks.rolled_back", **_opts)
def rolled_back(flow, job_id, vm_id, *_failed_task_id):
    runner.rolled_back(flow, job_id, vm_id)


@shared_task(name="workers.orchestration.tasks.host_maintenance", **_opts)
def host_maintenance(job_id, host_id, waited_s=0):
    if waited_s == 0:
        maintenance.begin(job_id, host_id)
    if not maintenance.check(job_id, host_id, waited_s):
        host_maintenance.apply_async((job_id, host_id, waited_s + 1), countdown=1)


@shared_task(name="workers.orchestration.tasks.watch_jobs", **_opts)
def watch_jobs():
    """Hand on or give up the jobs that stopped moving (run by the beat schedule)."""
    return watchdog.watch()


@worker_ready.connect
def _adopt_jobs_on_start(sender, **_):
    """An orchestration process that starts looks at once for the jobs the dead ones left."""
    if "orchestration" in (sender.app.amqp.queues.consume_from or {}):
        watch_jobs.delay()


ping, drill = diagnostic_tasks("orchestration")
