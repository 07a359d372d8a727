"""Clients of the platform's components: the one place that knows each component's queue,
its task names and the shape of its messages (in the spirit of Nova's ``rpcapi`` modules).

Callers call a plain function (``clients.storage.create_volume(job_id=..., volume_id=...)``);
that function names the task by its name (the caller needs none of the component's code) and
sends keyword arguments with the message version, ``v``, that these clients speak. A worker
refuses a message of a newer version than its own (``cloudstack.celery.JavelinTask``), so a
component can be upgraded before or after its callers. The queue follows from the task's
module (``workers.<component>.tasks.*`` → ``<component>``), see ``cloudstack/celery.py``.
"""
from cloudstack.celery import MESSAGE_VERSION, VERSION_KEY, app


def signature(component, task, queue=None, **kwargs):
    """An immutable signature of ``workers.<component>.tasks.<task>(**kwargs)``, for a canvas."""
    sig = app.signature(f"workers.{component}.tasks.{task}", kwargs={**kwargs, VERSION_KEY: MESSAGE_VERSION},
                        immutable=True)
    return sig.set(queue=queue) if queue else sig


def send(component, task, queue=None, results=False, options=None, **kwargs):
    """Send ``workers.<component>.tasks.<task>(**kwargs)`` now (to ``queue`` rather than the
    component's queue if given; ``options`` as Celery's ``send_task`` takes them).

    Nobody waits for what a sent task returns (jobs report in the data service), so no result
    is stored for it and sending does not touch the result backend: a Redis restart cannot
    stop a message. ``results=True`` for the one caller that waits (a health-check ping)."""
    return app.send_task(f"workers.{component}.tasks.{task}", kwargs={**kwargs, VERSION_KEY: MESSAGE_VERSION},
                         queue=queue, ignore_result=not results, **(options or {}))
