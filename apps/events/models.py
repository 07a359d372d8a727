from django.db import models

from apps.core.models import CloudObject


class EventLevel(models.TextChoices):
    INFO = "INFO"
    WARN = "WARN"
    ERROR = "ERROR"


class Event(CloudObject):
    """What happened, for ``listEvents``: one row per completed command or state change,
    with CloudStack's event type (``VM.CREATE``, ``VOLUME.ATTACH`` ...)."""

    type = models.CharField(max_length=64)
    level = models.CharField(max_length=8, choices=EventLevel.choices, default=EventLevel.INFO)
    state = models.CharField(max_length=16, default="Completed")
    description = models.TextField()
    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    user = models.ForeignKey("accounts.CloudUser", null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    resource_type = models.CharField(max_length=64, blank=True)
    resource_uuid = models.UUIDField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "-created"]), models.Index(fields=["type"])]

    def __str__(self):
        return f"{self.type}: {self.description}"


class AlertType(models.IntegerChoices):
    """CloudStack's alert type codes (AlertManager), those this platform raises."""

    MEMORY = 0
    CPU = 1
    STORAGE = 2
    STORAGE_ALLOCATED = 3
    HOST = 7
    USERVM = 8
    ROUTING = 11


class Alert(CloudObject):
    """Something an operator should look at (``listAlerts``): a host that stopped answering,
    a VM that high availability could not restart."""

    type = models.PositiveSmallIntegerField(choices=AlertType.choices)
    subject = models.TextField()
    zone = models.ForeignKey("fabric.Zone", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    pod = models.ForeignKey("fabric.Pod", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cluster = models.ForeignKey("fabric.Cluster", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    host = models.ForeignKey("fabric.Host", null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts")
    archived = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["archived", "-created"])]

    def __str__(self):
        return self.subject
