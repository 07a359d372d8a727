"""REST resources of async jobs, with their steps."""
from rest_framework import serializers, status
from rest_framework.response import Response

from apps.accounts.selectors import restrict
from apps.jobs.models import AsyncJob, JobStep

from .base import CloudSerializer, CloudViewSet


class JobStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = JobStep
        fields = ["name", "component", "state", "error_code", "error", "started", "finished"]


class JobSerializer(CloudSerializer):
    status = serializers.CharField(source="get_status_display", read_only=True)
    steps = JobStepSerializer(many=True, read_only=True)

    class Meta:
        model = AsyncJob
        fields = ["id", "command", "status", "result_code", "result", "instance_type", "instance_uuid", "steps", "created",
                  "completed"]


class JobViewSet(CloudViewSet):
    list_command = "listAsyncJobs"
    model = AsyncJob
    serializer_class = JobSerializer
    filterset_fields = ["command", "status", "instance_type"]

    def visible(self, caller):
        return restrict(AsyncJob.objects.select_related("account").prefetch_related("steps").order_by("-id"), caller)


def job_reply(reply):
    """The 202 answer of a REST action: the async job the query-API command started."""
    job = AsyncJob.objects.select_related("account").prefetch_related("steps").get(uuid=reply["jobid"])
    return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
