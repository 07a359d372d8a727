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
