"""gunicorn settings for the API component: each worker process registers itself in service
discovery with the endpoint it answers on. gunicorn reads this file before Django is set up,
so the hooks import what they use when they run."""
import os
import shutil
from pathlib import Path

bind = os.environ.get("JAVELIN_API_BIND", "127.0.0.1:8080")
workers = int(os.environ.get("JAVELIN_API_WORKERS", "2"))
threads = 4
worker_class = "apps.api.gunicorn_worker.JsonErrorWorker"  # gthread, answering its own refusals in JSON
# CloudStack's UI and tools send long GETs (lists of ids, tags): the longest line gunicorn takes.
limit_request_line = 8190
# Idle keep-alive connections wait in the poller, not in a thread; a short keep-alive races
# clients that reuse a connection just as the server closes it (connection reset).
keepalive = 75
accesslog = "-"
# The path without the query string: a session key or a password sent as a parameter must not
# land in a log file.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'

loglevel = "warning"


# The workers count API requests into files here, which /metrics adds up (prometheus_client's
# multiprocess mode); one directory per API endpoint, emptied when the API starts.
_metrics_dir = Path(os.environ.get("JAVELIN_STATE_DIR", "var")).resolve() / "metrics" / bind.replace(":", "_")
shutil.rmtree(_metrics_dir, ignore_errors=True)
_metrics_dir.mkdir(parents=True, exist_ok=True)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir)


def child_exit(server, worker):
    from prometheus_client import multiprocess  # noqa: PLC0415 - after PROMETHEUS_MULTIPROC_DIR is set

    multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    from apps.components import services  # noqa: PLC0415 - Django is set up in the worker, after this file is read

    endpoint = f"http://{bind}/client/api"
    services.keep_registered("api", f"api@{bind}", endpoint=endpoint)


def worker_exit(server, worker):
    from apps.components import services  # noqa: PLC0415 - Django is set up in the worker, after this file is read

    services.unregister("api")
