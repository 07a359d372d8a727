"""Every flow of the Orchestration Engine, run whole: its use case submits the job, the
in-memory broker delivers what the runner and the component steps send (tests/unit/inline_broker.py),
the guests live on the fake hypervisor. Each flow once as it should go, and once failing at a
real part, to see its compensations give back everything.
"""
import hashlib
import json
import os

import pytest
from django.conf import settings

from apps.catalog import services as catalog
from apps.catalog.models import DiskOffering, OsType, ServiceOffering, Template, TemplateCopy
from apps.cloud import datacenter
from apps.compute import services as compute
from apps.compute.models import VirtualMachine
from apps.compute.states import VmState
from apps.core.registry import JobKind
from apps.fabric import services as fabric
from apps.fabric.models import Host, ResourceState, StoragePool, Zone
from apps.jobs.models import AsyncJob, JobStatus
from apps.jobs.services import start_job
from apps.network import services as network
from apps.network.models import Nic
from apps.storage import services as storage
from apps.storage.models import Snapshot, SnapshotState, Volume
from clients.orchestration import FLOWS as COMMAND_FLOWS
from tests.conftest import small_datacenter
from workers.compute.drivers import fake
from workers.orchestration.flows import FLOWS

GIB = 1024**3


def kind(command):
    return JobKind(command, f"org.apache.cloudstack.api.command.user.test.{command}Cmd")


def run(broker, caller, command, use_case):
    """``use_case(job)`` as the API runs it for ``command``, then every message it leads to."""
    with broker.committing():
        job = start_job(kind(command), caller, {})
        use_case(job)
    broker.run()
    return AsyncJob.objects.get(pk=job.pk)


def guest(vm):
    vm = VirtualMachine.objects.select_related("host").get(pk=vm.pk)
    return fake.HOSTS[vm.host.url].guests.get(vm.instance_name) if vm.host_id else None


def ok(job):
    assert (job.status, job.result_code) == (JobStatus.SUCCEEDED, 0), job.result
    return job.result


def failed(job, code=None):
    assert job.status == JobStatus.FAILED, job.result
    if code is not None:
        assert job.result_code == code, job.result
    return job.result["errortext"]


def allocated():
    return sorted(Host.objects.values_list("name", "memory_allocated_mb"))


@pytest.fixture
def running(cloud, admin, broker):
    def deploy(name):
        made = {}
        job = run(broker, admin, "deployVirtualMachine", lambda j: made.setdefault(
            "vm", compute.deploy(j, cloud["zone"], cloud["offering"], cloud["template"], name=name)))
        ok(job)
        return VirtualMachine.objects.get(pk=made["vm"].pk)
    return deploy


def plan(guest_network):
    """The network's data plane as the record-only driver was last told it."""
    return json.loads((settings.STATE_DIR / "network" / f"network-{guest_network.pk}.json").read_text())


# --- VMs ------------------------------------------------------------------------------------
def test_deploy_places_then_makes_nic_and_volume_then_boots(running, broker):
    vm = running("d1")
    assert broker.names()[:5] == ["begin_job", "allocate_nic", "create_root_volume", "advance", "start_domain"]
    assert vm.state == VmState.RUNNING and vm.host_id is not None
    (nic,) = Nic.objects.filter(vm=vm)
    (volume,) = Volume.objects.filter(vm=vm)
    assert os.path.exists(volume.path)
    assert [d.path for d in guest(vm).disks.values()] == [volume.path] and list(guest(vm).interfaces) == [nic.mac_address]
    assert any(m["mac"] == nic.mac_address for m in plan(vm.network)["members"])


