"""Start the platform as real processes, from the Procfile, on one of its two stacks.

``embedded``: SQLite + fsatomic:// + django-db results, in a fresh state directory.
``production``: a fresh PostgreSQL database, a fresh RabbitMQ vhost and a Redis database
on the servers of this machine (127.0.0.1), exactly as ``make run`` would use them with
DATABASE_URL / CELERY_BROKER_URL / CELERY_RESULT_BACKEND set.
"""
import json
import os
import re
import signal
import socket
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

ROOT = Path(__file__).resolve().parents[2]
PG = "postgres://postgres@127.0.0.1:5432/{}"
READY = {"beat": rb"beat: Starting", "flower": rb"Visit me at"}  # what a process logs when it is up (workers: "<name>@<host> ready.")


def eventually(check, timeout=20, every=0.2):
    """Call ``check`` until it returns something true (returned) or ``timeout`` passes (None)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() >= deadline:
            return value or None
        time.sleep(every)


def wait_for_template(cs, template_id, timeout=30):
    """The template once its download ended (ready, or failed with its reason)."""
    def ended():
        (template,) = cs.listTemplates(templatefilter="self", id=template_id)["template"]
        return template if template["isready"] or template["status"].startswith("Download failed") else None

    template = eventually(ended, timeout=timeout, every=0.3)
    if template is None:
        raise AssertionError(f"template {template_id} still downloading after {timeout} s")
    return template


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Serving:
    def __init__(self, port, handler):
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.server

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def procfile(path=ROOT / "Procfile"):
    entries = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, command = line.partition(":")
            entries[name.strip()] = command.strip()
    return entries


def _rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


class Stack:
    def __init__(self, kind, state_dir, components=None, extra_env=None):
        self.kind = kind
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
        return 1 + int(self.name[-4:], 16) % 15

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
        self.manage("broker_janitor")
        names = self.components or list(procfile())
        for name in names:
            self.start_process(name)
        deadline = time.monotonic() + timeout
        waiting = set(names)
        while waiting and time.monotonic() < deadline:
            for name in list(waiting):
                if self.procs[name].poll() is not None:
                    raise RuntimeError(f"{name} exited:\n{self.log(name).read_text()[-3000:]}")
                if name == "api":
                    if self._api_answers():
                        waiting.discard(name)
                elif re.search(READY.get(name, rb"@\S+ ready\."), self.log(name).read_bytes()):
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
        self._deprovision()

    # -- clients -------------------------------------------------------------------------
    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}/client/api"

    def client(self, keys=None, **options):
        keys = keys or self.keys
        options.setdefault("poll_interval", 0.1)
        options.setdefault("job_timeout", 120)
        return CloudStack(endpoint=self.endpoint, key=keys["apikey"], secret=keys["secretkey"], **options)

    def user_keys(self, username):
        return json.loads(self.manage("apikeys", username).strip())

    def deploy_datacenter(self, description):
        path = self.state_dir / f"dc-{uuid.uuid4().hex[:6]}.json"
        path.write_text(json.dumps(description))
        return self.manage("deploy_datacenter", str(path))
