"""The canvas builder and routing: what the Orchestration Engine sends, and where it goes."""
import pytest
from celery.canvas import _chord

from clients import compute, network, storage
from cloudstack.celery import COMPONENT_QUEUES, MESSAGE_VERSION, NewerMessage, app
from workers.orchestration import runner
from workers.orchestration.flows import FLOWS


def names(sigs):
    return [s["task"] for s in sigs]


def test_single_task_stage_links_next_stage_and_rollback():
    canvas = runner.stage_canvas("start", 7, 9, [compute.start_domain(7, 9, 3)], 0)
    assert canvas.task == "workers.compute.tasks.start_domain"
    assert canvas.kwargs == {"job_id": 7, "vm_id": 9, "v": MESSAGE_VERSION} and not canvas.args and canvas.immutable
    assert canvas.options["queue"] == "compute.3"  # the queue of the VM's host
    (then,) = canvas.options["link"]
    assert (then["task"], then["kwargs"]) == ("workers.orchestration.tasks.advance",
                                              {"flow": "start", "job_id": 7, "subject_id": 9, "stage": 1, "v": MESSAGE_VERSION})
    assert names(canvas.options["link_error"]) == ["workers.orchestration.tasks.rollback"]
    assert names(then["options"]["link_error"]) == ["workers.orchestration.tasks.rollback"]


def test_parallel_stage_is_a_chord_whose_callback_carries_the_rollback():
    canvas = runner.stage_canvas("deploy", 1, 2, [network.allocate_nic(1, 2), storage.create_root_volume(1, 2)], 0)
    assert isinstance(canvas, _chord)
    assert names(canvas.tasks) == ["workers.network.tasks.allocate_nic", "workers.storage.tasks.create_root_volume"]
    assert canvas.body["task"] == "workers.orchestration.tasks.advance"
    assert canvas.body["kwargs"] == {"flow": "deploy", "job_id": 1, "subject_id": 2, "stage": 1, "v": MESSAGE_VERSION}
    assert names(canvas.body["options"]["link_error"]) == ["workers.orchestration.tasks.rollback"]
    # header tasks carry no errback of their own: the rollback must wait for the whole header
    assert all("link_error" not in t["options"] for t in canvas.tasks)


@pytest.mark.parametrize(
    "task,queue",
    [
        ("workers.orchestration.tasks.begin_vm_job", "orchestration"),
        ("workers.network.tasks.allocate_nic", "network"),
        ("workers.storage.tasks.create_root_volume", "storage"),
        ("workers.compute.tasks.start_domain", "compute"),
        ("workers.monitor.tasks.sync_hosts", "monitor"),
    ],
)
def test_tasks_route_to_their_components_queue(task, queue):
    route = app.amqp.router.route({}, task)
    assert route["queue"].name == queue


def test_one_queue_per_component_with_late_ack():
    assert [q.name for q in app.conf.task_queues] == list(COMPONENT_QUEUES)
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1


class FakeJob:
    def __init__(self, pk, params):
        self.pk, self.params = pk, params


class FakeVm:
    pk, host_id = 5, None


@pytest.mark.parametrize(
    "startvm,expected",
    [
        (True, [["allocate_nic", "create_root_volume"], ["start_domain"]]),
        (False, [["allocate_nic", "create_root_volume"]]),
    ],
)
def test_deploy_stages(startvm, expected):
    stages = FLOWS["deploy"].stages(FakeJob(1, {"startvm": startvm}), FakeVm())
    assert [[s.task.rsplit(".", 1)[1] for s in stage] for stage in stages] == expected


def test_destroy_with_expunge_releases_after_the_guest_is_gone():
    vm = FakeVm()
    vm.host_id = 3
    stages = FLOWS["destroy"].stages(FakeJob(1, {"expunge": True}), vm)
    assert [[s.task.rsplit(".", 1)[1] for s in stage] for stage in stages] == [
        ["destroy_domain"],
        ["release_nics", "delete_volumes"],
    ]


def test_a_worker_refuses_a_message_newer_than_it_speaks():
    task = app.tasks["workers.storage.tasks.ping"]
    assert task(v=MESSAGE_VERSION) == "pong"  # its own version, taken off before the task sees it
    with pytest.raises(NewerMessage, match="newer than this worker's"):
        task(v=MESSAGE_VERSION + 1)
