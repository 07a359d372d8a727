"""Lifecycle events from libvirt (the test driver emits them too), and what the agent does
with a guest that stopped behind Javelin's back."""
import threading

import pytest

from apps.compute import placement
from apps.compute import services as compute_services
from apps.compute.states import VmState
from apps.events.models import Event
from apps.fabric.models import Host
from tests.conftest import deploy_vm
from workers.compute.drivers import libvirt_driver
from workers.compute.drivers.base import DomainSpec


def test_a_guest_stopped_outside_is_reported(sim_dir, tmp_path):
    seen, arrived = [], threading.Event()

    def on_stopped(uri, name):
        seen.append((uri, name))
        arrived.set()

    libvirt_driver.enable_events(on_stopped)
    node = tmp_path / "node.xml"
    node.write_text("<node><cpu><mhz>1000</mhz><model>x86_64</model><nodes>1</nodes><sockets>1</sockets><cores>2</cores>"
                    "<threads>1</threads><active>2</active></cpu><memory>4194304</memory></node>")
    uri = f"test://{node}"
    driver = libvirt_driver.LibvirtDriver(uri)
    driver.start(DomainSpec(name="evt-1", uuid="6c7f0b0e-7b59-4d6e-9d77-6a0d4c0f5a12", vcpus=1, memory_mb=128))
    libvirt_driver.connection(uri).lookupByName("evt-1").destroy()  # behind the platform's back
    assert arrived.wait(5)
    assert seen == [(uri, "evt-1")]


@pytest.fixture
def running_vm(cloud, admin):
    vm, _ = deploy_vm(admin, cloud, "ev")
    placement.reserve_for_vm(vm)
    type(vm).objects.filter(pk=vm.pk).update(state=VmState.RUNNING)
    vm.refresh_from_db()
    return vm


def test_power_off_report_marks_a_running_vm_stopped(running_vm):
    host = running_vm.host
    assert compute_services.power_off_reported(host, running_vm, how="test") is True
    running_vm.refresh_from_db()
    assert (running_vm.state, running_vm.host_id, running_vm.last_host_id) == (VmState.STOPPED, None, host.pk)
    assert Host.objects.get(pk=host.pk).memory_allocated_mb == 0
    assert Event.objects.get(type="VM.SYNC", level="WARN").resource_uuid == running_vm.uuid


def test_power_off_report_leaves_a_vm_being_stopped_alone(running_vm):
    type(running_vm).objects.filter(pk=running_vm.pk).update(state=VmState.STOPPING)  # our own stop is under way
    assert compute_services.power_off_reported(running_vm.host, running_vm) is False
    running_vm.refresh_from_db()
    assert running_vm.state == VmState.STOPPING and running_vm.host_id is not None


def test_power_off_report_leaves_a_vm_that_moved_alone(running_vm):
    other = Host.objects.exclude(pk=running_vm.host_id).first()
    assert compute_services.power_off_reported(other, running_vm) is False  # the report is about another host


