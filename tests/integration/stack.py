"""Start the platform as real processes, from the Procfile, on one of its two stacks.

``embedded``: SQLite + fsatomic:// + django-db results, in a fresh state directory.
``production``: a fresh PostgreSQL database, a fresh RabbitMQ vhost and a Redis database
on the servers of this machine (127.0.0.1), exactly as ``make run`` would use them with
DATABASE_URL / CELERY_BROKER_URL / CELERY_RESULT_BACKEND set.
"""
import fcntl
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from http.server import ThreadingHTTPServer
from pathlib import Path

import psycopg2
import redis
import requests
from cs import CloudStack

from cloudstack.processes import procfile
from tests.support import eventually

from . import clients

ROOT = Path(__file__).resolve().parents[2]
PG = "postgres://postgres@127.0.0.1:5432/{}"
READY = {"beat": rb"beat: Starting", "flower": rb"Visit me at"}  # what a process logs when it is up (workers: "<name>@<host> ready.")


def wait_for_template(cs, template_id, timeout=30):
    """The template once its download ended (ready, or failed with its reason)."""
    def ended():
        (template,) = cs.listTemplates(templatefilter="self", id=template_id)["template"]
        return template if template["isready"] or template["status"].startswith("Download failed") else None

    return eventually(ended, timeout=timeout, every=0.3, what=f"the download of template {template_id} to end")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PatientCloudStack(CloudStack):
    """The ``cs`` client, retrying as a client under back-pressure should: a 503 answered with
    ``Retry-After`` (the API at capacity, the database restarting) is sent again after it."""

    patience_s = 60.0

    def _send(self, kind, params, headers, timeout):
        deadline = time.monotonic() + self.patience_s
        while True:
            response = super()._send(kind, params, headers, timeout)
            if response.status_code != 503 or "Retry-After" not in response.headers or time.monotonic() > deadline:
                return response
            time.sleep(float(response.headers["Retry-After"]))


class _Serving:
    def __init__(self, port, handler):
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.server

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


REDIS_LOCKS = Path("/tmp/javelin-test-redis")


