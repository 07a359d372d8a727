"""Fabric Monitoring on the data service: heartbeats, Up -> Alert -> Down, the investigator's
verdicts, HA for the VMs of a Down host, fencing of second copies, listAlerts."""
import time
from datetime import timedelta

import libvirt
import pytest
from django.utils import timezone

from apps.catalog.models import ServiceOffering
from apps.compute import placement
from apps.compute.selectors import stale_guests
from apps.compute.states import VmState
from apps.events.models import Alert, AlertType, Event
from apps.fabric.models import Host, HostState
from apps.jobs.models import AsyncJob
from tests.conftest import deploy_vm
from workers.compute import manager
from workers.compute.drivers import driver_for
from workers.monitor import hosts


def _running(caller, cloud, name):
    vm, _ = deploy_vm(caller, cloud, name)
    placement.reserve_for_vm(vm)
    type(vm).objects.filter(pk=vm.pk).update(state=VmState.RUNNING)
    vm.refresh_from_db()
    return vm


def _beat(host, running=(), age=0.0):
    return hosts.heartbeat(host.pk, {"cpus": 8, "cpu_mhz": 1000, "memory_mb": 4096, "free_memory_mb": 3000,
                                     "running": list(running)}, time.time() - age)


def _make_late(host, seconds):
    Host.objects.filter(pk=host.pk).update(last_pinged=timezone.now() - timedelta(seconds=seconds))


@pytest.fixture
def beat_every_second(settings, monkeypatch):
    settings.HOST_HEARTBEAT_S = 1.0
    monkeypatch.setattr(hosts, "_watching_since", timezone.now() - timedelta(seconds=10))  # monitoring for a while


def test_a_monitor_that_just_started_listens_before_it_blames_anyone(cloud, settings, monkeypatch):
    settings.HOST_HEARTBEAT_S = 1.0
    monkeypatch.setattr(hosts, "_watching_since", None)
    host = Host.objects.get(name="h1")
    _make_late(host, 60)  # its beats expired while the monitor was away
    assert hosts.check()["alert"] == []
    assert Host.objects.get(pk=host.pk).state == HostState.UP


def test_a_heartbeat_records_the_hosts_stats_and_its_running_vms(cloud, admin, beat_every_second):
    vm = _running(admin, cloud, "hb")
    assert _beat(vm.host, running=[vm.instance_name]) == "beat"
    host = Host.objects.get(pk=vm.host_id)
    assert host.last_pinged is not None and host.stats["free_memory_mb"] == 3000 and host.stats["running"] == 1
    vm.refresh_from_db()
    assert vm.last_seen == host.last_pinged


def test_a_beat_sent_before_the_investigation_or_an_older_one_says_nothing(cloud, beat_every_second):
    host = Host.objects.get(name="h1")
    _make_late(host, 60)
    Host.objects.filter(pk=host.pk).update(state=HostState.ALERT, investigated=timezone.now() - timedelta(seconds=2))
    assert _beat(host, age=5) == "stale"  # it waited in the queue: sent before we began to investigate
    assert Host.objects.get(pk=host.pk).state == HostState.ALERT
    assert _beat(host, age=1) == "back"  # sent since: the host is alive
    assert _beat(host, age=3) == "stale"  # older than the one just seen


def test_the_time_of_a_beat_is_when_it_was_sent_not_when_it_was_read(cloud, beat_every_second):
    host = Host.objects.get(name="h1")
    _beat(host, age=1.5)
    late = timezone.now() - Host.objects.get(pk=host.pk).last_pinged
    assert timedelta(seconds=1.4) < late < timedelta(seconds=3)


