"""CloudStack objects for accounts: domain, account, user."""
import uuid

from apps.core.formats import compact, cs_date

from .models import AccountType


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
            "haschild": domain.has_child if hasattr(domain, "has_child") else domain.children.exists(),
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
    return {AccountType.USER: "User", AccountType.ROOT_ADMIN: "Admin", AccountType.DOMAIN_ADMIN: "DomainAdmin"}[account_type]


# The roles: one for each account type, as CloudStack's four default roles (but Resource Admin,
# which has no account type here). What each allows is what the command registry says.
ROLE_TITLES = {AccountType.ROOT_ADMIN: ("Root Admin", "Every command"),
               AccountType.DOMAIN_ADMIN: ("Domain Admin", "Its domain and the domains below it"),
               AccountType.USER: ("User", "Its own account's resources")}


def role_id(account_type):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"javelin:role:{int(account_type)}"))


def role_response(account_type):
    name, description = ROLE_TITLES[account_type]
    return {"id": role_id(account_type), "name": name, "type": role_name(account_type), "description": description,
            "isdefault": True, "ispublic": True, "state": "ENABLED"}


def role_permission_response(account_type, command):
    return {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"javelin:rolepermission:{int(account_type)}:{command.name}")),
            "roleid": role_id(account_type), "rolename": ROLE_TITLES[account_type][0], "rule": command.name,
            "permission": "allow", "description": command.description}


def account_response(account, totals=None):
    """``totals``: what the account holds, by resource (:func:`selectors.resource_totals`);
    no limits are set on this cloud, so each is Unlimited."""
    held = {}
    for resource, total in (totals or {}).items():
        held.update({f"{resource}total": total, f"{resource}limit": "Unlimited", f"{resource}available": "Unlimited"})
    return {
        **held,
        "id": account.uuid_str,
        "name": account.name,
        "accounttype": account.type,
        "roletype": role_name(account.type),
        "roleid": role_id(account.type),
        "rolename": ROLE_TITLES[account.type][0],
        "domainid": account.domain.uuid_str,
        "domain": account.domain.name,
        "domainpath": account.domain.path,
        "state": account.state,
        "isdefault": account.name == "admin" and account.domain.parent_id is None,
        "created": cs_date(account.created),
        "user": [user_response(u) for u in account.users.all()],
    }
