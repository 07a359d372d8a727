from django.db import models

from apps.core.models import CloudObject


class OfferingQuerySet(models.QuerySet):
    def present(self):
        """The offerings not deleted: what lists show and new VMs and volumes may use (a
        deleted one stays for what was made from it, as in CloudStack)."""
        return self.filter(removed__isnull=True)


class ServiceOffering(CloudObject):
    objects = OfferingQuerySet.as_manager()

    name = models.CharField(max_length=255)  # names may repeat, as in CloudStack
    display_text = models.CharField(max_length=4096, blank=True)
    cpu_number = models.PositiveIntegerField()
    cpu_speed = models.PositiveIntegerField(help_text="MHz")
    memory_mb = models.PositiveIntegerField()
    offer_ha = models.BooleanField(default=False)
    host_tags = models.CharField(max_length=255, blank=True)
    storage_type = models.CharField(max_length=16, default="shared")
    removed = models.DateTimeField(null=True, blank=True)

    @property
    def cpu_mhz(self):
        return self.cpu_number * self.cpu_speed

    def __str__(self):
        return self.name


class DiskOffering(CloudObject):
    objects = OfferingQuerySet.as_manager()

    name = models.CharField(max_length=255)
    display_text = models.CharField(max_length=4096, blank=True)
    disk_size_gb = models.PositiveIntegerField(default=0)
    customized = models.BooleanField(default=False)
    storage_type = models.CharField(max_length=16, default="shared")
    removed = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name


class OsType(CloudObject):
    """A guest OS as CloudStack lists it (``listOsTypes``); templates name one."""

    description = models.CharField(max_length=255, unique=True)
    category = models.CharField(max_length=64, default="Other")

    def __str__(self):
        return self.description


class TemplateFormat(models.TextChoices):
    QCOW2 = "QCOW2"
    RAW = "RAW"


class TemplateQuerySet(models.QuerySet):
    """Template visibility, written once (the query API, the REST API and deploy use it)."""

    def present(self):
        return self.filter(removed__isnull=True)

    def usable_by(self, caller):
        """What ``caller`` may deploy from: the public templates, its account's own and those
        shared with its account (updateTemplatePermissions)."""
        shared = TemplatePermission.objects.filter(template=models.OuterRef("pk"), account=caller.account)
        return self.present().filter(models.Q(is_public=True) | models.Q(account=caller.account) | models.Exists(shared))

    def shared_with(self, caller):
        """The templates of other accounts shared with ``caller``'s (templatefilter=sharedexecutable)."""
        return self.present().filter(launch_permissions__account=caller.account).exclude(account=caller.account)

    def visible_to(self, caller):
        """What ``caller`` may see and act on: every template for a root admin, else those it may use."""
        return self.present() if caller.is_root_admin else self.usable_by(caller)


class Template(CloudObject):
    objects = TemplateQuerySet.as_manager()

    name = models.CharField(max_length=255)
    display_text = models.CharField(max_length=4096, blank=True)
    os_type = models.ForeignKey(OsType, on_delete=models.PROTECT, related_name="templates")
    format = models.CharField(max_length=16, choices=TemplateFormat.choices, default=TemplateFormat.QCOW2)
    hypervisor = models.CharField(max_length=32, default="Simulator")
    size_bytes = models.BigIntegerField()
    zone = models.ForeignKey("fabric.Zone", null=True, blank=True, on_delete=models.PROTECT, related_name="templates")
    url = models.CharField(max_length=2048, blank=True)
    is_public = models.BooleanField(default=True)
    is_featured = models.BooleanField(default=True)
    is_ready = models.BooleanField(default=True)
    status = models.TextField(default="Download Complete")
    checksum = models.CharField(max_length=255, blank=True)
    path = models.CharField(max_length=1024, blank=True, help_text="the image on secondary storage, once downloaded")
    password_enabled = models.BooleanField(default=False)
    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # A direct-boot template (a kernel and an initramfs on the hosts, no bootloader on the disk)
    kernel = models.CharField(max_length=1024, blank=True)
    initrd = models.CharField(max_length=1024, blank=True)
    cmdline = models.CharField(max_length=1024, blank=True)
    removed = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name


class TemplatePermission(models.Model):
    """An account that may deploy from a template that is not public (updateTemplatePermissions)."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="launch_permissions")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["template", "account"], name="template_permission_once")]


class TemplateCopy(CloudObject):
    """A template's image copied to another zone's secondary storage (copyTemplate): the
    template is usable there too once the copy is ready."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="copies")
    zone = models.ForeignKey("fabric.Zone", on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=1024, blank=True)
    is_ready = models.BooleanField(default=False)
    status = models.TextField(default="Copy pending")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["template", "zone"], name="template_copy_once_per_zone")]
