"""The diagnostic tasks every component has (health checks, measurements, capacity drills)."""
import os
import re
import time

from celery import shared_task
from django.conf import settings


def diagnostic_tasks(component):
    """Register the component's diagnostic tasks and return them:

    * ``workers.<component>.tasks.ping``: a no-op on the component's queue, for health
      checks (the HA investigator) and for measuring bare Celery hops against real flows.
    * ``workers.<component>.tasks.drill(token, hold_s)``: holds a worker for ``hold_s``
      seconds (at most 60) and appends its task id and pid to ``<state>/drills/<token>.log``:
      load for capacity drills (the autoscaler's test), with a record of what ran where.
    """
    @shared_task(name=f"workers.{component}.tasks.ping")
    def ping(*_args, **_kwargs):
        return "pong"

    @shared_task(name=f"workers.{component}.tasks.drill", bind=True)
    def drill(self, token, hold_s=0.0):
        if not re.fullmatch(r"[a-z0-9-]{1,64}", token):
            raise ValueError(f"bad drill token {token!r}")
        time.sleep(min(max(float(hold_s), 0.0), 60.0))
        log = settings.STATE_DIR / "drills" / f"{token}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{self.request.id} {os.getpid()} {self.request.hostname}\n".encode())
        finally:
            os.close(fd)
        return os.getpid()

    return ping, drill
