"""The VM state machine: the one place that knows which transitions are legal.

A transition is a conditional UPDATE guarded by the states it may start from (as Nova's
``expected_task_state``), so two racing operations cannot both win: the loser gets
:class:`InvalidState` instead of overwriting the winner's state.
"""
from django.db import models

from apps.core.errors import InvalidState


class VmState(models.TextChoices):
    STARTING = "Starting"
    RUNNING = "Running"
    STOPPING = "Stopping"
    STOPPED = "Stopped"
    DESTROYED = "Destroyed"
    EXPUNGING = "Expunging"
    MIGRATING = "Migrating"
    ERROR = "Error"


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
    from .models import VirtualMachine

    allowed = set(expected) if expected is not None else sources_of(target)
    illegal = {s for s in allowed if not can_transition(s, target)}
    if illegal:
        raise ValueError(f"{sorted(illegal)} -> {target} is not a transition of the VM state machine")
    updated = VirtualMachine.objects.filter(pk=vm.pk, state__in=allowed, removed__isnull=True, **(where or {})).update(
        state=target, **fields
    )
    vm.refresh_from_db()
    if not updated:
        raise InvalidState(f"VM {vm.uuid} is in state {vm.state}; it cannot move to {target}")
    from apps.core import bus

    bus.publish(f"vm.state.{target.lower()}", {"id": str(vm.uuid), "state": target, "account": str(vm.account.uuid)})
    return vm
