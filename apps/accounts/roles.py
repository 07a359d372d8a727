"""Roles, as CloudStack's dynamic roles have them.

Every account has a role. The **default roles** are one per account type (Root Admin, Domain
Admin, User): each allows exactly the commands its type may call (the registry's access
levels), so they are not stored. A **role of one's own** (createRole, importRole) has a type
and an ordered list of rules: a command name or a pattern with ``*`` wildcards, allowed or
denied. A call is let through when the caller's type may call the command *and* the first of
its role's rules that matches the command allows it; a command no rule matches is denied (a
new role allows nothing until it is given rules).

CloudStack's read-only default roles ("Read-Only Admin - Default", "Read-Only User - Default")
are rows made by a migration (``is_default``): they allow every list, job results and the API
limit, and cannot be changed or deleted. A disabled role (disableRole) lets its accounts call
nothing until it is enabled again, and is given to no account.

The caller's rules are read with every call it makes (one small query, only for accounts of a
role of their own): a change to a role holds from the next call, in every API process.
"""
import fnmatch
import re
import uuid

from django.db import transaction
from django.db.models import Max

from apps.core.errors import ParamError
from apps.core.registry import PUBLIC, REGISTRY

from .models import Account, AccountType, Role, RolePermission, RoleType
from .selectors import RoleOf
from .services import sync_logins

ACCOUNT_TYPE_OF = {RoleType.ADMIN: AccountType.ROOT_ADMIN, RoleType.DOMAIN_ADMIN: AccountType.DOMAIN_ADMIN,
                   RoleType.USER: AccountType.USER}
ROLE_TYPE_OF = {kind: role_type for role_type, kind in ACCOUNT_TYPE_OF.items()}
DEFAULT_NAMES = {AccountType.ROOT_ADMIN: ("Root Admin", "Every command"),
                 AccountType.DOMAIN_ADMIN: ("Domain Admin", "Its domain and the domains below it"),
                 AccountType.USER: ("User", "Its own account's resources")}
DEFAULT_ORDER = (AccountType.ROOT_ADMIN, AccountType.DOMAIN_ADMIN, AccountType.USER)
_RULE = re.compile(r"^[A-Za-z0-9*]+$")  # CloudStack's rule syntax: an API name with * wildcards
PERMISSIONS = ("allow", "deny")