def test_a_deploy_whose_guest_cannot_boot_gives_everything_back(cloud, admin, broker, fake_hypervisor):
    for host in Host.objects.all():
        fake_hypervisor.inject_failure(host.url, "start", "out of PCI slots")
    made = {}
    job = run(broker, admin, "deployVirtualMachine", lambda j: made.setdefault(
        "vm", compute.deploy(j, cloud["zone"], cloud["offering"], cloud["template"], name="doomed")))
    assert "out of PCI slots" in failed(job, 534)
    vm = VirtualMachine.objects.get(pk=made["vm"].pk)
    assert vm.state == VmState.ERROR and vm.host_id is None
    assert {"release_nics", "delete_volumes", "destroy_domain", "rolled_back"} <= set(broker.names())
    assert not Nic.objects.filter(vm=vm).exists() and not Volume.objects.filter(vm=vm, removed__isnull=True).exists()
    assert all(mb == 0 for _, mb in allocated()) and StoragePool.objects.get().allocated_bytes == 0


def test_stop_then_start_and_a_start_that_fails_leaves_it_stopped(running, admin, broker, fake_hypervisor):
    vm = running("s1")
    ok(run(broker, admin, "stopVirtualMachine", lambda j: compute.stop(j, vm)))
    vm.refresh_from_db()
    assert vm.state == VmState.STOPPED and vm.host_id is None and all(mb == 0 for _, mb in allocated())
    ok(run(broker, admin, "startVirtualMachine", lambda j: compute.start(j, vm)))
    vm.refresh_from_db()
    assert vm.state == VmState.RUNNING and guest(vm).running
    ok(run(broker, admin, "stopVirtualMachine", lambda j: compute.stop(j, vm, forced=True)))
    for host in Host.objects.all():
        fake_hypervisor.inject_failure(host.url, "start")
    failed(run(broker, admin, "startVirtualMachine", lambda j: compute.start(j, vm)))
    vm.refresh_from_db()
    assert vm.state == VmState.STOPPED and vm.host_id is None and all(mb == 0 for _, mb in allocated())


def test_reboot_runs_on_a_running_vm_only(running, admin, broker):
    vm = running("r1")
    ok(run(broker, admin, "rebootVirtualMachine", lambda j: compute.reboot(j, vm)))
    ok(run(broker, admin, "stopVirtualMachine", lambda j: compute.stop(j, vm)))
    assert "only a Running VM can be rebooted" in failed(run(broker, admin, "rebootVirtualMachine",
                                                             lambda j: compute.reboot(j, vm)))


def test_destroy_then_expunge(running, admin, broker):
    vm = running("x1")
    ok(run(broker, admin, "destroyVirtualMachine", lambda j: compute.destroy(j, vm)))
    vm.refresh_from_db()
    assert vm.state == VmState.DESTROYED and guest(vm) is None and Nic.objects.filter(vm=vm).exists()
    ok(run(broker, admin, "destroyVirtualMachine", lambda j: compute.destroy(j, vm, expunge=True)))
    vm.refresh_from_db()
    assert vm.state == VmState.EXPUNGING and vm.removed is not None
    assert not Nic.objects.filter(vm=vm).exists() and not Volume.objects.filter(vm=vm, removed__isnull=True).exists()


def test_migrate_moves_the_guest_and_a_failed_one_gives_the_target_its_room_back(running, admin, broker, fake_hypervisor):
    vm = running("m1")
    source = vm.host
    target = Host.objects.exclude(pk=source.pk).get()
    ok(run(broker, admin, "migrateVirtualMachine", lambda j: compute.migrate(j, vm, target)))
    vm.refresh_from_db()
    assert vm.host_id == target.pk and guest(vm).running
    assert vm.instance_name not in fake.HOSTS[source.url].guests
    assert dict(allocated()) == {source.name: 0, target.name: 512}

    fake_hypervisor.inject_failure(target.url, "migrate", "the link is down")
    assert "the link is down" in failed(run(broker, admin, "migrateVirtualMachine", lambda j: compute.migrate(j, vm)))
    vm.refresh_from_db()
    assert vm.state == VmState.RUNNING and vm.host_id == target.pk and dict(allocated()) == {source.name: 0, target.name: 512}


