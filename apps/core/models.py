"""Abstract bases shared by every domain app."""
import uuid

from django.db import models


class CloudObject(models.Model):
    """Every object the API shows is known by a UUID string, as in CloudStack."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    @property
    def uuid_str(self):
        return str(self.uuid)


class OutboxMessage(models.Model):
    """A message for the bus that could not be published when it was sent (the broker was
    down); the relay (``workers.monitor.tasks.relay_events``) publishes it later, oldest first."""

    routing_key = models.CharField(max_length=255)
    payload = models.JSONField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.routing_key
