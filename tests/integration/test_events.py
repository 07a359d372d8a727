"""Events on the topic exchange reach one component or all of them, on both brokers."""
import subprocess
import uuid

import pytest
from kombu import Connection

from apps.core import bus as events
from cloudstack.broker import Transport  # noqa: F401  (registers fsatomic://)

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