def test_scale_a_stopped_vm(running, admin, broker):
    vm = running("sc1")
    big = ServiceOffering.objects.create(name="Big", cpu_number=2, cpu_speed=500, memory_mb=1024)
    assert "stop it" in failed(run(broker, admin, "scaleVirtualMachine", lambda j: compute.scale(j, vm, big)))
    ok(run(broker, admin, "stopVirtualMachine", lambda j: compute.stop(j, vm)))
    ok(run(broker, admin, "scaleVirtualMachine", lambda j: compute.scale(j, vm, big)))
    ok(run(broker, admin, "startVirtualMachine", lambda j: compute.start(j, vm)))
    vm.refresh_from_db()
    assert vm.service_offering_id == big.pk and guest(vm).spec.memory_mb == 1024


# --- NICs -----------------------------------------------------------------------------------
@pytest.fixture
def second_network(cloud):
    return network.create_network(cloud["zone"], "second", "10.10.0.0/24", "10.10.0.1")


def test_add_then_remove_a_nic(running, admin, broker, second_network):
    vm = running("n1")
    result = ok(run(broker, admin, "addNicToVirtualMachine",
                    lambda j: compute.add_nic(j, vm, second_network, ip="10.10.0.50")))
    nic = Nic.objects.get(vm=vm, network=second_network)
    assert nic.ip_address == "10.10.0.50" and nic.mac_address in guest(vm).interfaces
    assert any(n["ipaddress"] == "10.10.0.50" for n in result["virtualmachine"]["nic"])
    assert [m["ip"] for m in plan(second_network)["members"]] == ["10.10.0.50"]

    ok(run(broker, admin, "removeNicFromVirtualMachine", lambda j: compute.remove_nic(j, vm, nic)))
    assert not Nic.objects.filter(pk=nic.pk).exists() and nic.mac_address not in guest(vm).interfaces
    assert plan(second_network)["members"] == []


def test_a_nic_that_cannot_be_plugged_leaves_no_member_in_the_network(running, admin, broker, second_network,
                                                                       fake_hypervisor):
    vm = running("n2")
    fake_hypervisor.inject_failure(vm.host.url, "attach_interface", "no slot")
    assert "no slot" in failed(run(broker, admin, "addNicToVirtualMachine", lambda j: compute.add_nic(j, vm, second_network)))
    assert "discard_nic" in broker.names()
    assert not Nic.objects.filter(vm=vm, network=second_network).exists()
    assert plan(second_network)["members"] == []  # re-planned without it: the data plane keeps no stale member


def test_a_nic_whose_address_cannot_be_freed_is_plugged_back(running, admin, broker, second_network, private_state):
    vm = running("n3")
    ok(run(broker, admin, "addNicToVirtualMachine", lambda j: compute.add_nic(j, vm, second_network)))
    nic = Nic.objects.get(vm=vm, network=second_network)
    plans = private_state / "network"
    os.rename(plans, private_state / "plans-away")
    plans.write_text("")  # the data plane cannot be written: removing the NIC's address fails
    failed(run(broker, admin, "removeNicFromVirtualMachine", lambda j: compute.remove_nic(j, vm, nic)))
    assert broker.names()[-3:] == ["rollback", "plug_nic", "rolled_back"]
    assert Nic.objects.filter(pk=nic.pk).exists() and nic.mac_address in guest(vm).interfaces


# --- volumes --------------------------------------------------------------------------------
@pytest.fixture
def data_volume(cloud, admin, broker):
    offering = DiskOffering.objects.create(name="2G", disk_size_gb=2)
    made = {}
    ok(run(broker, admin, "createVolume", lambda j: made.setdefault("v", storage.create_volume(j, cloud["zone"], offering))))
    return Volume.objects.get(pk=made["v"].pk)


def test_attach_and_detach_a_volume(running, admin, broker, data_volume):
    vm = running("v1")
    result = ok(run(broker, admin, "attachVolume", lambda j: storage.attach_volume(j, data_volume, vm, device_id=3)))
    assert result["volume"]["virtualmachineid"] == vm.uuid_str and result["volume"]["deviceid"] == 3
    assert guest(vm).disks[3].path == data_volume.path
    ok(run(broker, admin, "detachVolume", lambda j: storage.detach_volume(j, Volume.objects.get(pk=data_volume.pk))))
    assert Volume.objects.get(pk=data_volume.pk).vm_id is None and 3 not in guest(vm).disks


