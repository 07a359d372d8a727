"""Domains, accounts and users, and their credentials."""
import secrets

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from apps.core.errors import ParamError

from .models import Account, AccountType, CloudUser, Domain


def root_domain():
    domain, _ = Domain.objects.get_or_create(parent=None, name="ROOT", defaults={"path": "ROOT"})
    return domain


def create_domain(name, parent=None):
    parent = parent or root_domain()
    exists = ParamError(f"Domain with name {name} already exists for the parent {parent.path}")
    if Domain.objects.filter(parent=parent, name=name).exists():
        raise exists
    try:
        with transaction.atomic():  # two callers at once: the unique constraint decides, cleanly
            return Domain.objects.create(name=name, parent=parent, path=f"{parent.path}/{name}")
    except IntegrityError:
        raise exists from None


@transaction.atomic
def create_user(account, username, password=None, firstname="", lastname="", email=""):
    """A user of ``account``; its password and Django login live on a Django user of the same
    name (staff for root admins, so they can use the Django admin)."""
    Login = get_user_model()
    exists = ParamError(f"The user {username} already exists in this domain")
    if CloudUser.objects.filter(username=username).exists() or Login.objects.filter(username=username).exists():
        raise exists
    login = Login(username=username, email=email, first_name=firstname, last_name=lastname)
    login.is_staff = login.is_superuser = account.type == AccountType.ROOT_ADMIN
    if password:
        login.set_password(password)
    else:
        login.set_unusable_password()
    try:
        with transaction.atomic():  # a concurrent create of the same name loses here, cleanly
            login.save()
            return CloudUser.objects.create(
                username=username, account=account, firstname=firstname, lastname=lastname, email=email, login=login
            )
    except IntegrityError:
        raise exists from None


@transaction.atomic
def create_account(domain, name, account_type, username, password=None, firstname="", lastname="", email="", role=None):
    """An account with its first user; ``role``: a role of one's own (else its type's default)."""
    exists = ParamError(f"The specified account: {name} already exists in domain {domain.path}")
    if Account.objects.filter(domain=domain, name=name).exists():
        raise exists
    try:
        with transaction.atomic():
            account = Account.objects.create(domain=domain, name=name, type=account_type, role=role)
    except IntegrityError:
        raise exists from None
    create_user(account, username, password, firstname, lastname, email)
    return account


def rename_account(account, name):
    if Account.objects.filter(domain=account.domain, name=name).exclude(pk=account.pk).exists():
        raise ParamError(f"The specified account: {name} already exists in domain {account.domain.path}")
    account.name = name
    account.save(update_fields=["name"])
    return account


def ensure_user(username, account_name, account_type=AccountType.USER, domain=None, password=None):
    """The user ``username`` (made with its account if missing), with API keys."""
    with transaction.atomic():
        user = CloudUser.objects.filter(username=username).select_related("account").first()
        if user is None:
            domain = domain or root_domain()
            account = Account.objects.filter(domain=domain, name=account_name).first()
            if account is None:
                account = Account.objects.create(domain=domain, name=account_name, type=account_type)
            user = create_user(account, username, password)
        if not user.api_key:
            register_keys(user)
    return user


def register_keys(user):
    """New API key and secret for ``user`` (CloudStack's registerUserKeys)."""
    user.api_key = secrets.token_urlsafe(64)
    user.secret_key = secrets.token_urlsafe(64)
    user.save(update_fields=["api_key", "secret_key"])
    return user


def check_password(user, password):
    return user.login is not None and user.login.check_password(password)
