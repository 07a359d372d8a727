"""Domains, accounts and users, and their credentials."""
import secrets

from django.contrib.auth import get_user_model
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from apps.core.errors import ParamError

from .models import REMOVED, Account, AccountType, CloudUser, Domain


def root_domain():
    domain, _ = Domain.objects.get_or_create(parent=None, name="ROOT", defaults={"path": "ROOT"})
    return domain


def create_domain(name, parent=None, network_domain=""):
    parent = parent or root_domain()
    exists = ParamError(f"Domain with name {name} already exists for the parent {parent.path}")
    if Domain.objects.filter(parent=parent, name=name, removed__isnull=True).exists():
        raise exists
    try:
        with transaction.atomic():  # two callers at once: the unique constraint decides, cleanly
            return Domain.objects.create(name=name, parent=parent, path=f"{parent.path}/{name}",
                                         network_domain=network_domain)
    except IntegrityError:
        raise exists from None


@transaction.atomic
def full_admin(account):
    """Whether ``account``'s users may use the Django admin: a root admin account of the
    default Root Admin role (the admin knows no role rules, so a role of one's own, or a
    read-only one, keeps its accounts out of it)."""
    return account.type == AccountType.ROOT_ADMIN and account.role_id is None


def sync_logins(account):
    """The Django admin access of ``account``'s users, after its role changed or a user moved."""
    get_user_model().objects.filter(cloud_user__account=account).update(is_staff=full_admin(account),
                                                                      is_superuser=full_admin(account))


@transaction.atomic
def create_user(account, username, password=None, firstname="", lastname="", email=""):
    """A user of ``account``; its password and Django login live on a Django user of the same
    name (staff for root admins, so they can use the Django admin)."""
    Login = get_user_model()
    exists = ParamError(f"The user {username} already exists in this domain")
    if CloudUser.objects.filter(username=username).exclude(state=REMOVED).exists() or \
            Login.objects.filter(username=username).exists():
        raise exists
    login = Login(username=username, email=email, first_name=firstname, last_name=lastname)
    login.is_staff = login.is_superuser = full_admin(account)
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
def create_account(domain, name, account_type, username, password=None, firstname="", lastname="", email="", role=None,
                   network_domain=""):
    """An account with its first user; ``role``: a role of one's own (else its type's default)."""
    exists = ParamError(f"The specified account: {name} already exists in domain {domain.path}")
    if Account.objects.present().filter(domain=domain, name=name).exists():
        raise exists
    try:
        with transaction.atomic():
            account = Account.objects.create(domain=domain, name=name, type=account_type, role=role,
                                             network_domain=network_domain)
    except IntegrityError:
        raise exists from None
    create_user(account, username, password, firstname, lastname, email)
    return account


def rename_account(account, name):
    if Account.objects.present().filter(domain=account.domain, name=name).exclude(pk=account.pk).exists():
        raise ParamError(f"The specified account: {name} already exists in domain {account.domain.path}")
    account.name = name
    account.save(update_fields=["name"])
    return account


def ensure_user(username, account_name, account_type=AccountType.USER, domain=None, password=None):
    """The user ``username`` (made with its account if missing), with API keys."""
    with transaction.atomic():
        user = CloudUser.objects.filter(username=username).exclude(state=REMOVED).select_related("account").first()
        if user is None:
            domain = domain or root_domain()
            account = Account.objects.present().filter(domain=domain, name=account_name).first()
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


# --- the life cycle of users, accounts and domains ------------------------------------------------
USER_STATES = ("enabled", "disabled", "locked")


def _check_not_the_system(user):
    if user.username == "admin" and user.account.name == "admin" and user.account.domain.parent_id is None:
        raise ParamError("The default admin user cannot be changed this way")


@transaction.atomic
def update_user(user, email=None, firstname=None, lastname=None, username=None, password=None):
    """Change what is given of ``user``: its names, e-mail, login name or password (on its
    Django login too). Its keys change only with registerUserKeys."""
    login = user.login
    if username is not None and username != user.username:
        Login = get_user_model()
        if CloudUser.objects.filter(username=username).exists() or Login.objects.filter(username=username).exists():
            raise ParamError(f"The user {username} already exists in this domain")
        user.username = username
        if login is not None:
            login.username = username
    for field, value in (("email", email), ("firstname", firstname), ("lastname", lastname)):
        if value is not None:
            setattr(user, field, value)
    if login is not None:
        login.email, login.first_name, login.last_name = user.email, user.firstname, user.lastname
        if password is not None:
            login.set_password(password)
        login.save()
    user.save()
    return user


