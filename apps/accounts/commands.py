"""Query-API commands for domains, accounts and users."""
from apps.core.errors import ParamError, PermissionDenied
from apps.core.listing import PAGING, by_id, filtered, list_response
from apps.core.registry import DOMAIN_ADMIN, Param, command

from . import services
from .models import Account, AccountType, CloudUser
from .responses import account_response, domain_response, user_response
from .selectors import domains_visible_to, restrict

ACCOUNT_PARAMS = (
    Param("username", required=True),
    Param("password", required=True),
    Param("email"),
    Param("firstname"),
    Param("lastname"),
    Param("domainid", "uuid"),
)


def _domain(call):
    """The domain a call names (``domainid``), or the caller's own; out of scope is 'not found'."""
    if "domainid" not in call.params:
        return call.caller.account.domain
    domain = domains_visible_to(call.caller).filter(uuid=call.get("domainid")).first()
    if domain is None:
        raise call.command.not_found("domainid", call.get("domainid"))
    return domain


@command("createDomain", params=(Param("name", required=True), Param("parentdomainid", "uuid")), access=DOMAIN_ADMIN,
         description="Creates a domain", cmd_class="org.apache.cloudstack.api.command.admin.domain.CreateDomainCmd",
         response=("domain",), event=("DOMAIN.CREATE", "creating domain"))
def create_domain(call):
    parent = call.caller.account.domain
    if "parentdomainid" in call.params:
        parent = by_id(call, domains_visible_to(call.caller), "parentdomainid")
    return {"domain": domain_response(services.create_domain(call.get("name"), parent))}


@command("listDomains", params=(Param("id", "uuid"), Param("name"), Param("listall", "boolean"), *PAGING),
         description="Lists domains and provides detailed information for listed domains",
         cmd_class="org.apache.cloudstack.api.command.admin.domain.ListDomainsCmd", response=("domain",))
def list_domains(call):
    domains = domains_visible_to(call.caller)
    if "id" in call.params:
        domains = domains.filter(uuid=call.get("id"))
    if "name" in call.params:
        domains = domains.filter(name=call.get("name"))
    return list_response(call, domains, "domain", domain_response)


@command("createAccount", params=(*ACCOUNT_PARAMS, Param("accounttype", "integer"), Param("account")),
         access=DOMAIN_ADMIN, description="Creates an account",
         cmd_class="org.apache.cloudstack.api.command.admin.account.CreateAccountCmd",
         response=("account",), event=("ACCOUNT.CREATE", "creating account"))
def create_account(call):
    kind = call.get("accounttype", AccountType.USER)
    if kind not in AccountType.values:
        raise call.command.invalid("accounttype", kind)
    if kind == AccountType.ROOT_ADMIN and not call.caller.is_root_admin:
        raise PermissionDenied("Only a root admin can create root admin accounts")
    account = services.create_account(
        _domain(call), call.get("account") or call.get("username"), kind, call.get("username"), call.get("password"),
        call.get("firstname", ""), call.get("lastname", ""), call.get("email", ""),
    )
    return {"account": account_response(account)}


@command("createUser", params=(*ACCOUNT_PARAMS, Param("account", required=True)), access=DOMAIN_ADMIN,
         description="Creates a user for an account that already exists",
         cmd_class="org.apache.cloudstack.api.command.admin.user.CreateUserCmd",
         response=("user",), event=("USER.CREATE", "creating user"))
def create_user(call):
    account = Account.objects.filter(domain=_domain(call), name=call.get("account")).first()
    if account is None:
        raise ParamError(f"Unable to find account {call.get('account')} in the domain")
    user = services.create_user(
        account, call.get("username"), call.get("password"), call.get("firstname", ""), call.get("lastname", ""),
        call.get("email", ""),
    )
    return {"user": user_response(user)}


def _users_visible(caller):
    users = restrict(CloudUser.objects.select_related("account__domain").order_by("id"), caller)
    return users if caller.is_admin else users.filter(pk=caller.user.pk)


@command("registerUserKeys", params=(Param("id", "uuid", required=True),),
         description="This command allows a user to register for the developer API, returning a secret key and an API key",
         cmd_class="org.apache.cloudstack.api.command.admin.user.RegisterCmd", response=("userkeys",),
         event=("REGISTER.USER.KEY", "registering user keys"))
def register_user_keys(call):
    user = services.register_keys(by_id(call, _users_visible(call.caller)))
    return {"userkeys": {"apikey": user.api_key, "secretkey": user.secret_key}}


@command("listAccounts", params=(Param("id", "uuid"), Param("name"), Param("domainid", "uuid"), Param("accounttype", "integer"),
                                  Param("listall", "boolean"), *PAGING),
         description="Lists accounts and provides detailed account information for listed accounts",
         cmd_class="org.apache.cloudstack.api.command.user.account.ListAccountsCmd", response=("account",))
def list_accounts(call):
    accounts = Account.objects.select_related("domain").prefetch_related("users__account__domain").order_by("id")
    if call.caller.is_admin:
        accounts = accounts.filter(domain__in=domains_visible_to(call.caller))
    else:
        accounts = accounts.filter(pk=call.caller.account.pk)
    accounts = filtered(accounts, call, {"id": "uuid", "name": "name", "domainid": "domain__uuid", "accounttype": "type"})
    if "keyword" in call.params:
        accounts = accounts.filter(name__icontains=call.get("keyword"))
    return list_response(call, accounts, "account", account_response)


@command("listUsers", params=(Param("id", "uuid"), Param("username"), Param("account"), Param("domainid", "uuid"),
                               Param("listall", "boolean"), *PAGING),
         description="Lists user accounts", cmd_class="org.apache.cloudstack.api.command.admin.user.ListUsersCmd",
         response=("user",))
def list_users(call):
    users = _users_visible(call.caller)
    users = filtered(users, call, {"id": "uuid", "username": "username", "account": "account__name", "domainid": "account__domain__uuid"})
    if "keyword" in call.params:
        users = users.filter(username__icontains=call.get("keyword"))
    return list_response(call, users, "user", user_response)


