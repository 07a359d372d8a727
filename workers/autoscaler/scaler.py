"""The autoscaler loop: every few seconds, for each component with a policy, read its queue's
backlog from the broker and its live processes and task run time from service discovery,
then start workers at once when more are needed, and stop the ones it started, one at a
time and only after the cool-down, when fewer are.

Processes it did not start (the platform's own, from the Procfile) count toward the minimum
and are never stopped by it. Every change is logged, recorded as an event
(``COMPONENT.SCALE``) and published on the bus (``component.scale.<up|down>``).
"""
import logging
import socket
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections

from apps.components.queues import queue_stats
from apps.components.services import live
from apps.core import bus
from apps.events.services import record_event

log = logging.getLogger(__name__)


@dataclass
class Reading:
    component: str
    backlog: int
    consumers: int | None
    processes: int
    task_s: float | None
    desired: int


class Autoscaler:
    def __init__(self, policies, launcher, read_queues=None, read_components=None, clock=time.monotonic, grace_s=None):
        self.policies = {p.component: p for p in policies}
        self.launcher = launcher
        self._read_queues = read_queues or _queues_from_broker
        self._read_components = read_components or _components_from_discovery
        self.clock = clock
        self.changed = {name: -float("inf") for name in self.policies}
        # Discovery knows who is alive once each process has had time to beat: until then the
        # autoscaler only looks, or it would start workers for processes still starting.
        if grace_s is None:

            grace_s = 2 * settings.COMPONENT_HEARTBEAT_S
        self.acting_from = clock() + grace_s

    def tick(self):
        """One look at every component; returns its readings and what was done."""
        close_old_connections()
        queues = self._read_queues(list(self.policies))
        actions = []
        readings = []
        for name, policy in self.policies.items():
            ours = self.launcher.running(name)
            ours_ids = {w.ident for w in ours}
            others, task_s = self._read_components(name, ours_ids)
            processes = others + len(ours)
            stats = queues.get(name, {"messages": 0, "consumers": None})
            reading = Reading(name, stats["messages"], stats["consumers"], processes, task_s,
                              policy.desired(stats["messages"], task_s))
            readings.append(reading)
            if self.clock() < self.acting_from:
                continue
            if reading.desired > processes:
                for _ in range(reading.desired - processes):
                    worker = self.launcher.start(name)
                    actions.append(("up", name, worker.node))
                self.changed[name] = self.clock()
                self._announce("up", reading, reading.desired)
            elif reading.desired < processes and ours and self.clock() - self.changed[name] >= policy.cooldown_s:
                self.launcher.stop(ours[-1])  # the newest one it started
                actions.append(("down", name, ours[-1].node))
                self.changed[name] = self.clock()
                self._announce("down", reading, processes - 1)
        return readings, actions

    def _announce(self, direction, reading, to):
        text = (f"Scaled {reading.component} {direction} from {reading.processes} to {to} worker(s): "
                f"{reading.backlog} message(s) waiting, tasks take {reading.task_s or 0:.3f}s")
        log.info(text)
        record_event("COMPONENT.SCALE", text)
        bus.send(f"component.scale.{direction}", {"component": reading.component, "from": reading.processes, "to": to,
                                                  "backlog": reading.backlog})

    def run(self, interval_s, stop):
        while not stop.is_set():
            try:
                readings, _ = self.tick()
                for r in readings:
                    log.debug("%s: backlog %s, %s process(es), task %.3fs -> %s", r.component, r.backlog, r.processes,
                              r.task_s or 0, r.desired)
            except Exception:  # noqa: BLE001 - a broker or database hiccup is retried at the next tick
                log.exception("autoscaler tick failed")
            stop.wait(interval_s)


def _queues_from_broker(names):
    return queue_stats(names)


def _components_from_discovery(name, launched_ids):
    """(live processes of ``name`` the launcher did not start, their mean task run time)."""
    rows = list(live().filter(name=name).values_list("host", "pid", "task_seconds"))
    here = socket.gethostname()
    others = [r for r in rows if not (r[0] == here and str(r[1]) in launched_ids)]
    times = [t for _, _, t in rows if t is not None]
    return len(others), (sum(times) / len(times) if times else None)