def set_user_state(user, state):
    """enabled, disabled or locked: only an enabled user's calls are let through."""
    assert state in USER_STATES, state
    _check_not_the_system(user)
    user.state = state
    user.save(update_fields=["state"])
    return user


@transaction.atomic
def delete_user(user):
    """Remove ``user``: it can no longer log in or sign a call; what it made stays its
    account's (its row stays, as CloudStack keeps removed users, shown by no list)."""
    _check_not_the_system(user)
    if user.account.users.exclude(state="removed").exclude(pk=user.pk).count() == 0:
        raise ParamError(f"The user {user.username} is the last user of its account; delete the account instead")
    remove_user(user)


def remove_user(user):
    """The user can no longer log in or sign a call, and its name is free again; its row stays."""
    login = user.login
    user.state, user.api_key, user.secret_key, user.login = REMOVED, None, None, None
    user.save(update_fields=["state", "api_key", "secret_key", "login"])
    if login is not None:
        login.delete()  # its sessions end with it


def account_removed(account):
    """deleteAccount's end, once its resources are gone: its users, limits and the account."""
    for user in account.users.exclude(state=REMOVED):
        remove_user(user)
    account.limits.all().delete()
    account.state = REMOVED
    account.save(update_fields=["state"])


def move_user(user, account):
    if account.domain_id != user.account.domain_id:
        raise ParamError("A user can only be moved to an account of the same domain")
    if account.type != user.account.type:
        raise ParamError("A user can only be moved to an account of the same type")
    user.account = account
    user.save(update_fields=["account"])
    sync_logins(account)
    return user


ACCOUNT_STATES = ("enabled", "locked")


def set_account_state(account, state):
    """enabled or locked (its users' calls are refused; its VMs keep running)."""
    assert state in ACCOUNT_STATES, state
    if account.name == "admin" and account.domain.parent_id is None:
        raise ParamError("The default admin account cannot be locked")
    account.state = state
    account.save(update_fields=["state"])
    return account


@transaction.atomic
def rename_domain(domain, name):
    """A new name for ``domain``; the paths of its subdomains follow."""
    if domain.parent_id is None:
        raise ParamError("The ROOT domain cannot be renamed")
    if Domain.objects.filter(parent_id=domain.parent_id, name=name, removed__isnull=True).exclude(pk=domain.pk).exists():
        raise ParamError(f"Domain with name {name} already exists for the parent {domain.parent.path}")
    old, new = domain.path, f"{domain.parent.path}/{name}"
    for below in Domain.objects.select_for_update().filter(path__startswith=old + "/", removed__isnull=True):
        below.path = new + below.path[len(old):]
        below.save(update_fields=["path"])
    domain.name, domain.path = name, new
    domain.save(update_fields=["name", "path"])
    return domain


def check_domain_deletable(domain, caller):
    if domain.parent_id is None:
        raise ParamError("The ROOT domain cannot be deleted")
    mine = caller.account.domain
    if mine.path == domain.path or mine.path.startswith(domain.path + "/"):
        raise ParamError("A domain that holds the caller's own account cannot be deleted by it")


def domain_tree(domain):
    """``domain`` and the domains below it not yet removed, the deepest first."""
    below = Domain.objects.filter(removed__isnull=True).filter(
        models.Q(pk=domain.pk) | models.Q(path__startswith=domain.path + "/"))
    return sorted(below, key=lambda d: -d.path.count("/"))


def accounts_in_tree(domain):
    return Account.objects.present().filter(domain__in=domain_tree(domain)).order_by("id")


def delete_domain(domain):
    """An empty domain (no accounts, no subdomains) goes from every list; ROOT stays."""
    if domain.parent_id is None:
        raise ParamError("The ROOT domain cannot be deleted")
    if domain.children.filter(removed__isnull=True).exists() or domain.accounts.exclude(state=REMOVED).exists():
        raise ParamError(f"The domain {domain.path} still has accounts or subdomains; delete them first")
    domain.limits.all().delete()
    domain.removed = timezone.now()
    domain.save(update_fields=["removed"])