def test_a_volume_the_hypervisor_refuses_stays_detached(running, admin, broker, data_volume, fake_hypervisor):
    vm = running("v2")
    fake_hypervisor.inject_failure(vm.host.url, "attach_disk", "bus full")
    assert "bus full" in failed(run(broker, admin, "attachVolume", lambda j: storage.attach_volume(j, data_volume, vm)))
    assert Volume.objects.get(pk=data_volume.pk).vm_id is None and len(guest(vm).disks) == 1


def test_migrate_a_volume_and_a_failed_copy_gives_the_target_its_room_back(cloud, admin, broker, data_volume, tmp_path):
    target = fabric.create_storage_pool(cloud["zone"], "second", 100 * GIB)
    ok(run(broker, admin, "migrateVolume", lambda j: storage.migrate_volume(j, data_volume, target)))
    volume = Volume.objects.get(pk=data_volume.pk)
    assert volume.pool_id == target.pk and os.path.exists(volume.path)
    assert StoragePool.objects.get(pk=target.pk).allocated_bytes == 2 * GIB

    third = fabric.create_storage_pool(cloud["zone"], "third", 100 * GIB, path=str(tmp_path / "third"))
    os.rmdir(third.path)
    (tmp_path / "third").write_text("")  # not a directory: the copy fails
    failed(run(broker, admin, "migrateVolume", lambda j: storage.migrate_volume(j, volume, third)))
    assert Volume.objects.get(pk=volume.pk).pool_id == target.pk
    assert StoragePool.objects.get(pk=third.pk).allocated_bytes == 0


# --- images ---------------------------------------------------------------------------------
def test_a_snapshot_and_one_that_cannot_be_written(cloud, admin, broker, data_volume, settings):
    made = {}
    ok(run(broker, admin, "createSnapshot", lambda j: made.setdefault("s", storage.create_snapshot(j, data_volume))))
    snapshot = Snapshot.objects.get(pk=made["s"].pk)
    assert snapshot.state == SnapshotState.BACKED_UP and os.path.getsize(snapshot.path) == 2 * GIB

    settings.SECONDARY_STORAGE_DIR.joinpath("snapshots").rename(settings.SECONDARY_STORAGE_DIR / "away")
    settings.SECONDARY_STORAGE_DIR.joinpath("snapshots").write_text("")  # cannot be written
    failed(run(broker, admin, "createSnapshot", lambda j: made.update(s=storage.create_snapshot(j, data_volume))))
    assert "discard_snapshot" in broker.names()
    assert Snapshot.objects.get(pk=made["s"].pk).state == SnapshotState.DESTROYED


@pytest.fixture
def image(settings):
    data = os.urandom(256 * 1024)
    path = settings.IMPORT_DIRS[0] / "image.raw"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path, "{SHA-256}" + hashlib.sha256(data).hexdigest()


def register(broker, admin, image, checksum, zone=None):
    """registerTemplate (its download is a job of its own); the template and that job."""
    made = {}
    with broker.committing():
        made["t"] = catalog.register_template(admin, "img", f"file://{image}", "RAW", "Simulator", OsType.objects.first(),
                                              zone=zone, checksum=checksum)
    broker.run()
    job = AsyncJob.objects.get(instance_uuid=made["t"].uuid)
    return Template.objects.get(pk=made["t"].pk), job


def test_register_a_template_and_one_whose_checksum_is_wrong(cloud, admin, broker, image):
    path, checksum = image
    template, job = register(broker, admin, path, checksum)
    ok(job)
    assert template.is_ready and template.status == "Download Complete" and template.size_bytes == 256 * 1024
    bad, job = register(broker, admin, path, "{SHA-256}" + "0" * 64)
    assert "Checksum mismatch" in failed(job)
    assert not bad.is_ready and bad.status.startswith("Download failed: Checksum mismatch") and not bad.path


