"""SQL statements counted in every process, for the benchmarks (``bench/deploy.py``).

With ``JAVELIN_QUERY_COUNT_DIR`` set, each process of the platform adds up the statements
it sends to the database and the time they take, and writes its totals twice a second to
``<dir>/<label>-<pid>.json`` (label: the component, e.g. ``orchestration``, ``api``). A
benchmark reads the files before and after what it measures. Off (the default), nothing is
installed.
"""
import json
import os
import sys
import threading
import time
from pathlib import Path

from django.db import connections
from django.db.backends.signals import connection_created

_lock = threading.Lock()
_totals = {"queries": 0, "seconds": 0.0}


def label():
    argv = sys.argv
    if "-Q" in argv:  # a Celery worker: its queue
        return argv[argv.index("-Q") + 1].split(",")[0]
    name = Path(argv[0]).name
    if name == "gunicorn":
        return "api"
    if name == "manage.py" and len(argv) > 1:
        return {"compute_agent": "compute"}.get(argv[1], argv[1])
    return name


def _count(execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        elapsed = time.perf_counter() - started
        with _lock:
            _totals["queries"] += 1
            _totals["seconds"] += elapsed


def _on_connection(sender, connection, **kwargs):
    if _count not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count)


def _writer(directory):
    path = Path(directory) / f"{label()}-{os.getpid()}.json"
    while True:
        with _lock:
            text = json.dumps({"label": label(), "pid": os.getpid(), **_totals})
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(path)
        time.sleep(0.5)


def _start(directory):
    _totals.update(queries=0, seconds=0.0)
    threading.Thread(target=_writer, args=(directory,), daemon=True, name="querycount").start()


def install():
    directory = os.environ.get("JAVELIN_QUERY_COUNT_DIR")
    if not directory:
        return
    Path(directory).mkdir(parents=True, exist_ok=True)
    connection_created.connect(_on_connection)
    for connection in connections.all(initialized_only=True):
        _on_connection(None, connection)
    _start(directory)
    os.register_at_fork(after_in_child=lambda: _start(directory))  # a prefork pool's children count for themselves


def totals(directory):
    """{label: {"queries": n, "seconds": s}} summed over the processes' files."""
    found = {}
    for path in Path(directory).glob("*.json"):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        entry = found.setdefault(data["label"], {"queries": 0, "seconds": 0.0})
        entry["queries"] += data["queries"]
        entry["seconds"] += data["seconds"]
    return found
