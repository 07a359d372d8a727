
from django.conf import settings
from django.db import models

from apps.core.models import CloudObject


class AccountType(models.IntegerChoices):
    # CloudStack's account types: the role of every user in the account.
    USER = 0, "User"
    ROOT_ADMIN = 1, "Root admin"
    DOMAIN_ADMIN = 2, "Domain admin"


class Domain(CloudObject):
    name = models.CharField(max_length=255)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=1024, default="ROOT")
    network_domain = models.CharField(max_length=190, blank=True, help_text="the DNS domain of its accounts' networks")
    # a deleted domain's row stays (its removed accounts name it), as CloudStack keeps them
    removed = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["parent", "name"], condition=models.Q(removed__isnull=True),
                                               name="domain_unique_name_in_parent")]

    def __str__(self):
        return self.path


class RoleType(models.TextChoices):
    """CloudStack's role types: what a role's accounts are (their account type)."""

    ADMIN = "Admin"
    DOMAIN_ADMIN = "DomainAdmin"
    USER = "User"


class Role(CloudObject):
    """A role of one's own (CloudStack's dynamic roles): its rules, in order, say which of the
    commands its type may call its accounts may call. The default roles (one per account type,
    :mod:`apps.accounts.roles`) are not rows: they allow what their type may call."""

    name = models.CharField(max_length=255)
    type = models.CharField(max_length=16, choices=RoleType.choices)
    description = models.TextField(blank=True)
    is_public = models.BooleanField(default=True)
    enabled = models.BooleanField(default=True, help_text="a disabled role's accounts may call nothing")
    is_default = models.BooleanField(default=False, help_text="one of CloudStack's read-only default roles: fixed")

    def __str__(self):
        return self.name


class RolePermission(CloudObject):
    """One rule of a role: a command name or a pattern with ``*`` wildcards, allowed or denied.
    The first rule that matches a command decides; a command no rule matches is denied."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="permissions")
    rule = models.CharField(max_length=255)
    permission = models.CharField(max_length=8, choices=[("allow", "allow"), ("deny", "deny")])
    description = models.TextField(blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]


REMOVED = "removed"  # the state of a deleted account or user: its row stays, no list shows it


class AccountQuerySet(models.QuerySet):
    def present(self):
        return self.exclude(state=REMOVED)


class Account(CloudObject):
    objects = AccountQuerySet.as_manager()

    name = models.CharField(max_length=255)
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="accounts")
    type = models.IntegerField(choices=AccountType.choices, default=AccountType.USER)
    state = models.CharField(max_length=16, default="enabled")
    network_domain = models.CharField(max_length=190, blank=True, help_text="the DNS domain of its networks' guests")
    # a role of one's own; none: the default role of the account's type
    role = models.ForeignKey(Role, null=True, blank=True, on_delete=models.PROTECT, related_name="accounts")

    class Meta:
        # a deleted account's name may be given again, as in CloudStack
        constraints = [models.UniqueConstraint(fields=["domain", "name"], condition=~models.Q(state=REMOVED),
                                               name="account_unique_name_in_domain")]

    @property
    def is_root_admin(self):
        return self.type == AccountType.ROOT_ADMIN

    def __str__(self):
        return self.name



class CloudUser(CloudObject):
    """A user of the cloud: signs API calls with its key pair. The secret is kept so the
    server can recompute signatures; it is never shown by a list command."""

    username = models.CharField(max_length=255)  # unique among the users not removed (Meta)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="users")
    firstname = models.CharField(max_length=255, blank=True)
    lastname = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=16, default="enabled")
    api_key = models.CharField(max_length=255, unique=True, null=True, blank=True)
    secret_key = models.CharField(max_length=255, null=True, blank=True)
    # The Django user behind this cloud user: its password (login, session auth) and, for
    # staff, the Django admin. Username and password live there, once.
    login = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="cloud_user"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["username"], condition=~models.Q(state=REMOVED),
                                               name="user_unique_username")]

    def __str__(self):
        return self.username


class ResourceLimit(models.Model):
    """How much of a resource an account, or a domain (its accounts and subdomains together),
    may hold; -1 is no limit. No row: no limit (a Javelin default; CloudStack's max.account.*
    settings default to 20 instances and so on)."""

    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.CASCADE, related_name="limits")
    domain = models.ForeignKey(Domain, null=True, blank=True, on_delete=models.CASCADE, related_name="limits")
    resource_type = models.PositiveSmallIntegerField()
    max = models.BigIntegerField(default=-1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "resource_type"], condition=models.Q(account__isnull=False),
                                    name="limit_unique_per_account"),
            models.UniqueConstraint(fields=["domain", "resource_type"], condition=models.Q(domain__isnull=False),
                                    name="limit_unique_per_domain"),
            models.CheckConstraint(condition=models.Q(account__isnull=True) ^ models.Q(domain__isnull=True),
                                   name="limit_of_an_account_or_a_domain"),
        ]