def test_a_host_that_misses_two_beats_is_alert_and_comes_back_with_the_next(cloud, beat_every_second):
    host, peer = Host.objects.get(name="h1"), Host.objects.get(name="h2")
    _beat(peer)
    _make_late(host, 2.5)
    Host.objects.filter(pk=host.pk).update(investigated=timezone.now())  # a peer was just asked: not again yet
    assert hosts.check() == {"alert": ["h1"], "investigated": []}
    assert Host.objects.get(pk=host.pk).state == HostState.ALERT
    alert = Alert.objects.get()
    assert alert.type == AlertType.ROUTING and "h1" in alert.subject
    assert Event.objects.filter(type="HOST.ALERT", resource_uuid=host.uuid, level="WARN").exists()
    assert _beat(host) == "back"
    assert Host.objects.get(pk=host.pk).state == HostState.UP
    assert Event.objects.filter(type="HOST.UP", resource_uuid=host.uuid).exists()


def test_with_no_peer_to_investigate_a_silent_host_is_disconnected_not_down(db, sim_dir, beat_every_second):
    from apps.cloud import datacenter
    from tests.conftest import small_datacenter

    datacenter.deploy(small_datacenter(hosts=1))
    host = Host.objects.get(name="h1")
    Host.objects.filter(pk=host.pk).update(state=HostState.ALERT)
    _make_late(host, 10)
    hosts.check()
    assert Host.objects.get(pk=host.pk).state == HostState.DISCONNECTED
    assert Alert.objects.filter(type=AlertType.HOST, subject__contains="no other host").exists()


def test_a_late_host_whose_agent_answers_the_investigator_is_up_again(cloud, beat_every_second):
    host = Host.objects.get(name="h1")
    Host.objects.filter(pk=host.pk).update(state=HostState.ALERT)
    _make_late(host, 10)
    assert hosts.investigated(host.pk, "Up", Host.objects.get(name="h2").pk) == "late"
    host.refresh_from_db()
    assert host.state == HostState.UP and host.last_pinged > timezone.now() - timedelta(seconds=1)


def test_a_reachable_hypervisor_without_its_agent_is_disconnected_and_its_vms_stay(cloud, admin, beat_every_second):
    vm = _running(admin, cloud, "disc")
    Host.objects.filter(pk=vm.host_id).update(state=HostState.ALERT)
    _make_late(vm.host, 10)
    assert hosts.investigated(vm.host_id, "Disconnected", vm.host_id + 1) == "disconnected"
    vm.refresh_from_db()
    assert Host.objects.get(pk=vm.host_id).state == HostState.DISCONNECTED and vm.state == VmState.RUNNING


def test_a_down_host_restarts_its_ha_vms_and_stops_the_others(cloud, admin, beat_every_second):
    ha_offering = ServiceOffering.objects.create(name="HA", cpu_number=1, cpu_speed=500, memory_mb=512, offer_ha=True)
    host, peer = Host.objects.get(name="h1"), Host.objects.get(name="h2")
    Host.objects.filter(pk=peer.pk).update(state=HostState.DOWN)  # so that both VMs land on h1
    ha_vm = _running(admin, {**cloud, "offering": ha_offering}, "ha-1")
    plain = _running(admin, cloud, "plain-1")
    assert ha_vm.host_id == plain.host_id == host.pk
    Host.objects.filter(pk=peer.pk).update(state=HostState.UP)
    Host.objects.filter(pk=host.pk).update(state=HostState.ALERT)
    _make_late(host, 10)

    assert hosts.investigated(host.pk, "Down", peer.pk) == "down"

    host.refresh_from_db()
    assert host.state == HostState.DOWN and host.memory_allocated_mb == 0
    ha_vm.refresh_from_db()
    plain.refresh_from_db()
    assert (ha_vm.state, ha_vm.host_id, ha_vm.last_host_id) == (VmState.STOPPED, None, host.pk)
    assert (plain.state, plain.host_id) == (VmState.STOPPED, None)
    job = AsyncJob.objects.get(command="startVirtualMachine", instance_uuid=ha_vm.uuid)
    assert "high availability" in job.event_description
    assert not AsyncJob.objects.filter(command="startVirtualMachine", instance_uuid=plain.uuid).exists()
    assert Alert.objects.filter(type=AlertType.USERVM, subject__contains=str(plain.uuid)).exists()
    assert Alert.objects.filter(type=AlertType.HOST, subject__contains="1 HA VM(s) restarting").exists()
    assert Event.objects.filter(type="HOST.DOWN", resource_uuid=host.uuid).exists()