def _take_redis_db():
    """A Redis database (1-15) no other live stack of any test run on this machine uses: each
    is held by an exclusive lock on a file of its own for as long as the stack lives."""
    REDIS_LOCKS.mkdir(exist_ok=True)
    for db in range(1, 16):
        handle = open(REDIS_LOCKS / f"{db}.lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        return db, handle
    raise RuntimeError("every Redis database 1-15 is held by a live test stack")


def _rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


class Stack:
    """``supervised``: the processes run under supervisord, as ``make run`` runs them (the chaos
    tests kill them and watch the supervisor bring them back); else each is a child of the test."""

    def __init__(self, kind, state_dir, components=None, extra_env=None, supervised=False):
        self.kind = kind
        self.supervised = supervised
        self.supervisor = None
        self._redis = None
        self.state_dir = Path(state_dir)
        self.name = f"jvit_{uuid.uuid4().hex[:10]}"
        self.port = free_port()
        self.flower_port = free_port()
        self.image_port = free_port()  # the one local address:port a fetch may reach (JAVELIN_FETCH_ALLOW)
        self.components = components
        self.extra_env = extra_env or {}
        self.procs = {}
        self.keys = None
        self.secrets = None  # <state>/secrets.json, made on first start

    @property
    def import_dir(self):
        """Where a root admin's file:// templates may come from (JAVELIN_IMPORT_DIRS)."""
        return self.state_dir / "import"

    @property
    def pool_dir(self):
        """Below here createStoragePool may put pools (JAVELIN_STORAGE_POOL_DIRS)."""
        return self.state_dir / "primary"

    @property
    def admin_password(self):
        return self.secrets["admin_password"]

    @property
    def flower_auth(self):
        return self.secrets["flower_user"], self.secrets["flower_password"]

    def metrics_headers(self):
        return {"Authorization": f"Bearer {self.secrets['metrics_token']}"}

    def serve(self, handler):
        """An HTTP server of ``handler`` (a BaseHTTPRequestHandler class) on the image port, in
        a thread; use as a context manager."""
        return _Serving(self.image_port, handler)

    # -- environment ---------------------------------------------------------------------
    def env(self):
        env = dict(os.environ)
        env.update(
            JAVELIN_STATE_DIR=str(self.state_dir),
            JAVELIN_API_BIND=f"127.0.0.1:{self.port}",
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            PYTHONUNBUFFERED="1",
            JAVELIN_SYNC_INTERVAL="3",  # reconcile often, so the tests run alongside it
            JAVELIN_FLOWER_PORT=str(self.flower_port),
            JAVELIN_HEARTBEAT="1",
            JAVELIN_HOST_HEARTBEAT="3",  # hosts are Alert 6 s after their last beat (test_ha has its own stack, at 1 s)
            JAVELIN_AUTOSCALE="",  # the autoscaler runs but scales nothing, unless a test gives it a policy
            JAVELIN_FETCH_ALLOW=f"127.0.0.1:{self.image_port}",  # tests serve images there, as an operator's mirror
            # every test logs in from 127.0.0.1: the per-address lockout is a unit test's, not the whole suite's
            JAVELIN_LOGIN_MAX_FAILURES_PER_ADDRESS="1000",
        )
        ui = clients.ui_dist()
        if ui is not None:  # Apache CloudStack's web UI at /, as `make run` serves it
            env["JAVELIN_UI_DIR"] = str(ui)
        for key in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "DJANGO_SETTINGS_MODULE"):
            env.pop(key, None)
        if self.kind == "production":
            env.update(
                DATABASE_URL=PG.format(self.name),
                CELERY_BROKER_URL=f"amqp://guest:guest@127.0.0.1:5672/{self.name}",
                CELERY_RESULT_BACKEND=f"redis://127.0.0.1:6379/{self.redis_db}",
            )
        env.update(self.extra_env)
        return env

    @property
    def redis_db(self):
        if self._redis is None:
            self._redis = _take_redis_db()
        return self._redis[0]

    def _provision(self):
        if self.kind != "production":
            return
        conn = psycopg2.connect(PG.format("postgres"))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{self.name}"')
        conn.close()
        _rabbitmqctl("add_vhost", self.name)
        _rabbitmqctl("set_permissions", "-p", self.name, "guest", ".*", ".*", ".*")
        redis.Redis(db=self.redis_db).flushdb()

    def _deprovision(self):
        if self.kind != "production":
            return
        _rabbitmqctl("delete_vhost", self.name)
        conn = psycopg2.connect(PG.format("postgres"))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        conn.close()
        redis.Redis(db=self.redis_db).flushdb()
        if self._redis is not None:
            self._redis[1].close()  # the database is free for another stack
            self._redis = None

    def sql(self, query, *params):
        """Rows of a query on the stack's own database (PostgreSQL or the SQLite file)."""
        if self.kind == "production":
            conn = psycopg2.connect(PG.format(self.name))
            try:
                with conn.cursor() as cur:
                    cur.execute(query, params)
                    return cur.fetchall()
            finally:
                conn.close()
        conn = sqlite3.connect(self.state_dir / "javelin.sqlite3", timeout=30)
        try:
            return conn.execute(query.replace("%s", "?"), params).fetchall()
        finally:
            conn.close()

    # -- processes -----------------------------------------------------------------------
    def manage(self, *args, check=True):
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=300
        )
        if check and result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def log(self, name):
        return self.state_dir / "logs" / f"{name}.log"

    def start_process(self, name, copy=None):
        """Start Procfile process ``name``; ``copy=N`` starts another one of it, named name<N>."""
        command = procfile()[name]
        key = name
        if copy is not None:
            key = f"{name}{copy}"
            command = command.replace(f"-n {name}@", f"-n {key}@")
        self.spawn(key, command)

    def spawn(self, key, command):
        """Run ``command`` (a shell line, as in the Procfile) as process ``key`` of the platform."""
        out = open(self.log(key), "ab")
        self.procs[key] = subprocess.Popen(
            ["bash", "-c", f"exec {command}"], cwd=ROOT, env=self.env(), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop_process(self, name, sig=signal.SIGTERM, timeout=20):
        proc = self.procs.pop(name)
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=timeout)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()

    def wait_ready(self, key, timeout=60, since=0):
        deadline = time.monotonic() + timeout
        if key == "api":
            if not eventually(self._api_answers, timeout=timeout):
                raise RuntimeError(f"api not answering after {timeout}s")
            return
        pattern = READY.get(key.rstrip("0123456789"), rb"@\S+ ready\.")
        while time.monotonic() < deadline:
            with open(self.log(key), "rb") as f:
                f.seek(since)
                if re.search(pattern, f.read()):
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{key} not ready after {timeout}s")

    def restart(self, name, timeout=60):
        """Stop a component and start it again; wait until it is ready."""
        self.stop_process(name)
        mark = self.log(name).stat().st_size
        self.start_process(name)
        self.wait_ready(name, timeout, since=mark)

    def start(self, timeout=90):
        (self.state_dir / "logs").mkdir(parents=True, exist_ok=True)
        self._provision()
        self.manage("migrate", "--noinput", "-v", "0")
        self.keys = json.loads(self.manage("bootstrap").strip().splitlines()[-1])
        self.secrets = json.loads((self.state_dir / "secrets.json").read_text())
        self.import_dir.mkdir(exist_ok=True)
        self.pool_dir.mkdir(exist_ok=True)
        names = self.components or list(procfile())
        if self.supervised:
            self._start_supervisor(names)
        else:
            self.manage("broker_janitor")
            for name in names:
                self.start_process(name)
        deadline = time.monotonic() + timeout
        waiting = set(names)
        while waiting and time.monotonic() < deadline:
            for name in list(waiting):
                proc = self.supervisor if self.supervised else self.procs[name]
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited:\n{self.log(name).read_text()[-3000:]}")
                if name == "api":
                    if self._api_answers():
                        waiting.discard(name)
                elif self.log(name).exists() and re.search(READY.get(name, rb"@\S+ ready\."), self.log(name).read_bytes()):
                    waiting.discard(name)
            time.sleep(0.2)
        if waiting:
            raise RuntimeError(f"not ready after {timeout}s: {sorted(waiting)}")
        return self

    def _api_answers(self):
        try:
            return requests.get(self.endpoint, timeout=2).status_code == 401
        except requests.RequestException:
            return False

    def stop(self):
        for name in list(self.procs):
            self.stop_process(name)
        if self.supervisor is not None:
            try:
                os.killpg(self.supervisor.pid, signal.SIGTERM)  # supervisord stops every program
                self.supervisor.wait(timeout=60)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
            self._kill_leftovers()
        self._deprovision()

    # -- under supervisord -------------------------------------------------------------------
    def _start_supervisor(self, names):
        log = open(self.log("supervise"), "ab")
        self.supervisor = subprocess.Popen([sys.executable, "manage.py", "supervise", *names], cwd=ROOT, env=self.env(),
                                           stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def supervisorctl(self, *args):
        return subprocess.run([str(Path(sys.executable).parent / "supervisorctl"), "-c",
                               str(self.state_dir / "supervisord.conf"), *args], capture_output=True, text=True,
                              timeout=30).stdout.strip()

    def pid(self, name):
        """The pid of program ``name`` under the supervisor (0 while it is not running)."""
        out = self.supervisorctl("pid", name)
        return int(out) if out.isdigit() else 0

    def kill(self, name, sig=signal.SIGKILL):
        """kill -9 (by default) the program's main process, as a crash would; returns its pid."""
        pid = self.pid(name)
        assert pid, f"{name} is not running"
        os.kill(pid, sig)
        return pid

    def wait_restarted(self, name, old_pid, since, timeout=90):
        """Wait until the supervisor runs ``name`` again (a new pid) and it is ready; seconds taken."""
        began = time.monotonic()
        new = eventually(lambda: (lambda p: p if p and p != old_pid else None)(self.pid(name)), timeout=timeout)
        assert new, f"the supervisor did not restart {name} within {timeout} s"
        self.wait_ready(name, timeout=timeout, since=since)
        return time.monotonic() - began

    def _kill_leftovers(self):
        """Whatever the supervisor left (a program that ignored TERM): the platform's processes
        carry the stack's state directory in their environment."""
        marker = f"JAVELIN_STATE_DIR={self.state_dir}".encode()
        for proc_dir in Path("/proc").iterdir():
            if not proc_dir.name.isdigit():
                continue
            try:
                environ = (proc_dir / "environ").read_bytes()
            except OSError:
                continue
            if marker in environ.split(b"\0"):
                try:
                    os.kill(int(proc_dir.name), signal.SIGKILL)
                except ProcessLookupError:
                    pass

    # -- clients -------------------------------------------------------------------------
    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}/client/api"

    def client(self, keys=None, **options):
        keys = keys or self.keys
        options.setdefault("poll_interval", 0.1)
        options.setdefault("job_timeout", 120)
        return PatientCloudStack(endpoint=self.endpoint, key=keys["apikey"], secret=keys["secretkey"], **options)

    def user_keys(self, username):
        return json.loads(self.manage("apikeys", username).strip())

    def deploy_datacenter(self, description):
        path = self.state_dir / f"dc-{uuid.uuid4().hex[:6]}.json"
        path.write_text(json.dumps(description))
        return self.manage("deploy_datacenter", str(path))