def test_copy_a_template_and_a_copy_whose_source_is_gone_leaves_no_copy(cloud, admin, broker, image):
    zone = cloud["zone"]
    template, _ = register(broker, admin, *image, zone=zone)
    datacenter.deploy(small_datacenter(hosts=1, zone="Other-Zone"))
    other = Zone.objects.get(name="Other-Zone")
    result = ok(run(broker, admin, "copyTemplate", lambda j: catalog.copy_template(j, template, [other])))
    assert result["template"]["zoneid"] == other.uuid_str
    assert TemplateCopy.objects.get(template=template, zone=other).is_ready

    third = Zone.objects.get(pk=fabric.create_zone("Third-Zone").pk)
    os.unlink(template.path)
    assert "missing on secondary storage" in failed(run(broker, admin, "copyTemplate",
                                                        lambda j: catalog.copy_template(j, template, [third])))
    assert not TemplateCopy.objects.filter(template=template, zone=third).exists()


# --- hosts ----------------------------------------------------------------------------------
def test_maintenance_migrates_every_vm_off_the_host(running, admin, broker):
    vms = [running(f"h{i}") for i in range(2)]
    host = vms[0].host
    for vm in vms:
        if vm.host_id != host.pk:
            ok(run(broker, admin, "migrateVirtualMachine", lambda j, vm=vm: compute.migrate(j, vm, host)))
    job = run(broker, admin, "prepareHostForMaintenance", lambda j: fabric.prepare_for_maintenance(j, host))
    assert ok(job)["host"]["resourcestate"] == "Maintenance"
    assert len(job.params["children"]) == 2 and broker.names().count("child_ended") == 2
    assert not VirtualMachine.objects.filter(host=host).exists()
    assert all(guest(vm).running for vm in vms)


def test_maintenance_that_cannot_move_a_vm_ends_in_error(running, admin, broker, fake_hypervisor):
    vm = running("hm")
    fake_hypervisor.inject_failure(Host.objects.exclude(pk=vm.host_id).get().url, "migrate", "target refuses")
    job = run(broker, admin, "prepareHostForMaintenance", lambda j: fabric.prepare_for_maintenance(j, vm.host))
    assert "target refuses" in failed(job)
    assert Host.objects.get(pk=vm.host_id).resource_state == ResourceState.ERROR_IN_MAINTENANCE
    assert VirtualMachine.objects.get(pk=vm.pk).state == VmState.RUNNING


def test_every_flow_is_run_here():
    assert set(COMMAND_FLOWS.values()) == set(FLOWS)  # each command's flow exists, and each flow has a command
    with open(__file__) as here:
        text = here.read()
    assert [c for c in COMMAND_FLOWS if c not in text and c != "registerTemplate"] == []


