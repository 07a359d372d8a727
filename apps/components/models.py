from django.db import models


class Component(models.Model):
    """A live component process: what it is, what it consumes, where it answers."""

    name = models.CharField(max_length=64, help_text="api, orchestration, network, storage, compute, monitor, beat")
    node = models.CharField(max_length=255, help_text="its name among its peers, e.g. network@host")
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    queues = models.JSONField(default=list)
    version = models.CharField(max_length=32)
    endpoint = models.CharField(max_length=255, blank=True)
    started = models.DateTimeField(auto_now_add=True)
    last_heartbeat = models.DateTimeField()
    # what the process reports with each beat: tasks it finished and how long they take
    tasks_done = models.PositiveBigIntegerField(default=0)
    task_seconds = models.FloatField(null=True, blank=True, help_text="moving average of its tasks' run time")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["host", "pid", "name"], name="component_unique_process")]
        indexes = [models.Index(fields=["name", "last_heartbeat"])]

    def __str__(self):
        return f"{self.node} ({self.pid})"
