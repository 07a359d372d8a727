from django.db import models
from django.db.models.functions import Coalesce

from apps.core.models import CloudObject


class JobStatus(models.IntegerChoices):
    # CloudStack's JobInfo.Status values, as queryAsyncJobResult reports them.
    PENDING = 0, "In progress"
    SUCCEEDED = 1, "Succeeded"
    FAILED = 2, "Failed"


class StepState(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    COMPENSATED = "compensated"


class AsyncJobQuerySet(models.QuerySet):
    def with_progress(self):
        """Jobs with ``steps_finished``: CloudStack's ``jobprocstatus``, counted from the steps
        when a job is read, so that finishing a step is one write."""
        finished = JobStep.objects.filter(job_id=models.OuterRef("pk"), state__in=[StepState.DONE, StepState.COMPENSATED])
        return self.annotate(steps_finished=Coalesce(
            models.Subquery(finished.values("job_id").annotate(n=models.Count("id")).values("n")[:1]), 0))


class AsyncJob(CloudObject):
    objects = AsyncJobQuerySet.as_manager()

    command = models.CharField(max_length=255, help_text="API command name, e.g. deployVirtualMachine")
    cmd_class = models.CharField(max_length=255, help_text="CloudStack's command class, as clients see it in `cmd`")
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="jobs")
    user = models.ForeignKey("accounts.CloudUser", on_delete=models.PROTECT, related_name="jobs")
    params = models.JSONField(default=dict)
    status = models.IntegerField(choices=JobStatus.choices, default=JobStatus.PENDING)
    result_code = models.IntegerField(default=0)
    result_type = models.CharField(max_length=16, default="object")
    result = models.JSONField(null=True, blank=True)
    event_type = models.CharField(max_length=64, blank=True, help_text="CloudStack event type, e.g. VM.CREATE")
    event_description = models.CharField(max_length=255, blank=True, help_text='e.g. "deploying Vm"')
    instance_type = models.CharField(max_length=64, blank=True)
    instance_uuid = models.UUIDField(null=True, blank=True)
    completed = models.DateTimeField(null=True, blank=True)
    # How the job was handed to its component (the client function and its arguments), so the
    # watchdog can hand it over again if that message was lost; ``unsent`` while the broker
    # could not take it; ``redrives``/``redriven``: what the watchdog did for it.
    dispatch = models.JSONField(null=True, blank=True)
    unsent = models.BooleanField(default=False)
    redrives = models.PositiveSmallIntegerField(default=0)
    redriven = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "status"]), models.Index(fields=["instance_uuid"]),
                   models.Index(fields=["status", "created"], name="job_pending_by_age")]

    def __str__(self):
        return f"{self.command} {self.uuid}"


class JobStep(models.Model):
    """One task of a job's canvas, with its state, so progress can be shown."""

    job = models.ForeignKey(AsyncJob, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(max_length=64)
    component = models.CharField(max_length=32)
    state = models.CharField(max_length=16, choices=StepState.choices, default=StepState.PENDING)
    error_code = models.IntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=128, blank=True, help_text="host:pid:ppid of the process that runs it")
    # The flow's plan, recorded when it was prepared: which stage the step belongs to and the
    # message that runs it. The Orchestration Engine goes on from the plan, not from live state.
    stage = models.PositiveSmallIntegerField(null=True, blank=True)
    call = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["job", "name"], name="jobstep_unique_name_in_job")]

    def __str__(self):
        return f"{self.name}: {self.state}"
