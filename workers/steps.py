"""Job-step bookkeeping for component tasks: each task of a job's canvas records when it
runs, ends or fails (with the CloudStack error it raised), so a job shows its progress and
a rollback knows what went wrong."""
import functools

from apps.jobs import services as jobs


def job_step(component, name=None):
    """Decorate a task body ``fn(job_id, vm_id, ...)`` to record its step on the job."""

    def decorate(fn):
        step = name or fn.__name__

        @functools.wraps(fn)
        def run(job_id, *args, **kwargs):
            jobs.step_started(job_id, step, component)
            try:
                result = fn(job_id, *args, **kwargs)
            except Exception as exc:
                jobs.step_failed(job_id, step, exc)
                raise
            jobs.step_done(job_id, step)
            return result

        return run

    return decorate
