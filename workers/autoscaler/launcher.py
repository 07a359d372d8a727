"""Launchers start and stop one worker process of a component somewhere.

The autoscaler speaks only this interface. :class:`LocalProcessLauncher` starts OS processes
on this machine; a launcher that boots a VM of our own cloud, or asks a container platform,
implements the same three methods.
"""
import os
import shutil
import signal
import subprocess
import sys
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

SETPRIV = shutil.which("setpriv")  # util-linux: sets the parent-death signal, then execs the worker


@dataclass
class Worker:
    component: str
    ident: str  # what the launcher knows it by (a pid here)
    node: str
    started: float = field(default_factory=time.monotonic)


class Launcher(ABC):
    @abstractmethod
    def start(self, component):
        """Start one more worker of ``component``; return its :class:`Worker`."""

    @abstractmethod
    def stop(self, worker):
        """Stop ``worker`` gracefully: it takes no new task, finishes the one it runs and hands
        back what it had prefetched. Returns at once; the worker leaves in its own time."""

    @abstractmethod
    def running(self, component):
        """The workers of ``component`` this launcher started that run and are not stopping."""

    def stop_all(self, timeout=60.0):
        """Stop every worker this launcher started and wait for them (on shutdown)."""


class LocalProcessLauncher(Launcher):
    """Celery workers as child processes of the autoscaler, on this machine, each consuming
    its component's queue with one pool process; logs in ``<state>/logs/``."""

    def __init__(self, state_dir, concurrency=1):
        self.logs = Path(state_dir) / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.concurrency = concurrency
        self._procs = {}  # pid -> (Worker, Popen)
        self._stopping = {}
        self._serial = 0

    def start(self, component):
        self._serial += 1
        node = f"{component}-auto{self._serial}@%h"
        log = open(self.logs / f"{component}-auto{self._serial}.log", "ab")
        command = [sys.executable, "-m", "celery", "-A", "cloudstack", "worker", "-Q", component, "-n", node,
                   "-c", str(self.concurrency), "--without-gossip", "--without-mingle", "-l", "info"]
        if SETPRIV:  # an autoscaler killed with -9 takes its workers with it (a warm shutdown), not orphans
            command = [SETPRIV, "--pdeathsig", "TERM", "--", *command]
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=os.environ.copy())
        log.close()
        worker = Worker(component, str(proc.pid), node)
        self._procs[proc.pid] = (worker, proc)
        return worker

    def stop(self, worker):
        pid = int(worker.ident)
        entry = self._procs.pop(pid, None)
        if entry is None:
            return
        try:
            entry[1].send_signal(signal.SIGTERM)  # Celery's warm shutdown
        except ProcessLookupError:
            return
        self._stopping[pid] = entry

    def running(self, component):
        self._reap()
        return sorted((w for w, p in self._procs.values() if w.component == component), key=lambda w: w.started)

    def stopping(self):
        self._reap()
        return [w for w, _ in self._stopping.values()]

    def _reap(self):
        for table in (self._procs, self._stopping):
            for pid, (_, proc) in list(table.items()):
                if proc.poll() is not None:
                    del table[pid]

    def stop_all(self, timeout=60.0):
        for worker, _ in list(self._procs.values()):
            self.stop(worker)
        deadline = time.monotonic() + timeout
        for _, proc in list(self._stopping.values()):
            try:
                proc.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._stopping.clear()
