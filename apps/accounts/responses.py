"""CloudStack objects for accounts: domain, account, user."""
import uuid

from apps.core.formats import compact, cs_date

from .models import Role, RolePermission
from .roles import DEFAULT_NAMES, ROLE_TYPE_OF, default_role_id


def domain_response(domain):
    parent = domain.parent
    return compact(
        {
            "id": domain.uuid_str,
            "name": domain.name,
            "level": domain.path.count("/"),
            "path": domain.path,
            "parentdomainid": parent.uuid_str if parent else None,
            "parentdomainname": parent.name if parent else None,
            "haschild": domain.has_child if hasattr(domain, "has_child") else
            domain.children.filter(removed__isnull=True).exists(),
            "networkdomain": domain.network_domain or None,
            "created": cs_date(domain.created),
        }
    )


def user_response(user, with_keys=False):
    account = user.account
    return compact(
        {
            "id": user.uuid_str,
            "username": user.username,
            "firstname": user.firstname,
            "lastname": user.lastname,
            "email": user.email or None,
            "state": user.state,
            "account": account.name,
            "accountid": account.uuid_str,
            "accounttype": account.type,
            "roletype": role_name(account.type),
            "domainid": account.domain.uuid_str,
            "domain": account.domain.name,
            "created": cs_date(user.created),
            "apikey": user.api_key,
            # the secret is shown only where CloudStack shows it: when keys are (re)issued
            "secretkey": user.secret_key if with_keys else None,
            "isdefault": False,
        }
    )


def role_name(account_type):
    return ROLE_TYPE_OF[account_type].value


def role_id(account_type):
    return default_role_id(account_type)


def role_response(role):
    """A role: a Role of one's own, or the account type of a default role."""
    if isinstance(role, Role):
        return {"id": role.uuid_str, "name": role.name, "type": role.type, "description": role.description,
                "isdefault": role.is_default, "ispublic": role.is_public,
                "state": "ENABLED" if role.enabled else "DISABLED"}
    name, description = DEFAULT_NAMES[role]
    return {"id": default_role_id(role), "name": name, "type": role_name(role), "description": description,
            "isdefault": True, "ispublic": True, "state": "ENABLED"}


def role_permission_response(role, rule):
    """A rule: a RolePermission, or (for a default role, its account type) a command it allows."""
    if isinstance(rule, RolePermission):
        return {"id": rule.uuid_str, "roleid": role.uuid_str, "rolename": role.name, "rule": rule.rule,
                "permission": rule.permission, "description": rule.description}
    return {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"javelin:rolepermission:{int(role)}:{rule.name}")),
            "roleid": default_role_id(role), "rolename": DEFAULT_NAMES[role][0], "rule": rule.name,
            "permission": "allow", "description": rule.description}


def account_response(account, totals=None, limits=None):
    """``totals``: what the account holds, by resource (:func:`selectors.resource_totals`);
    ``limits``: the limits set on it (:func:`limits.account_limits`), Unlimited where none is."""
    held = {}
    for resource, total in (totals or {}).items():
        limit = (limits or {}).get(resource)
        held.update({f"{resource}total": total, f"{resource}limit": "Unlimited" if limit is None else str(limit),
                     f"{resource}available": "Unlimited" if limit is None else str(max(limit - total, 0))})
    return {
        **held,
        "id": account.uuid_str,
        "name": account.name,
        "accounttype": account.type,
        "roletype": account.role.type if account.role_id else role_name(account.type),
        "roleid": account.role.uuid_str if account.role_id else role_id(account.type),
        "rolename": account.role.name if account.role_id else DEFAULT_NAMES[account.type][0],
        "domainid": account.domain.uuid_str,
        "domain": account.domain.name,
        "domainpath": account.domain.path,
        "state": account.state,
        **({"networkdomain": account.network_domain} if account.network_domain else {}),
        "isdefault": account.name == "admin" and account.domain.parent_id is None,
        "created": cs_date(account.created),
        "user": [user_response(u) for u in account.users.all()],
    }
