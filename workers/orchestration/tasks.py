"""Orchestration Engine tasks: thin entry points into :mod:`.runner` and :mod:`.watchdog`."""
from celery import shared_task
from celery.signals import worker_ready

from workers.diagnostics import diagnostic_tasks

from . import runner, watchdog

_opts = {"ignore_result": True}


@shared_task(name="workers.orchestration.tasks.begin_job", **_opts)
def begin_job(flow, job_id, subject_id):
    runner.begin(flow, job_id, subject_id)


@shared_task(name="workers.orchestration.tasks.advance", **_opts)
def advance(flow, job_id, subject_id, stage):
    runner.advance(flow, job_id, subject_id, stage)


@shared_task(name="workers.orchestration.tasks.rollback", **_opts)
def rollback(flow, job_id, subject_id, *_failed_task_id):
    runner.rollback(flow, job_id, subject_id)


@shared_task(name="workers.orchestration.tasks.rolled_back", **_opts)
def rolled_back(flow, job_id, subject_id, *_failed_task_id):
    runner.rolled_back(flow, job_id, subject_id)


@shared_task(name="workers.orchestration.tasks.child_ended", **_opts)
def child_ended(flow, job_id, subject_id):
    runner.child_ended(flow, job_id, subject_id)


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