def test_a_verdict_that_comes_after_a_new_beat_is_ignored(cloud, beat_every_second):
    host = Host.objects.get(name="h1")
    Host.objects.filter(pk=host.pk).update(state=HostState.ALERT, last_pinged=timezone.now())
    assert hosts.investigated(host.pk, "Down", Host.objects.get(name="h2").pk) == "ignored"
    assert Host.objects.get(pk=host.pk).state == HostState.ALERT


def test_stale_guests_are_the_copies_the_platform_has_elsewhere(cloud, admin):
    here = _running(admin, cloud, "here")
    other_host = Host.objects.exclude(pk=here.host_id).get()
    elsewhere = _running(admin, cloud, "elsewhere")
    type(elsewhere).objects.filter(pk=elsewhere.pk).update(host=other_host)
    stopped = _running(admin, cloud, "stopped")
    type(stopped).objects.filter(pk=stopped.pk).update(state=VmState.STOPPED, host=None)
    moving = _running(admin, cloud, "moving")
    type(moving).objects.filter(pk=moving.pk).update(state=VmState.MIGRATING, host=other_host)
    names = [here.instance_name, elsewhere.instance_name, stopped.instance_name, moving.instance_name, "not-ours"]
    host = Host.objects.get(pk=here.host_id)
    assert stale_guests(host, names) == sorted([elsewhere.instance_name, stopped.instance_name])


def test_fencing_destroys_the_second_copy_and_keeps_the_rightful_one(cloud, admin):
    keep = _running(admin, cloud, "keep")
    host = Host.objects.get(pk=keep.host_id)
    other_host = Host.objects.exclude(pk=host.pk).get()
    moved = _running(admin, cloud, "moved")
    type(moved).objects.filter(pk=moved.pk).update(host=other_host)  # HA restarted it elsewhere
    driver = driver_for(host)
    manager.start(keep)
    manager.start(_old_copy(moved, host))
    assert sorted(driver.host_stats()["running"]) == sorted([keep.instance_name, moved.instance_name])

    assert manager.fence(host, [keep.instance_name, moved.instance_name]) == [moved.instance_name]
    assert driver.host_stats()["running"] == [keep.instance_name]
    assert Event.objects.filter(type="VM.SYNC", description__contains="Fenced", resource_uuid=moved.uuid).exists()


def _old_copy(vm, host):
    """``vm`` as it was when it still ran on ``host`` (the host that went Down)."""
    vm.host = host
    return vm


def test_a_simulated_host_keeps_its_running_guests_for_a_restarted_agent(libvirt_cloud, admin):
    cloud = libvirt_cloud
    vm = _running(admin, cloud, "kept")
    driver = driver_for(vm.host)
    manager.start(vm)
    driver.persist()
    fresh = libvirt.open(vm.host.url)  # what a new agent process opens
    try:
        assert [d.name() for d in fresh.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)] == [vm.instance_name]
    finally:
        fresh.close()


def test_list_alerts_is_for_root_admins(client, cloud, admin, alice, beat_every_second):
    from tests.unit.test_api import call

    host = Host.objects.get(name="h1")
    _make_late(host, 5)
    hosts.check()
    status, body = call(client, admin.user, command="listAlerts", name="ALERT.ROUTING")
    (alert,) = body["listalertsresponse"]["alert"]
    assert status == 200 and alert["type"] == 11 and alert["name"] == "ALERT.ROUTING" and "h1" in alert["description"]
    assert alert["hostid"] == host.uuid_str and alert["sent"]
    status, body = call(client, alice.user, command="listAlerts")
    assert status == 401 and "not available" in body["listalertsresponse"]["errortext"]
