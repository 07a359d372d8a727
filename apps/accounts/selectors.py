"""Who is calling, and what that caller may see. Every list and lookup goes through
:func:`restrict`, so a list, a read by id and an action cannot disagree on visibility."""
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, Sum

from .models import Account, AccountType, CloudUser, Domain


@dataclass(frozen=True)
class Caller:
    user: CloudUser

    @property
    def account(self):
        return self.user.account

    @property
    def is_root_admin(self):
        return self.account.type == AccountType.ROOT_ADMIN

    @property
    def is_domain_admin(self):
        return self.account.type == AccountType.DOMAIN_ADMIN

    @property
    def is_admin(self):
        return self.is_root_admin or self.is_domain_admin


@dataclass(frozen=True)
class RoleOf:
    """Any caller of account type ``kind``, as far as what a role allows goes (a command's
    access reads only these)."""

    kind: int

    @property
    def is_root_admin(self):
        return self.kind == AccountType.ROOT_ADMIN

    @property
    def is_domain_admin(self):
        return self.kind == AccountType.DOMAIN_ADMIN

    @property
    def is_admin(self):
        return self.is_root_admin or self.is_domain_admin


def restrict(queryset, caller, account_field="account"):
    """Only the rows ``caller`` may see: all for root admin, the domain subtree for a domain
    admin, the caller's own account for a user."""
    if caller.is_root_admin:
        return queryset
    if caller.is_domain_admin:
        return queryset.filter(**{f"{account_field}__domain__in": domains_visible_to(caller)})
    return queryset.filter(**{account_field: caller.account})


def user_by_api_key(api_key):
    return (
        CloudUser.objects.select_related("account", "account__domain")
        .filter(api_key=api_key, state="enabled", account__state="enabled")
        .first()
    )


def enabled_user(pk):
    return (
        CloudUser.objects.select_related("account", "account__domain")
        .filter(pk=pk, state="enabled", account__state="enabled")
        .first()
    )


def domains_visible_to(caller):
    # has_child is read by every domain in a list: one subquery, not one query a domain
    queryset = (
        Domain.objects.filter(removed__isnull=True).select_related("parent")
        .annotate(has_child=Exists(Domain.objects.filter(parent=OuterRef("pk"), removed__isnull=True)))
        .order_by("id")
    )
    if caller.is_root_admin:
        return queryset
    own = caller.account.domain.path
    if caller.is_domain_admin:
        return queryset.filter(path=own) | queryset.filter(path__startswith=f"{own}/")
    return queryset.filter(pk=caller.account.domain_id)


# What an account holds, by the names of CloudStack's resource limits: each one summed for a
# page of accounts in one query (through the relations the other domains declare to accounts).
_LIVE_VM = Q(vms__removed__isnull=True) & ~Q(vms__state__in=["Destroyed", "Expunging", "Error"])
RESOURCE_TOTALS = {
    "vm": Count("vms", filter=_LIVE_VM),
    "cpu": Sum("vms__service_offering__cpu_number", filter=_LIVE_VM),
    "memory": Sum("vms__service_offering__memory_mb", filter=_LIVE_VM),  # MiB
    "volume": Count("volumes", filter=Q(volumes__removed__isnull=True)),
    "primarystorage": Sum("volumes__size_bytes", filter=Q(volumes__removed__isnull=True)),  # bytes; shown in GiB
    "snapshot": Count("snapshots", filter=Q(snapshots__removed__isnull=True)),
    "ip": Count("public_ips", filter=Q(public_ips__state="Allocated")),
    "network": Count("networks", filter=Q(networks__removed__isnull=True)),
}


def resource_totals(account_ids):
    """{account id: {resource: total}} for ``account_ids``."""
    totals = {pk: {} for pk in account_ids}
    for name, expression in RESOURCE_TOTALS.items():
        for pk, value in Account.objects.filter(pk__in=account_ids).annotate(total=expression).values_list("pk", "total"):
            totals[pk][name] = value or 0
    for held in totals.values():
        held["primarystorage"] = round(held.get("primarystorage", 0) / 1024 ** 3, 2)
    return totals
