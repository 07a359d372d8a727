from django.db import models

from apps.core.models import CloudObject


class ResourceTag(CloudObject):
    """A key/value tag on any API object, named by CloudStack's resource type and its UUID."""

    resource_type = models.CharField(max_length=64)
    resource_uuid = models.UUIDField()
    key = models.CharField(max_length=255)
    value = models.CharField(max_length=255)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="tags")
    customer = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource_type", "resource_uuid", "key"], name="tag_unique_key_per_resource")
        ]
        indexes = [models.Index(fields=["resource_type", "resource_uuid"])]

    def __str__(self):
        return f"{self.key}={self.value}"
