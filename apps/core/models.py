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


class ConfigurationValue(models.Model):
    """A setting given a value of its own by updateConfiguration: the cloud's (``scope`` global,
    ``scope_pk`` 0) or one zone's, cluster's, storage pool's, domain's or account's. A setting
    with no row has its default (:mod:`apps.core.config`)."""

    name = models.CharField(max_length=255)
    scope = models.CharField(max_length=16, default="global")
    scope_pk = models.BigIntegerField(default=0)
    value = models.TextField()
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "scope", "scope_pk"], name="one_value_per_setting_scope")]

    def __str__(self):
        return f"{self.name}={self.value}"
