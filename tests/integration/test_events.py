"""Events on the topic exchange reach one component or all of them, on both brokers."""
import json
import subprocess
import threading
import uuid

import pytest
import requests
from kombu import Connection

from apps.core import bus as events
from cloudstack.broker import Transport  # noqa: F401  (registers fsatomic://)
from tests.support import eventually

pytestmark = pytest.mark.integration


@pytest.fixture(params=["fsatomic", "amqp"])
def connection(request, tmp_path):
    if request.param == "fsatomic":
        folders = {name: str(tmp_path / name) for name in ("data", "control", "processing")}
        options = {"data_folder_in": folders["data"], "data_folder_out": folders["data"],
                   "control_folder": folders["control"], "processed_folder": folders["processing"]}
        with Connection("fsatomic://", transport_options=options) as conn:
            yield conn
        return
    vhost = f"jvev_{uuid.uuid4().hex[:8]}"
    subprocess.run(["rabbitmqctl", "add_vhost", vhost], check=True, capture_output=True)
    subprocess.run(["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"], check=True, capture_output=True)
    try:
        with Connection(f"amqp://guest:guest@127.0.0.1:5672/{vhost}") as conn:
            yield conn
    finally:
        subprocess.run(["rabbitmqctl", "delete_vhost", vhost], check=True, capture_output=True)


def drain(queue):
    got = []
    while True:
        try:
            message = queue.get(timeout=0.5)
        except queue.Empty:
            return got
        got.append(message.payload["event"])
        message.ack()


def test_broadcast_and_unicast(connection):
    compute = events.subscribe("compute", ["vm.#", "compute.#"], connection)
    network = events.subscribe("network", ["vm.#", "network.#"], connection)
    storage = events.subscribe("storage", ["volume.#"], connection)

    for key in ("vm.state.running", "network.ip.released", "volume.state.ready", "host.state.down"):
        events.send(key, {"id": "x"}, connection=connection)

    assert drain(compute) == ["vm.state.running"]
    assert drain(network) == ["vm.state.running", "network.ip.released"]
    assert drain(storage) == ["volume.state.ready"]
    for q in (compute, network, storage):
        q.close()


def test_processes_of_one_component_share_its_queue(connection):
    first = events.subscribe("monitor", ["host.#"], connection)
    second = events.subscribe("monitor", ["host.#"], connection)
    for i in range(6):
        events.send(f"host.state.up{i}", {}, connection=connection)
    got = drain(first) + drain(second)
    assert sorted(got) == [f"host.state.up{i}" for i in range(6)]  # each event once, not once per consumer
    first.close()
    second.close()


# --- the platform's own events ------------------------------------------------------------
def _sse(stack, keys, into, stop):
    """Collect the frames of /api/v1/events/stream for ``keys`` into ``into`` until ``stop``."""
    headers = {"Authorization": f"ApiKey {keys['apikey']}:{keys['secretkey']}", "Accept": "text/event-stream"}
    base = stack.endpoint.removesuffix("/client/api")
    with requests.get(f"{base}/api/v1/events/stream", headers=headers, stream=True, timeout=(5, 2)) as response:
        into.append(("status", {"code": response.status_code, "type": response.headers.get("Content-Type")}))
        frame = {}
        lines = response.iter_lines(decode_unicode=True)
        while not stop.is_set():
            try:
                line = next(lines)
            except requests.exceptions.ConnectionError:  # read timeout: nothing new, look at stop again
                lines = response.iter_lines(decode_unicode=True)
                continue
            except StopIteration:
                return
            if line == "" and "data" in frame:
                into.append((frame["event"], json.loads(frame["data"])))
                frame = {}
            elif ": " in line and not line.startswith(":"):
                name, _, value = line.partition(": ")
                frame[name] = value


@pytest.mark.smoke
def test_state_changes_are_published_once_and_streamed_to_whoever_may_see_them(stack, cs, catalog):
    user_keys = stack.user_keys("streamer")
    user = stack.client(keys=user_keys, fetch_result=True)
    bus_log = stack.log("bus-audit")
    stack.spawn("bus-audit", "python manage.py events 'vm.state.#' 'job.state.#' --component audit --timeout 120")
    eventually(lambda: bus_log.exists() and b"listening" in bus_log.read_bytes(), 30, every=0.1, what="the bus audit to listen")
    stop = threading.Event()
    seen_by_user, seen_by_admin = [], []
    readers = [threading.Thread(target=_sse, args=(stack, keys, into, stop), daemon=True)
               for keys, into in ((user_keys, seen_by_user), (stack.keys, seen_by_admin))]
    for reader in readers:
        reader.start()
    # each stream starts after the newest event when it answers (its status frame): let both answer first
    eventually(lambda: seen_by_user and seen_by_admin, 30, every=0.1, what="both event streams to answer")

    vm = user.deployVirtualMachine(name="streamed", **catalog)["virtualmachine"]
    user.stopVirtualMachine(id=vm["id"])
    other = cs.deployVirtualMachine(name="not-for-the-user", **catalog)["virtualmachine"]

    def stream_has(frames, vm_id, event_type, state="Completed"):
        return any(kind == event_type and d.get("resourceid") == vm_id and d["state"] == state
                   for kind, d in frames if kind != "status")

    eventually(lambda: stream_has(seen_by_user, vm["id"], "VM.STOP") and stream_has(seen_by_admin, other["id"], "VM.START"),
               30, what="the VMs' events on the streams")
    # a stream delivers in event order: once the user's shows an event newer than the other VM's, it would
    # have shown those by then
    user.createSecurityGroup(name="stream-marker")
    eventually(lambda: any(kind == "SG.CREATE" for kind, _ in seen_by_user), 30, what="the marker on the user's stream")

    def published():
        return [json.loads(line) for line in bus_log.read_text().splitlines() if line.startswith("{")]

    eventually(lambda: sum(e.get("instanceid") == vm["id"] and e["event"] == "job.state.succeeded" for e in published()) == 2
               and any(e.get("id") == vm["id"] and e["event"] == "vm.state.stopped" for e in published()),
               30, what="the VM's state changes and jobs on the bus")
    stop.set()
    stack.stop_process("bus-audit")

    assert seen_by_user[0] == ("status", {"code": 200, "type": "text/event-stream"})
    user_frames = [d for kind, d in seen_by_user[1:]]
    assert user_frames and all(d["account"] == "streamer" for d in user_frames)
    assert stream_has(seen_by_user, vm["id"], "VM.START") and stream_has(seen_by_user, vm["id"], "VM.STOP")
    assert stream_has(seen_by_user, vm["id"], "VM.STOP", state="Started")  # Stopping, then Stopped
    assert not any(d.get("resourceid") == other["id"] for d in user_frames)
    assert stream_has(seen_by_admin, vm["id"], "VM.STOP") and stream_has(seen_by_admin, other["id"], "VM.START")

    mine = [e["event"] for e in published() if e.get("id") == vm["id"]]
    assert mine == ["vm.state.starting", "vm.state.running", "vm.state.stopping", "vm.state.stopped"]
    jobs = [e for e in published() if e.get("resource") == "job" and e.get("instanceid") == vm["id"]]
    assert sorted(e["event"] for e in jobs) == ["job.state.pending", "job.state.pending",
                                                "job.state.succeeded", "job.state.succeeded"]
