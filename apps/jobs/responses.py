"""CloudStack's async job object, as queryAsyncJobResult and listAsyncJobs show it."""
from apps.core.formats import compact, cs_date

from .models import JobStatus


def job_response(job):
    done = job.status != JobStatus.PENDING
    return compact(
        {
            "jobid": job.uuid_str,
            "accountid": job.account.uuid_str,
            "userid": job.user.uuid_str,
            "cmd": job.cmd_class,
            "jobstatus": job.status,
            "jobprocstatus": job.steps_finished,  # AsyncJob.objects.with_progress()
            "jobresultcode": job.result_code,
            "jobresulttype": job.result_type if done else None,
            "jobresult": job.result if done else None,
            "jobinstancetype": job.instance_type or None,
            "jobinstanceid": str(job.instance_uuid) if job.instance_uuid else None,
            "created": cs_date(job.created),
            "completed": cs_date(job.completed),
        }
    )
