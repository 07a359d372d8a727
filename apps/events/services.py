"""Events: what happened, persisted for ``listEvents`` and published on the message bus.

Every state change of a VM, volume, network, host or job goes through :func:`state_changed`,
which writes one Event row (CloudStack's event type, level and description) and publishes
one message on the ``javelin.events`` topic exchange with the routing key
``<resource>.state.<state>`` (``vm.state.running``, ``host.state.down``) once the change
commits. Alerts (``listAlerts``) are the operator's side: a host that stopped answering, a VM
that HA could not restart.
"""
from django.db import transaction

from apps.core import bus

from .models import Alert, AlertType, Event, EventLevel

# Event states as CloudStack's action events have them.
STARTED, COMPLETED, SCHEDULED = "Started", "Completed", "Scheduled"


def record_event(event_type, description, account=None, user=None, level=EventLevel.INFO, resource_type="", resource_uuid=None,
           state=COMPLETED, user_id=None):
    return Event.objects.create(
        type=event_type,
        description=description,
        account=account,
        user_id=user.pk if user is not None else user_id,
        level=level,
        state=state,
        resource_type=resource_type,
        resource_uuid=resource_uuid,
    )


def state_changed(resource, uuid, state, *, event_type, description, previous=None, account=None, user_id=None,
                  level=EventLevel.INFO, in_progress=False, extra=None):
    """``resource`` (``vm``, ``volume``, ``network``, ``host``, ``job``) ``uuid`` entered ``state``.

    Persists the event and publishes ``<resource>.state.<state>`` after the commit; the
    message carries the account so that subscribers (the SSE stream) can filter by owner.
    """
    resource_type = RESOURCE_TYPES[resource]
    event = record_event(event_type, description, account=account, user_id=user_id, level=level, resource_type=resource_type,
                   resource_uuid=uuid, state=STARTED if in_progress else COMPLETED)
    payload = {
        "id": str(uuid), "resource": resource, "state": state, "previous": previous, "type": event_type,
        "level": level, "description": description, "eventid": event.uuid_str,
        "account": str(account.uuid) if account is not None else None, **(extra or {}),
    }
    bus.publish(f"{resource}.state.{_key(state)}", payload)
    return event


def _key(state):
    return str(state).lower().replace(" ", "")


RESOURCE_TYPES = {"vm": "VirtualMachine", "volume": "Volume", "network": "Network", "host": "Host", "job": "AsyncJob"}


JOB_STATES = {0: "pending", 1: "succeeded", 2: "failed"}


def job_changed(job, status=None):
    """A job was submitted (pending) or finished: its event is persisted (``Scheduled`` at
    submission, ``Completed`` at the end, for commands that declare an event type) and the
    change is published as ``job.state.<pending|succeeded|failed>``."""
    status = job.status if status is None else status
    event = None
    if job.event_type and status == 0:
        what = job.event_description or job.command
        event = record_event(job.event_type, f"Scheduled: {what[:1].lower()}{what[1:].rstrip('.')}.", account=job.account,
                       user=job.user, resource_type=job.instance_type, resource_uuid=job.instance_uuid, state=SCHEDULED)
    elif job.event_type:
        event = record_job_event(job)
    bus.publish(f"job.state.{JOB_STATES[status]}", {
        "id": job.uuid_str, "resource": "job", "state": JOB_STATES[status], "command": job.command,
        "type": job.event_type or None, "eventid": event.uuid_str if event else None,
        "account": str(job.account.uuid), "instancetype": job.instance_type or None,
        "instanceid": str(job.instance_uuid) if job.instance_uuid else None,
    })
    return event


def record_job_event(job):
    """The event of a finished async job, if its command declares one."""
    if not job.event_type:
        return None
    ok = job.status == 1
    what = job.event_description or job.command
    subject = f" {job.instance_type} Id: {job.instance_uuid}" if job.instance_uuid else ""
    return record_event(
        job.event_type,
        f"{'Successfully completed' if ok else 'Error while'} {what[:1].lower()}{what[1:].rstrip('.')}.{subject}"
        + ("" if ok else f" ({(job.result or {}).get('errortext', '')})"),
        account=job.account,
        user=job.user,
        level=EventLevel.INFO if ok else EventLevel.ERROR,
        resource_type=job.instance_type,
        resource_uuid=job.instance_uuid,
    )


def raise_alert(alert_type, subject, zone=None, pod=None, cluster=None, host=None):
    """An alert for the operator (``listAlerts``), also published as ``alert.<type name>``."""
    alert = Alert.objects.create(type=alert_type, subject=subject, zone=zone, pod=pod, cluster=cluster, host=host)
    name = AlertType(alert_type).name.lower()
    transaction.on_commit(lambda: bus.send(f"alert.{name}", {"id": alert.uuid_str, "type": int(alert_type), "description": subject}))
    return alert
