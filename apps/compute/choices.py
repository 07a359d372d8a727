"""The enumerations of compute (NetBox keeps each app's choices in one place, too)."""
from django.db import models


class VmState(models.TextChoices):
    STARTING = "Starting"
    RUNNING = "Running"
    STOPPING = "Stopping"
    STOPPED = "Stopped"
    DESTROYED = "Destroyed"
    EXPUNGING = "Expunging"
    MIGRATING = "Migrating"
    ERROR = "Error"
