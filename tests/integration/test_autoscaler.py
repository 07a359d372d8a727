"""The Service Framework's autoscaler on a real broker: a flood of slow tasks on the storage
queue grows the storage workers to the maximum; when it drains they shrink back to the
minimum; every task ran exactly once."""
import time

import pytest

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

    deadline = time.monotonic() + 30
    while storage_workers() != 1 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert storage_workers() == 1

    tasks = 60
    token, sent = stack.manage("drill", "storage", "--count", str(tasks), "--hold", "0.5").split()
    assert int(sent) == tasks
    log = stack.state_dir / "drills" / f"{token}.log"
    seen, deadline = [], time.monotonic() + 120
    while time.monotonic() < deadline:
        seen.append(storage_workers())
        if log.exists() and len(log.read_text().splitlines()) >= tasks:
            break
        time.sleep(0.5)
    assert max(seen) == 3  # grew to the maximum, never past it

    deadline = time.monotonic() + 60
    while storage_workers() != 1 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert storage_workers() == 1  # and back to the minimum
    time.sleep(2)  # anything run twice would show up by now

    runs = [line.split() for line in log.read_text().splitlines()]
    ids = [task_id for task_id, _, _ in runs]
    assert len(ids) == tasks and len(set(ids)) == tasks  # none lost, none run twice
    assert len({node for _, _, node in runs}) >= 2  # the work was shared
    scaling = [e["description"] for e in cs.listEvents(listall="true", type="COMPONENT.SCALE")["event"]]
    assert any("storage up" in d for d in scaling) and any("storage down" in d for d in scaling)
    print(f"\n{stack.kind}: storage workers over time: {seen}")
