"""Scaling policy: per component, a minimum and a maximum of worker processes, how fast a
backlog should drain, and how long to wait before shrinking again (so it does not flap)."""
import math
from dataclasses import dataclass

DEFAULT_TASK_S = 1.0  # until the workers have reported their tasks' run time


@dataclass(frozen=True)
class Policy:
    component: str
    minimum: int = 1
    maximum: int = 4
    drain_s: float = 10.0  # aim to clear the backlog within this long
    cooldown_s: float = 30.0  # no shrinking sooner than this after a change
    concurrency: int = 1  # tasks one worker runs at once

    def desired(self, backlog, task_s):
        """Workers needed to clear ``backlog`` messages of ``task_s`` seconds each within
        ``drain_s``, between the minimum and the maximum."""
        if backlog <= 0:
            return self.minimum
        per_worker = self.concurrency * self.drain_s / max(task_s or DEFAULT_TASK_S, 0.001)
        return max(self.minimum, min(self.maximum, math.ceil(backlog / per_worker)))


def parse(text, drain_s=10.0, cooldown_s=30.0):
    """``"storage=1:4,network=1:2"`` -> policies. Raises ValueError on a bad entry."""
    policies = []
    for entry in filter(None, (part.strip() for part in text.split(","))):
        component, _, bounds = entry.partition("=")
        low, _, high = bounds.partition(":")
        minimum, maximum = int(low), int(high)
        if not component or minimum < 0 or maximum < max(minimum, 1):
            raise ValueError(f"bad autoscale entry {entry!r}: want component=min:max with 0 <= min <= max, max >= 1")
        policies.append(Policy(component.strip(), minimum, maximum, drain_s, cooldown_s))
    return policies