def default_role_id(account_type):
    """The fixed id of the default role of ``account_type``."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"javelin:role:{int(account_type)}"))


def default_of(role_id):
    """The account type whose default role ``role_id`` is, or None."""
    return next((kind for kind in DEFAULT_ORDER if default_role_id(kind) == role_id), None)


def role_type(value):
    """A role type as CloudStack names it, in any case (ValueError otherwise). CloudStack's
    ResourceAdmin has no account type of its own here."""
    for kind in RoleType:
        if kind.value.lower() == str(value).lower():
            return kind
    raise ValueError(value)


def type_allows(account_type, command):
    return command.access != PUBLIC and command.allows(RoleOf(account_type))


def default_rules(account_type):
    """The commands the default role of ``account_type`` allows, by name."""
    return [c for c in sorted(REGISTRY.values(), key=lambda c: c.name) if type_allows(account_type, c)]


def decides(rules, command_name):
    """What the first of ``rules`` ((rule, permission), in order) that matches says, or deny."""
    for rule, permission in rules:
        if fnmatch.fnmatchcase(command_name, rule):
            return permission == "allow"
    return False


def permits(account, command_name):
    """Whether ``account``'s role lets it call ``command_name`` (its type's access is checked
    by the command itself)."""
    if account.role_id is None:
        return True
    rules = RolePermission.objects.filter(role_id=account.role_id, role__enabled=True).order_by("sort_order", "id")
    return decides(rules.values_list("rule", "permission"), command_name)


def may_call(caller, command):
    """Whether ``caller`` may call ``command``: its account type's access and its role's rules."""
    if not command.allows(caller):
        return False
    return caller is None or command.access == PUBLIC or permits(caller.account, command.name)


def check_assignable(role):
    """A disabled role is given to no account."""
    if isinstance(role, Role) and not role.enabled:
        raise ParamError(f"The role {role.name} is disabled: enable it first")


def set_enabled(role, enabled):
    """enableRole/disableRole (not of a default role)."""
    check_mutable(role)
    role.enabled = enabled
    role.save(update_fields=["enabled"])
    return role


def check_mutable(role):
    if not isinstance(role, Role) or role.is_default:
        raise ParamError("Default roles cannot be changed here: make a role of your own (createRole with roleid "
                         "copies one)")


def change_role(account, role):
    """Give ``account`` another role of its type (a Role, or its type's default role)."""
    check_assignable(role)
    if account_type_for(role) != account.type:
        raise ParamError("An account's role can only be changed to a role of the same type")
    account.role = role if isinstance(role, Role) else None
    account.save(update_fields=["role"])
    sync_logins(account)
    return account


def _check_rule(rule):
    if not _RULE.match(rule or ""):
        raise ParamError(f"Invalid rule: {rule}; a rule is an API name, with * as a wildcard")


def _check_permission(permission):
    if str(permission).lower() not in PERMISSIONS:
        raise ParamError(f"Invalid permission: {permission}; it is allow or deny")
    return str(permission).lower()


@transaction.atomic
def create_role(name, kind, description="", is_public=True, clone_of=None):
    """A role of one's own; ``clone_of`` (a Role, or the account type of a default role) gives
    it that role's rules (and type)."""
    if clone_of is not None:
        kind = clone_of.type if isinstance(clone_of, Role) else ROLE_TYPE_OF[clone_of]
    role = Role.objects.create(name=name, type=kind, description=description, is_public=is_public)
    if isinstance(clone_of, Role):
        rules = [(p.rule, p.permission, p.description) for p in clone_of.permissions.all()]
    elif clone_of is not None:
        rules = [(c.name, "allow", c.description) for c in default_rules(clone_of)]
    else:
        rules = []
    RolePermission.objects.bulk_create([RolePermission(role=role, rule=rule, permission=permission, description=text,
                                                       sort_order=order) for order, (rule, permission, text) in enumerate(rules)])
    return role


@transaction.atomic
def import_role(name, kind, rules, description="", is_public=True, forced=False):
    """A role with ``rules`` (dicts of rule, permission, description), replacing the rules of
    the role of that name when ``forced``."""
    checked = [(r.get("rule"), _check_permission(r.get("permission", "")), r.get("description", "")) for r in rules]
    for rule, _permission, _text in checked:
        _check_rule(rule)
    role = Role.objects.select_for_update().filter(name=name).first()
    if role is not None and role.is_default:
        check_mutable(role)
    if role is not None and not forced:
        raise ParamError(f"Role already exists with name: {name}")
    if role is None:
        role = Role.objects.create(name=name, type=kind, description=description, is_public=is_public)
    else:
        role.permissions.all().delete()
        role.type, role.description, role.is_public = kind, description or role.description, is_public
        role.save()
    RolePermission.objects.bulk_create([RolePermission(role=role, rule=rule, permission=permission, description=text,
                                                       sort_order=order) for order, (rule, permission, text) in enumerate(checked)])
    return role


def update_role(role, name=None, kind=None, description=None, is_public=None):
    check_mutable(role)
    if kind is not None and kind != role.type and role.accounts.exists():
        raise ParamError(f"The role {role.name} is in use by accounts: its type cannot change")
    for field, value in (("name", name), ("type", kind), ("description", description), ("is_public", is_public)):
        if value is not None:
            setattr(role, field, value)
    role.save()
    return role


def delete_role(role):
    check_mutable(role)
    if Account.objects.filter(role=role).exists():
        raise ParamError(f"The role {role.name} is in use by accounts and cannot be deleted")
    role.delete()


@transaction.atomic
def add_permission(role, rule, permission, description=""):
    check_mutable(role)
    _check_rule(rule)
    permission = _check_permission(permission)
    Role.objects.select_for_update().filter(pk=role.pk).first()  # one rule added at a time: orders stay distinct
    last = role.permissions.aggregate(last=Max("sort_order"))["last"]
    return RolePermission.objects.create(role=role, rule=rule, permission=permission, description=description,
                                         sort_order=0 if last is None else last + 1)


@transaction.atomic
def reorder(role, permission_ids):
    """Put ``role``'s rules in the order of ``permission_ids`` (every one of them, once)."""
    check_mutable(role)
    rules = {str(p.uuid): p for p in role.permissions.select_for_update()}
    if sorted(permission_ids) != sorted(rules):
        raise ParamError("The rule order must name every rule of the role, once")
    for order, permission_id in enumerate(permission_ids):
        RolePermission.objects.filter(pk=rules[permission_id].pk).update(sort_order=order)


def delete_permission(rule):
    check_mutable(rule.role)
    rule.delete()


def set_permission(rule, permission):
    check_mutable(rule.role)
    rule.permission = _check_permission(permission)
    rule.save(update_fields=["permission"])
    return rule


def account_type_for(role):
    """The account type of the accounts of ``role`` (a Role, or a default role's type)."""
    return ACCOUNT_TYPE_OF[RoleType(role.type)] if isinstance(role, Role) else role
