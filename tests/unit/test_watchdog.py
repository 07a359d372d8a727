"""The watchdog's judgement (when a job is stalled, what it does then) and the capacity audit,
on the data service; what a re-drive sends is recorded by a stand-in client of this module."""
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils import timezone

from apps.events.models import Alert
from apps.fabric.models import Host
from apps.jobs import services as jobs
from apps.jobs.models import AsyncJob, JobStatus, StepState
from workers.monitor import audit
from workers.orchestration import watchdog
from workers.orchestration.watchdog import stall_reason

SENT = []


def record_send(job_id, *args):
    """A component client, as jobs.submit records them: here it notes what was sent."""
    SENT.append((job_id, *args))


def refuse_send(job_id, *args):
    raise ConnectionError("the broker is down")


@pytest.fixture(autouse=True)
def deadlines(settings):
    settings.STEP_DEADLINE_S = 10
    settings.STEP_HARD_DEADLINE_S = 100
    settings.REDELIVERY_GRACE_S = 5
    SENT.clear()


def step(name, state, started=None, finished=None, worker="", component="compute", pk=1):
    return SimpleNamespace(name=name, state=state, started=started, finished=finished, worker=worker,
                           component=component, pk=pk)


def test_when_a_job_is_stalled():
    now = timezone.now()
    ago = lambda s: now - timedelta(seconds=s)  # noqa: E731
    job = SimpleNamespace(created=ago(60), redriven=None)
    alive, dead = (lambda w: True), (lambda w: False)
    assert stall_reason(SimpleNamespace(created=ago(2), redriven=None), [], now, alive) is None  # just made
    assert "nothing of it happened" in stall_reason(job, [], now, alive)  # its first message never came
    assert stall_reason(job, [], now, alive).endswith("(no step of it began)")
    lost = [step("reserve", StepState.DONE, ago(40), ago(39), component="network", pk=1),
            step("start", StepState.PENDING, pk=2)]
    assert stall_reason(job, lost, now, alive) == \
        "nothing of it happened for %.0f s (its last step: reserve (network), done; next: start (compute))" \
        % settings.STEP_DEADLINE_S
    assert stall_reason(job, [step("a", StepState.DONE, ago(9), ago(3))], now, alive) is None  # moved lately
    slow = [step("copy", StepState.RUNNING, ago(50), worker="h:1:0")]
    assert stall_reason(job, slow, now, alive, 100) is None  # slow, but its process is there
    assert "is gone" in stall_reason(job, slow, now, dead, 100)
    assert stall_reason(job, [step("copy", StepState.RUNNING, ago(3), worker="h:1:0")], now, dead, 100) is None  # grace
    assert "has run for more than 100 s" in stall_reason(
        job, [step("copy", StepState.RUNNING, ago(150), worker="h:1:0")], now, alive, 100)
    rolling_back = [step("rollback", StepState.RUNNING, ago(30), worker="h:1:0")]
    assert "nothing of it happened" in stall_reason(job, rolling_back, now, alive)  # a phase, not a process


@pytest.fixture
def job(admin):
    made = jobs.create_job("createVolume", "CreateVolumeCmd", admin.user, {})
    made.dispatch = {"client": f"{__name__}.record_send", "args": [made.pk, 42]}
    AsyncJob.objects.filter(pk=made.pk).update(dispatch=made.dispatch, created=timezone.now() - timedelta(seconds=60))
    return made


def test_an_unsent_job_is_sent_when_the_broker_answers(job):
    AsyncJob.objects.filter(pk=job.pk).update(unsent=True, dispatch={"client": f"{__name__}.refuse_send", "args": [job.pk]})
    assert watchdog.watch()["sent"] == 0
    assert AsyncJob.objects.get(pk=job.pk).unsent is True  # still waiting for the broker
    AsyncJob.objects.filter(pk=job.pk).update(dispatch=job.dispatch)
    assert watchdog.watch()["sent"] == 1
    assert SENT == [(job.pk, 42)] and AsyncJob.objects.get(pk=job.pk).unsent is False


def test_a_stalled_job_is_handed_on_once_then_given_up(job):
    report = watchdog.watch()
    assert report["redriven"] == 1 and SENT == [(job.pk, 42)]
    assert watchdog.watch()["redriven"] == 0  # handed on lately: it gets its time
    AsyncJob.objects.filter(pk=job.pk).update(redriven=timezone.now() - timedelta(seconds=30))
    report = watchdog.watch()
    assert report["given_up"] == 1 and SENT == [(job.pk, 42)]
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.result_code == 534
    assert "did not finish" in job.result["errortext"] and "handed on again" in job.result["errortext"]


def test_two_watchdogs_act_once(job):
    assert watchdog._take(job, 0) is True
    assert watchdog._take(job, 0) is False  # the other one saw the same count: it loses


def test_the_capacity_audit_corrects_a_drift_it_sees_twice(cloud):
    from apps.accounts.selectors import Caller
    from apps.accounts.services import ensure_user
    from apps.compute import placement
    from tests.conftest import deploy_vm

    vm, _ = deploy_vm(Caller(ensure_user("auditor", "auditor")), cloud, "audited")
    placement.reserve_for_vm(vm)
    host = Host.objects.get(pk=vm.host_id)
    assert audit.audit() == []  # consistent: nothing to do
    Host.objects.filter(pk=host.pk).update(memory_allocated_mb=host.memory_allocated_mb + 4096)  # a leaked reservation
    assert audit.audit() == []  # seen once: it may be a change under way
    corrected = audit.audit()
    assert len(corrected) == 1 and host.name in corrected[0]
    host.refresh_from_db()
    assert host.memory_allocated_mb == 512 and host.cpu_allocated_mhz == 500
    assert Alert.objects.filter(host=host, subject__contains="corrected").exists()


def test_a_call_the_broker_refused_waits_in_the_outbox_and_is_made_later(db):
    from apps.core import bus
    from apps.core.models import OutboxMessage

    bus.keep_call(record_send, [7, "x"])
    bus.send("vm.state.running", {"id": "v"}, connection=_BrokenConnection())  # refused: kept
    assert OutboxMessage.objects.count() == 2
    assert bus.relay() == 2 and SENT == [(7, "x")]  # the call made, the event published (the embedded broker)
    assert OutboxMessage.objects.count() == 0


class _BrokenConnection:
    def Producer(self):  # noqa: N802 - kombu's name
        raise ConnectionError("the broker is down")
