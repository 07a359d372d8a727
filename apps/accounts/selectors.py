"""Who is calling, and what that caller may see. Every list and lookup goes through
:func:`restrict`, so a list, a read by id and an action cannot disagree on visibility."""
from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from .models import AccountType, CloudUser, Domain


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


def domains_visible_to(caller):
    # has_child is read by every domain in a list: one subquery, not one query a domain
    queryset = (
        Domain.objects.select_related("parent")
        .annotate(has_child=Exists(Domain.objects.filter(parent=OuterRef("pk"))))
        .order_by("id")
    )
    if caller.is_root_admin:
        return queryset
    own = caller.account.domain.path
    if caller.is_domain_admin:
        return queryset.filter(path=own) | queryset.filter(path__startswith=f"{own}/")
    return queryset.filter(pk=caller.account.domain_id)
