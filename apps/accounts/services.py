import secrets

from django.db import transaction

from .models import Account, AccountType, CloudUser, Domain


def root_domain():
    domain, _ = Domain.objects.get_or_create(parent=None, name="ROOT", defaults={"path": "ROOT"})
    return domain


def ensure_user(username, account_name, account_type=AccountType.USER, domain=None):
    """The user ``username`` (made with its account if missing), with API keys."""
    with transaction.atomic():
        domain = domain or root_domain()
        account, _ = Account.objects.get_or_create(domain=domain, name=account_name, defaults={"type": account_type})
        user, _ = CloudUser.objects.get_or_create(username=username, defaults={"account": account})
        if not user.api_key:
            register_keys(user)
    return user


def register_keys(user):
    """New API key and secret for ``user`` (CloudStack's registerUserKeys)."""
    user.api_key = secrets.token_urlsafe(64)
    user.secret_key = secrets.token_urlsafe(64)
    user.save(update_fields=["api_key", "secret_key"])
    return user
