from .models import Event, EventLevel


def record(event_type, description, account=None, user=None, level=EventLevel.INFO, resource_type="", resource_uuid=None):
    return Event.objects.create(
        type=event_type,
        description=description,
        account=account,
        user=user,
        level=level,
        resource_type=resource_type,
        resource_uuid=resource_uuid,
    )


def record_job(job):
    """The event of a finished async job, if its command declares one."""
    if not job.event_type:
        return None
    ok = job.status == 1
    what = job.event_description or job.command
    subject = f" {job.instance_type} Id: {job.instance_uuid}" if job.instance_uuid else ""
    return record(
        job.event_type,
        f"{'Successfully completed' if ok else 'Error while'} {what[:1].lower()}{what[1:].rstrip('.')}.{subject}"
        + ("" if ok else f" ({(job.result or {}).get('errortext', '')})"),
        account=job.account,
        user=job.user,
        level=EventLevel.INFO if ok else EventLevel.ERROR,
        resource_type=job.instance_type,
        resource_uuid=job.instance_uuid,
    )
