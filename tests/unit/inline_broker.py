"""An in-memory broker for unit tests: what the platform sends (tasks by name, signatures,
chords, groups) is queued here instead of on a transport, and :meth:`InlineBroker.run`
delivers it in order, in this process, with the semantics of Celery's canvas that the
Orchestration Engine relies on:

* a task that succeeds sends its ``link`` callbacks; one that raises sends its ``link_error``
  errbacks (called with their own arguments: ours are immutable signatures);
* a chord runs its header, then sends its body if every header task succeeded, else the
  body's errbacks (never while a header task still runs).

Each delivery runs as a transaction commits: what it leaves to ``transaction.on_commit`` (a
job handed to its component, an outbox message) is sent when it returns.
"""
import importlib
from collections import deque

from celery import canvas
from django.test import TestCase

from cloudstack.celery import app


class InlineBroker:
    def __init__(self):
        self.queue = deque()
        self.delivered = []  # task names, in the order they ran
        self.failed = []  # (task name, exception)

    # --- sending (patched over Celery's) -----------------------------------------------------
    def send_task(self, name, args=None, kwargs=None, link=None, link_error=None, **_options):
        self.queue.append(("task", name, tuple(args or ()), dict(kwargs or {}), list(link or ()), list(link_error or ())))

    def send_signature(self, sig, args=None, kwargs=None, **_options):
        self.queue.append(("task", sig["task"], tuple(sig.get("args") or ()), dict(sig.get("kwargs") or {}),
                           list(sig["options"].get("link") or ()), list(sig["options"].get("link_error") or ())))

    def send_chord(self, chord, *_args, **_kwargs):
        self.queue.append(("chord", list(chord.tasks), chord.body))

    def send_group(self, group, *_args, **_kwargs):
        for sig in group.tasks:
            self.send_signature(canvas.Signature(sig))

    def committing(self):
        """A context in which the test's own calls commit (their on_commit callbacks run at its end)."""
        return TestCase.captureOnCommitCallbacks(execute=True)

    # --- delivering --------------------------------------------------------------------------
    def run(self, most=1000):
        """Deliver everything queued, and what that sends, until nothing is left."""
        for _ in range(most):
            if not self.queue:
                return self
            item = self.queue.popleft()
            if item[0] == "chord":
                self._chord(*item[1:])
            else:
                self._deliver(*item[1:])
        raise AssertionError(f"still {len(self.queue)} messages after {most} deliveries: a loop?")

    def _deliver(self, name, args, kwargs, links, errbacks):
        self.delivered.append(name)
        try:
            with self.committing():
                app.tasks[name](*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a failed task is what its errbacks are for
            self.failed.append((name, exc))
            for errback in errbacks:
                self.send_signature(canvas.Signature(errback))
            return False
        for link in links:
            self.send_signature(canvas.Signature(link))
        return True

    def _chord(self, header, body):
        results = [self._deliver(s["task"], tuple(s.get("args") or ()), dict(s.get("kwargs") or {}), [], [])
                   for s in map(canvas.Signature, header)]
        body = canvas.Signature(body)
        if all(results):
            self.send_signature(body)
        else:
            for errback in body["options"].get("link_error") or ():
                self.send_signature(canvas.Signature(errback))

    def names(self):
        """The short names (``start_domain``) of the tasks delivered, in order."""
        return [name.rsplit(".", 1)[1] for name in self.delivered]


COMPONENTS = ("orchestration", "compute", "network", "storage", "monitor")


def install(monkeypatch):
    for component in COMPONENTS:  # their tasks registered, as each worker has them
        importlib.import_module(f"workers.{component}.tasks")
    broker = InlineBroker()
    monkeypatch.setattr(app, "send_task", broker.send_task)
    # functions, so that each is called with the signature it was called on
    monkeypatch.setattr(canvas.Signature, "apply_async", lambda sig, *a, **k: broker.send_signature(sig))
    monkeypatch.setattr(canvas._chord, "apply_async", lambda chord, *a, **k: broker.send_chord(chord))
    monkeypatch.setattr(canvas.group, "apply_async", lambda group, *a, **k: broker.send_group(group))
    return broker
