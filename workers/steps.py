"""The one way a component task takes part in a job: ``@step("storage")``.

The decorator makes the function a Celery task named ``workers.<component>.tasks.<name>``
(so it is routed to that component's queue) and records it as step ``<name>`` of the job
whose id is its first argument: running, then done, or failed with the CloudStack error it
raised, so a job shows its progress and a rollback knows what went wrong. The task carries
its step's name and component (``task.step_name``, ``task.component``), which the
Orchestration Engine reads when it plans a flow.

* A step of a flow (the default): the Orchestration Engine goes on when it is done.
* ``ends_job=True``: the job's only step (a job that needs one component alone): its end
  completes the job, with the result rendered from the job's subject (:mod:`workers.results`).

A step of a job that has ended is not run (a message that arrives late, after the watchdog gave
the job up), unless the job was rolled back: then it may be one of the compensations. A
database outage is not the step's failure: the task is retried when the database is back.
"""
import functools

from celery import shared_task

from apps.core.errors import CloudError
from apps.jobs import services as jobs
from apps.jobs.models import AsyncJob
from cloudstack.celery import DATABASE_OUTAGE

from . import results


def step(component, name=None, ends_job=False, **task_options):
    def decorate(fn):
        step_name = name or fn.__name__

        @functools.wraps(fn)
        def run(job_id, *args, **kwargs):
            if not jobs.step_started(job_id, step_name, component, while_pending=True):
                if ends_job or not jobs.did_claim(job_id, "rollback"):
                    return None
                jobs.step_started(job_id, step_name, component)
            try:
                fn(job_id, *args, **kwargs)
            except DATABASE_OUTAGE:
                raise
            except CloudError as exc:
                jobs.step_failed(job_id, step_name, exc)
                if not ends_job:
                    raise  # the flow's rollback takes over
                jobs.fail(job_id, exc)
                return None
            except Exception as exc:
                jobs.step_failed(job_id, step_name, exc)
                if ends_job:
                    jobs.fail(job_id, exc)
                raise  # the worker's log gets the trace
            jobs.step_done(job_id, step_name)
            if ends_job:
                jobs.succeed(job_id, results.of(AsyncJob.objects.select_related("account").get(pk=job_id)))
            return None

        task = shared_task(name=f"workers.{component}.tasks.{step_name}", **task_options)(run)
        task.step_name, task.component = step_name, component
        return task

    return decorate
