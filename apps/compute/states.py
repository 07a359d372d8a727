"""The VM state machine: the one place that knows which transitions are legal.

A transition is a conditional UPDATE guarded by the states it may start from (as Nova's
``expected_task_state``), so two racing operations cannot both win: the loser gets
:class:`InvalidState` instead of overwriting the winner's state.
"""
from apps.core.errors import InvalidState
from apps.events.models import EventLevel
from apps.events.services import state_changed

from .choices import VmState
from .models import VirtualMachine

S = VmState
TRANSITIONS = {
    S.STOPPED: {S.STARTING, S.DESTROYED, S.EXPUNGING, S.ERROR},
    S.STARTING: {S.RUNNING, S.STOPPED, S.ERROR},
    # Running → Stopped directly only when the hypervisor reports the guest off
    # (CloudStack's FollowAgentPowerOffReport); a stop we ask for passes through Stopping.
    S.RUNNING: {S.STOPPING, S.STOPPED, S.MIGRATING, S.ERROR},
    S.MIGRATING: {S.RUNNING, S.ERROR},
    S.STOPPING: {S.STOPPED, S.RUNNING, S.ERROR},
    S.DESTROYED: {S.STOPPED, S.EXPUNGING, S.ERROR},
    S.EXPUNGING: {S.EXPUNGING, S.ERROR},
    S.ERROR: {S.DESTROYED, S.EXPUNGING, S.STOPPED},
}


def can_transition(current, target):
    return target in TRANSITIONS.get(current, ())


def sources_of(target):
    """States from which ``target`` may be entered."""
    return {state for state, targets in TRANSITIONS.items() if target in targets}


def transition(vm, target, expected=None, where=None, **fields):
    """Move ``vm`` to ``target`` if it is in one of ``expected`` (default: every legal source)
    and matches ``where`` (more guards, e.g. its host).

    Saves ``fields`` in the same UPDATE and refreshes ``vm``. Raises :class:`InvalidState`.
    """
    allowed = set(expected) if expected is not None else sources_of(target)
    previous = next(iter(allowed)) if len(allowed) == 1 else vm.state
    illegal = {s for s in allowed if not can_transition(s, target)}
    if illegal:
        raise ValueError(f"{sorted(illegal)} -> {target} is not a transition of the VM state machine")
    updated = VirtualMachine.objects.filter(pk=vm.pk, state__in=allowed, removed__isnull=True, **(where or {})).update(
        state=target, **fields
    )
    vm.refresh_from_db(fields=["state", "removed", *fields])  # what it references stays loaded (the event names its account)
    if not updated:
        raise InvalidState(f"VM {vm.uuid} is in state {vm.state}; it cannot move to {target}")
    announce(vm, previous, target)
    return vm


# The CloudStack event type of a state change: by the state entered, or for a settled state
# by the one it was entered from (Running after Starting is the end of VM.START, Running
# after Migrating the end of VM.MIGRATE).
_TYPE_BY_TARGET = {S.STARTING: "VM.START", S.STOPPING: "VM.STOP", S.MIGRATING: "VM.MIGRATE",
                   S.DESTROYED: "VM.DESTROY", S.EXPUNGING: "VM.EXPUNGE"}
_TYPE_BY_SOURCE = {S.STARTING: "VM.START", S.STOPPING: "VM.STOP", S.MIGRATING: "VM.MIGRATE", S.RUNNING: "VM.STOP",
                   S.DESTROYED: "VM.RECOVER", S.STOPPED: "VM.START", S.EXPUNGING: "VM.EXPUNGE", S.ERROR: "VM.STOP"}
IN_PROGRESS = {S.STARTING, S.STOPPING, S.MIGRATING, S.EXPUNGING}


def event_type(previous, target):
    return _TYPE_BY_TARGET.get(target) or _TYPE_BY_SOURCE.get(previous, "VM.STATE")


def announce(vm, previous, target, kind=None):
    """Persist and publish the state change of ``vm`` (one event per change); ``kind``
    overrides the event type (a VM that is created enters its first state)."""
    state_changed(
        "vm", vm.uuid, target, previous=previous, event_type=kind or event_type(previous, target),
        description=f"VM {vm.instance_name or vm.name} ({vm.uuid}) is {target}" + (f" (was {previous})" if previous else ""),
        account=vm.account, user_id=vm.user_id, extra={"hostid": vm.host_id}, level=EventLevel.ERROR if target == S.ERROR else EventLevel.INFO,
        in_progress=kind is not None or target in IN_PROGRESS,
    )
