"""CloudStack objects for accounts: domain, account, user."""
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


def account_response(account):
    return {
        "id": account.uuid_str,
        "name": account.name,
        "accounttype": account.type,
        "roletype": role_name(account.type),
        "domainid": account.domain.uuid_str,
        "domain": account.domain.name,
        "domainpath": account.domain.path,
        "state": account.state,
        "isdefault": account.name == "admin" and account.domain.parent_id is None,
        "created": cs_date(account.created),
        "user": [user_response(u) for u in account.users.all()],
    }