# --- accounts -------------------------------------------------------------------------------
def test_delete_account_removes_everything_it_holds_through_their_jobs(cloud, admin, alice, broker):
    from apps.accounts.models import Account, CloudUser
    from apps.accounts.services import create_user
    from apps.jobs import services as jobs
    from apps.network.models import GuestNetwork, SecurityGroup
    from apps.sshkeys import services as sshkeys
    from apps.sshkeys.models import SSHKeyPair

    made = {}
    ok(run(broker, alice, "deployVirtualMachine", lambda j: made.setdefault(
        "vm", compute.deploy(j, cloud["zone"], cloud["offering"], cloud["template"], name="hers"))))
    offering = DiskOffering.objects.create(name="1G", disk_size_gb=1)
    ok(run(broker, alice, "createVolume", lambda j: made.setdefault("volume", storage.create_volume(j, cloud["zone"], offering))))
    volume = Volume.objects.get(pk=made["volume"].pk)
    ok(run(broker, alice, "createSnapshot", lambda j: made.setdefault("snapshot", storage.create_snapshot(j, volume))))
    own = network.create_network(cloud["zone"], "hers", account=alice.account)
    network.create_security_group(alice.account, "web")
    sshkeys.create(alice.account, "key")
    create_user(alice.account, "alice2", "Pass-word-2")
    account = alice.account

    job = run(broker, admin, "deleteAccount", lambda j: jobs.run_flow(j, "Account", account))
    assert ok(job) == {"success": True}
    assert Account.objects.get(pk=account.pk).state == "removed"
    assert not VirtualMachine.objects.filter(account=account, removed__isnull=True).exists()
    assert not Volume.objects.filter(account=account, removed__isnull=True).exists()
    assert not Snapshot.objects.filter(account=account, removed__isnull=True).exists()
    assert not GuestNetwork.objects.filter(pk=own.pk, removed__isnull=True).exists()
    assert not SecurityGroup.objects.filter(account=account).exists() and not SSHKeyPair.objects.filter(account=account).exists()
    assert set(CloudUser.objects.filter(account=account).values_list("state", flat=True)) == {"removed"}
    assert CloudUser.objects.filter(account=account, login__isnull=False).count() == 0
    children = AsyncJob.objects.filter(params__parent__job=job.pk)
    assert {c.command for c in children} >= {"destroyVirtualMachine", "deleteSnapshot", "deleteNetwork"}
    assert all(c.status == JobStatus.SUCCEEDED for c in children)
    assert all(h.cpu_allocated_mhz == 0 and h.memory_allocated_mb == 0 for h in Host.objects.all())
    from apps.accounts.services import create_account

    again = create_account(account.domain, "alice", 0, "alice", "Pass-word-3")  # the names are free again
    assert again.pk != account.pk


def test_a_failed_job_of_an_account_deletion_gives_the_account_back(cloud, admin, alice, broker, fake_hypervisor):
    from apps.accounts.models import Account
    from apps.jobs import services as jobs

    made = {}
    ok(run(broker, alice, "deployVirtualMachine", lambda j: made.setdefault(
        "vm", compute.deploy(j, cloud["zone"], cloud["offering"], cloud["template"], name="stays"))))
    vm = VirtualMachine.objects.select_related("host").get(pk=made["vm"].pk)
    fake_hypervisor.inject_failure(vm.host.url, "destroy", "the host refuses")
    job = run(broker, admin, "deleteAccount", lambda j: jobs.run_flow(j, "Account", alice.account))
    assert "the host refuses" in failed(job)
    assert Account.objects.get(pk=alice.account.pk).state == "enabled"  # as it was: it can be deleted again


def test_delete_domain_with_cleanup_deletes_its_accounts_and_subdomains(cloud, admin, broker):
    from apps.accounts.models import Account, AccountType, Domain
    from apps.accounts.selectors import Caller
    from apps.accounts.services import create_domain, ensure_user
    from apps.jobs import services as jobs

    sales = create_domain("sales")
    emea = create_domain("emea", sales)
    bob = Caller(ensure_user("bob", "bob", AccountType.USER, domain=emea))
    carl = Caller(ensure_user("carl", "carl", AccountType.USER, domain=sales))
    made = {}
    for who, name in ((bob, "b1"), (carl, "c1")):
        ok(run(broker, who, "deployVirtualMachine", lambda j, name=name: made.setdefault(
            name, compute.deploy(j, cloud["zone"], cloud["offering"], cloud["template"], name=name))))
    job = run(broker, admin, "deleteDomain", lambda j: jobs.run_flow(j, "Domain", sales))
    assert ok(job) == {"success": True}
    assert set(Account.objects.filter(name__in=["bob", "carl"]).values_list("state", flat=True)) == {"removed"}
    assert not VirtualMachine.objects.filter(name__in=["b1", "c1"], removed__isnull=True).exists()
    assert not Domain.objects.filter(pk__in=[sales.pk, emea.pk], removed__isnull=True).exists()
    children = AsyncJob.objects.filter(params__parent__job=job.pk)
    assert sorted(c.command for c in children) == ["deleteAccount", "deleteAccount"]
