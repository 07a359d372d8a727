"""A deploy whose guest cannot start is undone completely: no NIC, no volume, no capacity.

The component tasks run here in-process, in the order the canvas would run them; the
same flow over real brokers and processes is in tests/integration.
"""
import os

import pytest

from apps.compute.states import VmState
from apps.core.errors import ResourceUnavailable
from apps.fabric.models import Host, StoragePool
from apps.jobs.models import JobStatus
from apps.network.models import Nic
from apps.storage.models import Volume
from tests.conftest import deploy_vm
from workers.compute import tasks as compute_tasks
from workers.network import tasks as network_tasks
from workers.orchestration import runner
from workers.orchestration.flows import FLOWS
from workers.storage import tasks as storage_tasks


@pytest.fixture
def deployed(cloud, admin):
    vm, job = deploy_vm(admin, cloud, "rb")
    FLOWS["deploy"].prepare(job, vm)
    network_tasks.allocate_nic(job.pk, vm.pk)
    storage_tasks.create_root_volume(job.pk, vm.pk)
    vm.refresh_from_db()
    return vm, job


def test_steps_made_real_things(deployed):
    vm, _ = deployed
    volume = Volume.objects.get(vm=vm)
    assert os.path.exists(volume.path) and os.path.getsize(volume.path) == vm.template.size_bytes
    assert Nic.objects.filter(vm=vm).count() == 1
    assert Host.objects.get(pk=vm.host_id).memory_allocated_mb == 512


def test_failed_start_rolls_everything_back(deployed, fake_hypervisor):
    vm, job = deployed
    fake_hypervisor.inject_failure(vm.host.url, "connect", "no route to host")
    with pytest.raises(ResourceUnavailable):
        compute_tasks.start_domain(job.pk, vm.pk)
    path = Volume.objects.get(vm=vm).path

    undo = [sig.task.rsplit(".", 1)[1] for sig in FLOWS["deploy"].compensations(job, vm)]
    assert undo == ["release_nics", "delete_volumes", "destroy_domain"]
    network_tasks.release_nics(job.pk, vm.pk)
    storage_tasks.delete_volumes(job.pk, vm.pk)
    with pytest.raises(ResourceUnavailable):  # the host is unreachable: nothing there to remove
        compute_tasks.destroy_domain(job.pk, vm.pk)
    runner.rolled_back("deploy", job.pk, vm.pk)

    vm.refresh_from_db()
    job.refresh_from_db()
    assert vm.state == VmState.ERROR and vm.host_id is None
    assert Nic.objects.filter(vm=vm).count() == 0
    assert not Volume.objects.filter(vm=vm, removed__isnull=True).exists()
    assert not os.path.exists(path)
    assert set(Host.objects.values_list("memory_allocated_mb", "cpu_allocated_mhz")) == {(0, 0)}
    assert StoragePool.objects.get().allocated_bytes == 0
    assert job.status == JobStatus.FAILED and job.result_code == 534
    assert "Unable to connect to the hypervisor" in job.result["errortext"] and "no route to host" in job.result["errortext"]


def test_steps_are_idempotent(deployed):
    vm, job = deployed
    nic, volume = Nic.objects.get(vm=vm), Volume.objects.get(vm=vm)
    network_tasks.allocate_nic(job.pk, vm.pk)  # redelivered
    storage_tasks.create_root_volume(job.pk, vm.pk)
    assert list(Nic.objects.filter(vm=vm)) == [nic] and Nic.objects.get(vm=vm).ip_address == nic.ip_address
    assert list(Volume.objects.filter(vm=vm)) == [volume] and Volume.objects.get(vm=vm).path == volume.path


def test_twin_starts_of_one_guest_both_succeed_and_leave_it_running(sim_dir):
    """A start handed on again by the watchdog can run while the first one still does: neither
    may fail, nor undefine the guest the other started (that failure used to roll back a deploy
    that had succeeded, destroying the guest of a VM left Running)."""
    import threading
    import uuid

    import libvirt

    from workers.compute.drivers import DomainSpec, SimulatorDriver

    driver = SimulatorDriver("test:///default")
    spec = DomainSpec(name=f"i-twin-{uuid.uuid4().hex[:6]}", uuid=str(uuid.uuid4()), vcpus=1, memory_mb=64)
    errors, go = [], threading.Barrier(8)

    def start():
        go.wait()
        try:
            driver.start(spec)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert driver.conn.lookupByName(spec.name).isActive()
        assert driver.conn.lookupByName(spec.name).isPersistent()  # still defined, as a started guest is
    finally:
        driver.destroy(spec.name)
    assert spec.name not in [d.name() for d in driver.conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)]


def test_a_job_ends_one_way_finish_or_rollback(deployed):
    from apps.jobs import services as jobs

    _, job = deployed
    assert jobs.claim_end(job.pk, "finish")
    assert not jobs.claim_end(job.pk, "rollback")  # a twin's late failure does not undo a finish under way
    assert not jobs.claim_end(job.pk, "finish")
    jobs.step_failed(job.pk, "finish", ResourceUnavailable("the finish failed"))
    assert jobs.claim_end(job.pk, "rollback")  # a failed finish ends in the rollback
    assert not jobs.claim_end(job.pk, "rollback")


def test_a_rolled_back_or_ended_job_does_not_finish(deployed, cloud, admin):
    from apps.jobs import services as jobs

    _, job = deployed
    assert jobs.claim_end(job.pk, "rollback")
    assert not jobs.claim_end(job.pk, "finish")
    _, other = deploy_vm(admin, cloud, "ended")
    jobs.succeed(other.pk, {})
    assert not jobs.claim_end(other.pk, "rollback") and not jobs.claim_end(other.pk, "finish")


def test_the_finish_of_a_rolled_back_deploy_changes_nothing(deployed):
    vm, job = deployed
    compute_tasks.start_domain(job.pk, vm.pk)
    runner.rollback("deploy", job.pk, vm.pk)  # (its chord runs nowhere here: the claim is what counts)
    runner._finish(FLOWS["deploy"], job.pk, vm.pk)
    vm.refresh_from_db()
    assert vm.state == VmState.STARTING  # the rollback's abort, not the finish, moves it on


def test_a_job_whose_finish_ended_but_not_the_job_is_given_up_as_succeeded(deployed):
    """kill -9 between a finish's end and the job's: the watchdog completes the job, it does not
    roll back a VM that runs (that took its guest and its capacity)."""
    from apps.jobs import services as jobs
    from workers.orchestration import watchdog

    vm, job = deployed
    compute_tasks.start_domain(job.pk, vm.pk)
    assert jobs.claim_end(job.pk, "finish")
    FLOWS["deploy"].finish(job, vm)
    jobs.step_done(job.pk, "finish")  # ...and the process dies before jobs.succeed
    job.refresh_from_db()
    watchdog.give_up(job, "its process is gone")
    vm.refresh_from_db()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and vm.state == VmState.RUNNING
    assert Host.objects.get(pk=vm.host_id).memory_allocated_mb == 512
    assert Nic.objects.filter(vm=vm).count() == 1
