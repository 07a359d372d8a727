import pytest

from apps.compute.states import (
    TRANSITIONS,
    VmState,
    can_transition,
    sources_of,
    transition,
)
from apps.core.errors import InvalidState
from tests.conftest import deploy_vm


def test_every_state_is_in_the_table():
    assert set(TRANSITIONS) == set(VmState)


@pytest.mark.parametrize(
    "current,target,ok",
    [
        (VmState.STOPPED, VmState.STARTING, True),
        (VmState.STARTING, VmState.RUNNING, True),
        (VmState.RUNNING, VmState.STOPPING, True),
        (VmState.STOPPING, VmState.STOPPED, True),
        (VmState.STOPPED, VmState.DESTROYED, True),
        (VmState.DESTROYED, VmState.STOPPED, True),  # recover
        (VmState.RUNNING, VmState.STOPPED, True),  # only as a power-off reported by the hypervisor
        (VmState.RUNNING, VmState.DESTROYED, False),
        (VmState.STOPPED, VmState.RUNNING, False),
        (VmState.DESTROYED, VmState.RUNNING, False),
        (VmState.EXPUNGING, VmState.STOPPED, False),
        (VmState.RUNNING, VmState.MIGRATING, True),
        (VmState.MIGRATING, VmState.RUNNING, True),
        (VmState.STOPPED, VmState.MIGRATING, False),
    ],
)
def test_transitions(current, target, ok):
    assert can_transition(current, target) is ok


def test_sources_of_running():
    assert sources_of(VmState.RUNNING) == {VmState.STARTING, VmState.STOPPING, VmState.MIGRATING}
    assert sources_of(VmState.STOPPED) == {VmState.STARTING, VmState.RUNNING, VmState.STOPPING, VmState.DESTROYED, VmState.ERROR}


@pytest.fixture
def vm(cloud, admin):
    vm, _job = deploy_vm(admin, cloud, "sm", start=False)
    return vm


def test_transition_changes_state_and_fields(vm):
    transition(vm, VmState.STARTING, expected=[VmState.STOPPED], group="g1")
    assert (vm.state, vm.group) == (VmState.STARTING, "g1")


def test_guarded_transition_refuses_when_state_moved(vm):
    transition(vm, VmState.STARTING)
    with pytest.raises(InvalidState, match="Starting"):
        transition(vm, VmState.STARTING, expected=[VmState.STOPPED])
    vm.refresh_from_db()
    assert vm.state == VmState.STARTING


def test_illegal_expectation_is_a_programming_error(vm):
    with pytest.raises(ValueError):
        transition(vm, VmState.RUNNING, expected=[VmState.STOPPED])
