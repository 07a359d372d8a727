"""The fsatomic:// transport on real files: order, atomic claims, pruning."""
import threading

from kombu import Connection

from cloudstack.broker import prune_transient_bindings


def connect(tmp_path):
    folders = {k: str(tmp_path / k) for k in ("data", "control", "processing")}
    return Connection("fsatomic://", transport_options={
        "data_folder_in": folders["data"], "data_folder_out": folders["data"],
        "control_folder": folders["control"], "processed_folder": folders["processing"]})


def test_one_publishers_messages_come_out_in_order(tmp_path):
    with connect(tmp_path) as conn:
        queue = conn.SimpleQueue("ordered")
        for i in range(300):
            queue.put({"n": i})
        got = [queue.get(timeout=1).payload["n"] for _ in range(300)]
        assert got == list(range(300))
        queue.close()


def test_competing_consumers_take_each_message_once(tmp_path):
    with connect(tmp_path) as conn:
        producer = conn.SimpleQueue("shared")
        for i in range(400):
            producer.put({"n": i})
    seen, lock = [], threading.Lock()

    def consume():
        with connect(tmp_path) as conn:
            queue = conn.SimpleQueue("shared")
            while True:
                try:
                    message = queue.get(timeout=0.5)
                except queue.Empty:
                    return
                with lock:
                    seen.append(message.payload["n"])
                message.ack()

    threads = [threading.Thread(target=consume) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == list(range(400))  # none lost, none twice
    assert not list((tmp_path / "data").iterdir())  # no file, partial or whole, left behind


def test_prune_drops_dead_consumers_bindings_and_messages(tmp_path):
    control, data = tmp_path / "control", tmp_path / "data"
    control.mkdir()
    data.mkdir()
    (control / "celeryev.exchange").write_text('[["worker.#", "", "celeryev.1234"], ["#", "", "javelin.events.monitor"]]')
    (data / "0001_x.celeryev.1234.msg").write_text("{}")
    (data / "0002_y.compute.msg").write_text("{}")
    assert prune_transient_bindings(control, data) == (1, 1)
    assert "javelin.events.monitor" in (control / "celeryev.exchange").read_text()
    assert [p.name for p in data.iterdir()] == ["0002_y.compute.msg"]


CLAIM_AND_DIE = """
import os, sys
sys.path.insert(0, {root!r})
from tests.unit.test_broker import connect
from pathlib import Path
with connect(Path({tmp!r})) as conn:
    message = conn.SimpleQueue("work").get(timeout=5)
    print(message.payload["n"], flush=True)
    os._exit(0)  # as kill -9 would: no ack, no goodbye
"""


def test_a_message_claimed_by_a_consumer_that_dies_goes_back_to_its_queue(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[2])
    with connect(tmp_path) as conn:
        queue = conn.SimpleQueue("work")
        queue.put({"n": 1})
        queue.put({"n": 2})
        taken = subprocess.run([sys.executable, "-c", CLAIM_AND_DIE.format(root=root, tmp=str(tmp_path))],
                               capture_output=True, text=True, timeout=60, check=True).stdout.strip()
        assert taken == "1"
        assert len(list((tmp_path / "processing").iterdir())) == 1  # its claim outlived it
        got = []
        for _ in range(2):
            message = queue.get(timeout=10)  # a live consumer gives the dead one's claim back first
            got.append(message.payload["n"])
            message.ack()
        assert sorted(got) == [1, 2]
        assert not list((tmp_path / "processing").iterdir()) and not list((tmp_path / "data").iterdir())
        queue.close()


def test_acknowledged_and_rejected_messages_leave_no_claim(tmp_path):
    with connect(tmp_path) as conn:
        queue = conn.SimpleQueue("acks")
        queue.put({"n": 1})
        queue.put({"n": 2})
        first = queue.get(timeout=1)
        assert len(list((tmp_path / "processing").iterdir())) == 1  # held until acknowledged
        first.ack()
        second = queue.get(timeout=1)
        second.reject(requeue=True)
        again = queue.get(timeout=1)
        assert again.payload["n"] == 2
        again.ack()
        assert not list((tmp_path / "processing").iterdir())
        queue.close()
