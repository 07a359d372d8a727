"""The autoscaler's decisions: policy arithmetic, scaling up at once, down one at a time after
the cool-down, never below the minimum nor above the maximum, never the platform's own."""
import pytest

from workers.autoscaler.launcher import Launcher, Worker
from workers.autoscaler.policy import Policy, parse
from workers.autoscaler.scaler import Autoscaler


def test_policy_parse_and_bounds():
    (storage, network) = parse("storage=1:4, network=0:2", drain_s=5, cooldown_s=7)
    assert (storage.component, storage.minimum, storage.maximum, storage.drain_s, storage.cooldown_s) == ("storage", 1, 4, 5, 7)
    assert (network.minimum, network.maximum) == (0, 2)
    assert parse("") == []
    for bad in ("storage", "storage=2:1", "storage=-1:2", "=1:2", "storage=0:0"):
        with pytest.raises(ValueError):
            parse(bad)


def test_desired_workers_follow_backlog_and_task_time():
    policy = Policy("storage", minimum=1, maximum=4, drain_s=10)
    assert policy.desired(0, 0.5) == 1
    assert policy.desired(20, 0.5) == 1  # one worker clears 20 half-second tasks in 10 s
    assert policy.desired(21, 0.5) == 2
    assert policy.desired(60, 0.5) == 3
    assert policy.desired(10_000, 0.5) == 4  # capped
    assert policy.desired(15, None) == 2  # unknown task time: assume a second each


class InMemoryLauncher(Launcher):
    """Workers as records: for the decisions only (the real launcher is the integration test's)."""

    def __init__(self):
        self.workers, self.stopped, self.serial = [], [], 0

    def start(self, component):
        self.serial += 1
        worker = Worker(component, str(self.serial), f"{component}-auto{self.serial}@test", started=self.serial)
        self.workers.append(worker)
        return worker

    def stop(self, worker):
        self.workers.remove(worker)
        self.stopped.append(worker)

    def running(self, component):
        return [w for w in self.workers if w.component == component]


@pytest.fixture
def scaler(db):
    state = {"backlog": 0, "base": 1, "task_s": 0.5, "now": 0.0}
    launcher = InMemoryLauncher()
    policy = Policy("storage", minimum=1, maximum=4, drain_s=10, cooldown_s=30)
    autoscaler = Autoscaler(
        [policy], launcher,
        read_queues=lambda names: {"storage": {"messages": state["backlog"], "consumers": None}},
        read_components=lambda name, ours: (state["base"], state["task_s"]),
        clock=lambda: state["now"], grace_s=0,
    )
    return autoscaler, launcher, state


def test_scales_up_at_once_and_down_one_at_a_time_after_the_cool_down(scaler):
    from apps.events.models import Event

    autoscaler, launcher, state = scaler
    assert autoscaler.tick()[1] == []  # idle: the platform's own worker is the minimum
    state["backlog"] = 60
    readings, actions = autoscaler.tick()
    assert readings[0].desired == 3 and [a[0] for a in actions] == ["up", "up"] and len(launcher.workers) == 2
    state["backlog"] = 200
    assert [a[0] for a in autoscaler.tick()[1]] == ["up"] and len(launcher.workers) == 3  # max 4 with the base one
    assert autoscaler.tick()[1] == []
    state["backlog"], state["now"] = 0, 10.0
    assert autoscaler.tick()[1] == []  # cooling down: no flapping
    state["now"] = 31.0
    assert autoscaler.tick()[1] == [("down", "storage", "storage-auto3@test")]  # the newest first
    assert autoscaler.tick()[1] == []  # and the next only after another cool-down
    state["now"] = 62.0
    autoscaler.tick()
    state["now"] = 93.0
    autoscaler.tick()
    assert launcher.workers == [] and len(launcher.stopped) == 3
    state["now"] = 200.0
    assert autoscaler.tick()[1] == []  # the base worker is never stopped
    assert Event.objects.filter(type="COMPONENT.SCALE").count() == 5


def test_a_new_autoscaler_looks_before_it_acts(db):
    launcher = InMemoryLauncher()
    now = [0.0]
    autoscaler = Autoscaler([Policy("storage", minimum=1, maximum=3)], launcher,
                            read_queues=lambda names: {"storage": {"messages": 0, "consumers": None}},
                            read_components=lambda name, ours: (0, None),  # the platform's worker has not beaten yet
                            clock=lambda: now[0], grace_s=2.0)
    assert autoscaler.tick()[1] == [] and launcher.workers == []
    now[0] = 2.5  # still nobody after two beats: now the minimum is honoured
    assert [a[0] for a in autoscaler.tick()[1]] == ["up"]
