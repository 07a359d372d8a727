"""Query-API commands of async jobs."""
from apps.accounts.selectors import restrict
from apps.core.listing import PAGING, by_id, list_response, own_unless_listall
from apps.core.registry import Param, command

from .models import AsyncJob
from .responses import job_response


def _jobs_of(caller):
    return restrict(AsyncJob.objects.with_progress().select_related("account", "user").order_by("-id"), caller)


@command(
    "queryAsyncJobResult",
    params=(Param("jobid", "uuid", required=True),),
    description="Retrieves the current status of asynchronous job.",
    cmd_class="org.apache.cloudstack.api.command.user.job.QueryAsyncJobResultCmd",
)
def query_async_job_result(call):
    return job_response(by_id(call, _jobs_of(call.caller), "jobid"))


@command(
    "listAsyncJobs",
    params=(Param("listall", "boolean"), Param("account"), Param("domainid", "uuid"), Param("startdate", "date"), *PAGING),
    description="Lists all pending asynchronous jobs for the account.",
    cmd_class="org.apache.cloudstack.api.command.user.job.ListAsyncJobsCmd",
)
def list_async_jobs(call):
    jobs = _jobs_of(call.caller)
    jobs = own_unless_listall(jobs, call)
    if "account" in call.params:
        jobs = jobs.filter(account__name=call.get("account"))
    if "domainid" in call.params:
        jobs = jobs.filter(account__domain__uuid=call.get("domainid"))
    if "keyword" in call.params:
        jobs = jobs.filter(command__icontains=call.get("keyword"))
    return list_response(call, jobs, "asyncjobs", job_response)
