"""The Service Framework's autoscaler on a real broker: a flood of slow tasks on the storage
queue grows the storage workers to the maximum; when it drains they shrink back to the
minimum; every task ran exactly once."""
import pytest

from tests.support import eventually

from .stack import Stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=["embedded", "production"])
def scaled(request, tmp_path_factory):
    platform = Stack(request.param, tmp_path_factory.mktemp(f"javelin-scale-{request.param}"),
                     components=["api", "storage", "autoscaler"],
                     extra_env={"JAVELIN_AUTOSCALE": "storage=1:3", "JAVELIN_AUTOSCALE_INTERVAL": "1",
                                "JAVELIN_AUTOSCALE_COOLDOWN": "3", "JAVELIN_AUTOSCALE_DRAIN": "3"})
    try:
        yield platform.start()
    finally:
        platform.stop()


def test_storage_workers_grow_with_the_backlog_and_shrink_when_it_drains(scaled):
    stack, cs = scaled, scaled.client()

    def storage_workers():
        return len(cs.listComponents(name="storage").get("component", []))

    eventually(lambda: storage_workers() == 1, 30, every=0.3, what="one storage worker")

    tasks = 60
    token, sent = stack.manage("drill", "storage", "--count", str(tasks), "--hold", "0.5").split()
    assert int(sent) == tasks
    log = stack.state_dir / "drills" / f"{token}.log"
    seen = []

    def all_ran():
        seen.append(storage_workers())
        return log.exists() and len(log.read_text().splitlines()) >= tasks

    eventually(all_ran, 120, every=0.5, what=f"the {tasks} drill tasks to run")
    assert max(seen) == 3  # grew to the maximum, never past it
    eventually(lambda: storage_workers() == 1, 60, every=0.5, what="back to one storage worker")  # the minimum
    # a task run twice would be one that a worker taken away handed back to the queue: a marker
    # sent now queues behind any such task, so once the marker has run, so have they
    marker, _ = stack.manage("drill", "storage", "--count", "1", "--hold", "0").split()
    marker_log = stack.state_dir / "drills" / f"{marker}.log"
    eventually(lambda: marker_log.exists() and marker_log.read_text().strip(), 30, what="the marker task to run")

    runs = [line.split() for line in log.read_text().splitlines()]
    ids = [task_id for task_id, _, _ in runs]
    assert len(ids) == tasks and len(set(ids)) == tasks  # none lost, none run twice
    assert len({node for _, _, node in runs}) >= 2  # the work was shared
    scaling = [e["description"] for e in cs.listEvents(listall="true", type="COMPONENT.SCALE")["event"]]
    assert any("storage up" in d for d in scaling) and any("storage down" in d for d in scaling)
    print(f"\n{stack.kind}: storage workers over time: {seen}")
