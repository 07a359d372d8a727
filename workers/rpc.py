"""How a component's ``api`` module names its tasks: by name, so the caller need not import
(or even have) the component's code. The queue follows from the task's module
(``workers.<component>.tasks.*`` → ``<component>``), see ``cloudstack/celery.py``."""
from cloudstack.celery import app


def signature(component, task, *args):
    """An immutable signature of ``workers.<component>.tasks.<task>(*args)`` for a canvas."""
    return app.signature(f"workers.{component}.tasks.{task}", args=args, immutable=True)


def send(component, task, *args, queue=None, **options):
    """Send ``workers.<component>.tasks.<task>(*args)`` now (to ``queue`` rather than the
    component's queue if given; ``options`` as Celery's ``send_task`` takes them)."""
    return app.send_task(f"workers.{component}.tasks.{task}", args=args, queue=queue, **options)


def ping_task(component):
    """Register ``workers.<component>.tasks.ping``: a no-op on the component's queue, for
    health checks and for measuring bare Celery hops against real flows (bench/)."""
    from celery import shared_task

    @shared_task(name=f"workers.{component}.tasks.ping")
    def ping(*_args):
        return "pong"

    return ping
