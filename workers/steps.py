"""Job-step bookkeeping for component tasks: each task of a job's canvas records when it
runs, ends or fails (with the CloudStack error it raised), so a job shows its progress and
a rollback knows what went wrong."""
import functools

from apps.core.errors import CloudError
from apps.jobs import services as jobs
from cloudstack.celery import DATABASE_OUTAGE


def job_step(component, name=None):
    """Decorate a task body ``fn(job_id, vm_id, ...)`` to record its step on the job. A step of
    a job that has ended is not run (a message that arrives late, after the watchdog gave the
    job up), unless the job was rolled back: then it may be one of the compensations."""

    def decorate(fn):
        step = name or fn.__name__

        @functools.wraps(fn)
        def run(job_id, *args, **kwargs):
            if jobs.is_finished(job_id) and not jobs.did_claim(job_id, "rollback"):
                return None  # a late or repeated message of a job that ended: nothing to do
            jobs.step_started(job_id, step, component)
            try:
                result = fn(job_id, *args, **kwargs)
            except DATABASE_OUTAGE:
                raise  # not the step's failure: the task is retried when the database is back
            except Exception as exc:
                jobs.step_failed(job_id, step, exc)
                raise
            jobs.step_done(job_id, step)
            return result

        return run

    return decorate


def job_task(component, name=None):
    """Decorate the body of a one-task job ``fn(job_id, ...) -> result``: the task is the
    job's only step, and its return value completes the job. A CloudStack error fails the
    job with its code; anything else fails it with 530 and is raised for the worker's log.
    A job already finished (a redelivered message) is not run again."""

    def decorate(fn):
        step = name or fn.__name__

        @functools.wraps(fn)
        def run(job_id, *args, **kwargs):
            if jobs.is_finished(job_id):
                return None
            jobs.step_started(job_id, step, component)
            try:
                result = fn(job_id, *args, **kwargs)
            except DATABASE_OUTAGE:
                raise  # retried when the database is back (JavelinTask), not a failure of the job
            except CloudError as exc:
                jobs.step_failed(job_id, step, exc)
                jobs.fail(job_id, exc)
                return None
            except Exception as exc:
                jobs.step_failed(job_id, step, exc)
                jobs.fail(job_id, exc)
                raise
            jobs.step_done(job_id, step)
            jobs.succeed(job_id, result)
            return None

        return run

    return decorate
