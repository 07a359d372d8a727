"""Query-API commands for domains, accounts and users."""
from django.db.models import Prefetch

from apps.core.errors import ParamError, PermissionDenied
from apps.core.listing import PAGING, SHOWICON, Rows, by_id, filtered, list_response, none_exist
from apps.core.registry import DOMAIN_ADMIN, PUBLIC, ROOT_ADMIN, Param, command, every_documented
from apps.core.validators import network_domain

from . import limits, roles, services
from .models import REMOVED, Account, AccountType, CloudUser, Role, RolePermission, RoleType
from .responses import account_response, domain_response, role_permission_response, role_response, user_response
from .selectors import domains_visible_to, resource_totals, restrict

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


DOMAIN_NETWORK_DOMAIN = Param("networkdomain", check=network_domain, length=190,
                              description="the DNS domain of its accounts' networks' guests")


@command("createDomain", params=(Param("name", required=True), Param("parentdomainid", "uuid"), DOMAIN_NETWORK_DOMAIN),
         access=DOMAIN_ADMIN,
         description="Creates a domain", cmd_class="org.apache.cloudstack.api.command.admin.domain.CreateDomainCmd",
         response=("domain",), event=("DOMAIN.CREATE", "creating domain"))
def create_domain(call):
    parent = call.caller.account.domain
    if "parentdomainid" in call.params:
        parent = by_id(call, domains_visible_to(call.caller), "parentdomainid")
    return {"domain": domain_response(services.create_domain(call.get("name"), parent, call.get("networkdomain", "")))}


def _managed_domain(call):
    domain = by_id(call, domains_visible_to(call.caller))
    if domain == call.caller.account.domain and not call.caller.is_root_admin:
        raise PermissionDenied("A domain admin cannot change its own domain")
    return domain


@command("updateDomain", params=(Param("id", "uuid", required=True), Param("name"), DOMAIN_NETWORK_DOMAIN),
         access=DOMAIN_ADMIN,
         description="Renames a domain (its subdomains' paths follow)", response=("domain",),
         cmd_class="org.apache.cloudstack.api.command.admin.domain.UpdateDomainCmd", event=("DOMAIN.UPDATE", "updating Domain"))
def update_domain(call):
    domain = _managed_domain(call)
    if call.get("name"):
        domain = services.rename_domain(domain, call.get("name"))
    if "networkdomain" in call.params:
        domain.network_domain = call.get("networkdomain")
        domain.save(update_fields=["network_domain"])
    return {"domain": domain_response(domain)}


@command("listDomains", params=(Param("id", "uuid"), Param("name"), Param("listall", "boolean"), SHOWICON, *PAGING),
         description="Lists domains and provides detailed information for listed domains",
         cmd_class="org.apache.cloudstack.api.command.admin.domain.ListDomainsCmd", response=("domain",))
def list_domains(call):
    domains = domains_visible_to(call.caller)
    if "id" in call.params:
        domains = domains.filter(uuid=call.get("id"))
    if "name" in call.params:
        domains = domains.filter(name=call.get("name"))
    return list_response(call, domains, "domain", domain_response)


@command("listDomainChildren", params=(Param("id", "uuid"), Param("name"), Param("isrecursive", "boolean"),
                                      Param("listall", "boolean"), SHOWICON, *PAGING), access=DOMAIN_ADMIN,
         description="Lists the subdomains of a domain", response=("domain",),
         cmd_class="org.apache.cloudstack.api.command.admin.domain.ListDomainChildrenCmd")
def list_domain_children(call):
    """The domains below ``id`` (the caller's own domain by default): its children, or every
    domain under it with ``isrecursive`` (or ``listall``)."""
    visible = domains_visible_to(call.caller)
    parent = by_id(call, visible) if "id" in call.params else call.caller.account.domain
    if call.get("isrecursive") or call.get("listall"):
        children = visible.filter(path__startswith=f"{parent.path}/")
    else:
        children = visible.filter(parent=parent)
    children = filtered(children.order_by("path"), call, {"name": "name", "keyword": "name__icontains"})
    return list_response(call, children, "domain", domain_response)


NETWORK_DOMAIN = Param("networkdomain", check=network_domain, length=190,
                       description="the DNS domain of the account's networks' guests")


@command("createAccount", params=(*ACCOUNT_PARAMS, Param("accounttype", "integer"), Param("account"), NETWORK_DOMAIN,
                                  Param("roleid", "uuid", description="the account's role (it sets the account's type)")),
         access=DOMAIN_ADMIN, description="Creates an account",
         cmd_class="org.apache.cloudstack.api.command.admin.account.CreateAccountCmd",
         response=("account",), event=("ACCOUNT.CREATE", "creating account"))
def create_account(call):
    kind = call.get("accounttype", AccountType.USER)
    if kind not in AccountType.values:
        raise call.command.invalid("accounttype", kind)
    role = _role(call, "roleid") if "roleid" in call.params else None
    if role is not None:
        roles.check_assignable(role)
        if "accounttype" in call.params and roles.account_type_for(role) != kind:
            raise ParamError("The role's type and the account type differ; give one of roleid and accounttype")
        kind = roles.account_type_for(role)
    if kind == AccountType.ROOT_ADMIN and not call.caller.is_root_admin:
        raise PermissionDenied("Only a root admin can create root admin accounts")
    account = services.create_account(
        _domain(call), call.get("account") or call.get("username"), kind, call.get("username"), call.get("password"),
        call.get("firstname", ""), call.get("lastname", ""), call.get("email", ""),
        role=role if isinstance(role, Role) else None, network_domain=call.get("networkdomain", ""),
    )
    return {"account": account_response(account)}


@command("updateAccount", params=(Param("id", "uuid"), Param("account"), Param("domainid", "uuid"), Param("newname"),
                                  NETWORK_DOMAIN,
                                  Param("roleid", "uuid", description="a role of the account's type")),
         access=DOMAIN_ADMIN, description="Updates an account's name or role", response=("account",),
         cmd_class="org.apache.cloudstack.api.command.admin.account.UpdateAccountCmd",
         event=("ACCOUNT.UPDATE", "updating account"))
def update_account(call):
    account = _account(call, own=True)
    if "roleid" in call.params:
        roles.change_role(account, _role(call, "roleid"))
    if call.get("newname"):
        services.rename_account(account, call.get("newname"))
    if "networkdomain" in call.params:
        Account.objects.filter(pk=account.pk).update(network_domain=call.get("networkdomain"))
    return {"account": account_response(Account.objects.select_related("domain", "role").get(pk=account.pk))}


@command("createUser", params=(*ACCOUNT_PARAMS, Param("account", required=True)), access=DOMAIN_ADMIN,
         description="Creates a user for an account that already exists",
         cmd_class="org.apache.cloudstack.api.command.admin.user.CreateUserCmd",
         response=("user",), event=("USER.CREATE", "creating user"))
def create_user(call):
    account = Account.objects.present().filter(domain=_domain(call), name=call.get("account")).first()
    if account is None:
        raise ParamError(f"Unable to find account {call.get('account')} in the domain")
    user = services.create_user(
        account, call.get("username"), call.get("password"), call.get("firstname", ""), call.get("lastname", ""),
        call.get("email", ""),
    )
    return {"user": user_response(user)}


def _users_visible(caller):
    users = restrict(CloudUser.objects.select_related("account__domain").exclude(state="removed").order_by("id"), caller)
    return users if caller.is_admin else users.filter(pk=caller.user.pk)


@command("registerUserKeys", params=(Param("id", "uuid", required=True),),
         description="This command allows a user to register for the developer API, returning a secret key and an API key",
         cmd_class="org.apache.cloudstack.api.command.admin.user.RegisterCmd", response=("userkeys",),
         event=("REGISTER.USER.KEY", "registering user keys"))
def register_user_keys(call):
    user = services.register_keys(by_id(call, _users_visible(call.caller)))
    return {"userkeys": {"apikey": user.api_key, "secretkey": user.secret_key}}


def _user(call, param="id", admin=True):
    """The user ``param`` names, among those the caller may manage (``admin``: not itself)."""
    user = by_id(call, _users_visible(call.caller), param)
    if admin and not call.caller.is_admin:
        raise PermissionDenied(f"Only an admin may do this to user {user.username}")
    if user.account.type == AccountType.ROOT_ADMIN and not call.caller.is_root_admin:
        raise PermissionDenied("Only a root admin can change a root admin's users")
    return user


@command("updateUser", params=(Param("id", "uuid", required=True), Param("email"), Param("firstname"), Param("lastname"),
                               Param("username"), Param("password"), Param("currentpassword")),
         description="Updates a user: names, e-mail, login name, password (a user changing its own gives currentpassword)",
         cmd_class="org.apache.cloudstack.api.command.admin.user.UpdateUserCmd", response=("user",),
         event=("USER.UPDATE", "updating User"))
def update_user(call):
    user = _user(call, admin=False)
    if user.pk == call.caller.user.pk and "password" in call.params and not call.caller.is_admin:
        if not services.check_password(user, call.get("currentpassword") or ""):
            raise ParamError("Current password is incorrect" if "currentpassword" in call.params
                             else "Current password is required to change one's own password")
    user = services.update_user(user, call.get("email"), call.get("firstname"), call.get("lastname"),
                                call.get("username"), call.get("password"))
    return {"user": user_response(user)}


@command("getUserKeys", params=(Param("id", "uuid", required=True),), description="The API and secret keys of a user",
         cmd_class="org.apache.cloudstack.api.command.user.user.GetUserKeysCmd", response=("userkeys",))
def get_user_keys(call):
    user = _user(call, admin=False)
    return {"userkeys": {"apikey": user.api_key, "secretkey": user.secret_key}}


def _user_state_command(name, state, description, event, is_async=False):
    @command(name, params=(Param("id", "uuid", required=True),), access=DOMAIN_ADMIN, is_async=is_async,
             description=description, response=("user",), event=event,
             cmd_class=f"org.apache.cloudstack.api.command.admin.user.{name[0].upper()}{name[1:-4]}UserCmd")
    def handler(call):
        user = _user(call)
        if user.pk == call.caller.user.pk:
            raise ParamError("A user cannot change its own state")
        body = {"user": user_response(services.set_user_state(user, state))}
        return call.done(body) if is_async else body
    return handler


_user_state_command("enableUser", "enabled", "Enables a user", ("USER.ENABLE", "enabling User"))
_user_state_command("lockUser", "locked", "Locks a user: its calls are refused", ("USER.LOCK", "locking User"))
_user_state_command("disableUser", "disabled", "Disables a user: its calls are refused", ("USER.DISABLE", "disabling User"),
                    is_async=True)


@command("deleteUser", params=(Param("id", "uuid", required=True),), access=DOMAIN_ADMIN, description="Deletes a user",
         cmd_class="org.apache.cloudstack.api.command.admin.user.DeleteUserCmd", event=("USER.DELETE", "deleting User"))
def delete_user(call):
    user = _user(call)
    if user.pk == call.caller.user.pk:
        raise ParamError("A user cannot delete itself")
    services.delete_user(user)
    return {"success": "true"}


@command("moveUser", params=(Param("id", "uuid", required=True), Param("account"), Param("accountid", "uuid")),
         access=DOMAIN_ADMIN, description="Moves a user to another account of its domain",
         cmd_class="org.apache.cloudstack.api.command.admin.user.MoveUserCmd", event=("USER.MOVE", "moving User"))
def move_user(call):
    user = _user(call)
    accounts = Account.objects.present().filter(domain__in=domains_visible_to(call.caller))
    if "accountid" in call.params:
        account = by_id(call, accounts, "accountid")
    elif "account" in call.params:
        account = accounts.filter(domain=user.account.domain, name=call.get("account")).first()
        if account is None:
            raise ParamError(f"Unable to find account {call.get('account')} in the domain")
    else:
        raise ParamError("Give account or accountid")
    services.move_user(user, account)
    return {"success": "true"}


def _account(call, own=False):
    """The account ``id``, or ``account`` + ``domainid``, among those the caller manages
    (its ``own`` account too, for what is not a change of state)."""
    visible = Account.objects.present().filter(domain__in=domains_visible_to(call.caller)).select_related("domain")
    if "id" in call.params:
        account = by_id(call, visible)
    elif "account" in call.params:
        account = visible.filter(name=call.get("account"), domain=_domain(call)).first()
        if account is None:
            raise ParamError(f"Unable to find account {call.get('account')} in the domain")
    else:
        raise ParamError("Give the account's id, or account and domainid")
    if account.type == AccountType.ROOT_ADMIN and not call.caller.is_root_admin:
        raise PermissionDenied("Only a root admin can change a root admin account")
    if account.pk == call.caller.account.pk and not own:
        raise ParamError("An account cannot change its own state")
    return account


ACCOUNT_BY = (Param("id", "uuid"), Param("account"), Param("domainid", "uuid"))


@command("lockAccount", params=(Param("account", required=True), Param("domainid", "uuid", required=True)),
         access=DOMAIN_ADMIN, description="Locks an account: its users' calls are refused, its VMs keep running",
         cmd_class="org.apache.cloudstack.api.command.admin.account.LockAccountCmd", response=("account",),
         event=("ACCOUNT.DISABLE", "locking account"))
def lock_account(call):
    return {"account": account_response(services.set_account_state(_account(call), "locked"))}


@command("disableAccount", params=(*ACCOUNT_BY, Param("lock", "boolean", required=True)), access=DOMAIN_ADMIN,
         is_async=True, description="Locks an account (lock=true); disabling, which stops its VMs, is not offered",
         cmd_class="org.apache.cloudstack.api.command.admin.account.DisableAccountCmd", response=("account",),
         event=("ACCOUNT.DISABLE", "disabling account"))
def disable_account(call):
    if not call.get("lock"):
        raise call.command.unsupported("lock", "lock=false (disable: stop every VM of the account) is not offered here; "
                                               "lock=true locks it")
    return call.done({"account": account_response(services.set_account_state(_account(call), "locked"))})


@command("enableAccount", params=ACCOUNT_BY, access=DOMAIN_ADMIN, description="Enables a locked account",
         cmd_class="org.apache.cloudstack.api.command.admin.account.EnableAccountCmd", response=("account",),
         event=("ACCOUNT.ENABLE", "enabling account"))
def enable_account(call):
    return {"account": account_response(services.set_account_state(_account(call), "enabled"))}


@command("listAccounts", params=(Param("id", "uuid"), Param("name"), Param("domainid", "uuid"), Param("accounttype", "integer"),
                                  Param("listall", "boolean"), SHOWICON, *PAGING),
         description="Lists accounts and provides detailed account information for listed accounts",
         cmd_class="org.apache.cloudstack.api.command.user.account.ListAccountsCmd", response=("account",))
def list_accounts(call):
    users = Prefetch("users", queryset=CloudUser.objects.exclude(state=REMOVED).select_related("account__domain"))
    accounts = Account.objects.present().select_related("domain").prefetch_related(users).order_by("id")
    if call.caller.is_admin:
        accounts = accounts.filter(domain__in=domains_visible_to(call.caller))
    else:
        accounts = accounts.filter(pk=call.caller.account.pk)
    accounts = filtered(accounts, call, {"id": "uuid", "name": "name", "domainid": "domain__uuid", "accounttype": "type"})
    if "keyword" in call.params:
        accounts = accounts.filter(name__icontains=call.get("keyword"))

    def render(page):
        ids = [account.pk for account in page]
        totals, set_limits = resource_totals(ids), limits.account_limits(ids)
        return [account_response(account, totals[account.pk], set_limits[account.pk]) for account in page]

    return list_response(call, accounts, "account", render_page=render)


@command("listUsers", params=(Param("id", "uuid"), Param("username"), Param("account"), Param("domainid", "uuid"),
                               Param("listall", "boolean"), SHOWICON, *PAGING),
         description="Lists user accounts", cmd_class="org.apache.cloudstack.api.command.admin.user.ListUsersCmd",
         response=("user",))
def list_users(call):
    users = _users_visible(call.caller)
    users = filtered(users, call, {"id": "uuid", "username": "username", "account": "account__name", "domainid": "account__domain__uuid"})
    if "keyword" in call.params:
        users = users.filter(username__icontains=call.get("keyword"))
    return list_response(call, users, "user", user_response)




# --- ways of logging in this cloud does not offer (SAML, OAuth, LDAP, password reset by mail) -----
# CloudStack's login page asks for them before anyone logs in; each answers as CloudStack does
# when its plugin is not enabled: nothing to list, and a clear refusal for an action.
NOT_ENABLED = "{} is not enabled on this cloud"


@command("listIdps", params=every_documented("listIdps"), access=PUBLIC, description="Lists the SAML identity providers (none: SAML is not enabled)",
         cmd_class="org.apache.cloudstack.api.command.ListIdpsCmd", response=("idp",))
def list_idps(call):
    return none_exist(call)


@command("listOauthProvider", params=every_documented("listOauthProvider", Param("id", "uuid"), Param("provider"), *PAGING), access=PUBLIC,
         description="Lists the OAuth providers users may log in with (none: OAuth is not enabled)",
         cmd_class="org.apache.cloudstack.oauth2.api.command.ListOAuthProvidersCmd", response=("oauthprovider",))
def list_oauth_providers(call):
    return none_exist(call)


@command("oauthlogin", params=(Param("provider", required=True), Param("email", required=True), Param("domain"),
                               Param("domainid", "uuid"), Param("secretcode")), access=PUBLIC,
         description="Logs a user in with an OAuth provider", response=("loginresponse",),
         cmd_class="org.apache.cloudstack.oauth2.api.command.OauthLoginAPIAuthenticatorCmd")
def oauth_login(call):
    raise ParamError(NOT_ENABLED.format("OAuth login"))


@command("forgotPassword", params=(Param("username", required=True), Param("domain")), access=PUBLIC,
         description="Mails a user a token to reset the password with",
         cmd_class="org.apache.cloudstack.api.auth.APIAuthenticatorCmd", response=("success",))
def forgot_password(call):
    raise ParamError(NOT_ENABLED.format("Resetting a password by mail"))


@command("resetPassword", params=(Param("username", required=True), Param("domain"), Param("token", required=True),
                                  Param("password", required=True)), access=PUBLIC,
         description="Sets a new password with a token from forgotPassword",
         cmd_class="org.apache.cloudstack.api.auth.APIAuthenticatorCmd", response=("success",))
def reset_password(call):
    raise ParamError(NOT_ENABLED.format("Resetting a password by mail"))


@command("listAndSwitchSamlAccount", params=every_documented("listAndSwitchSamlAccount", Param("userid", "uuid"), Param("domainid", "uuid"), *PAGING),
         description="Lists the accounts a SAML user may switch to, or switches to one",
         cmd_class="org.apache.cloudstack.api.command.ListAndSwitchSAMLAccountCmd", response=("samluseraccount",))
def list_and_switch_saml_account(call):
    if "userid" in call.params or "domainid" in call.params:
        raise ParamError("The user did not log in with SAML: there is no other account to switch to")
    return none_exist(call)


@command("listLdapConfigurations", params=every_documented("listLdapConfigurations", Param("port", "integer"), Param("domainid", "uuid"), Param("listall", "boolean"),
                                           *PAGING),
         description="Lists the LDAP servers users are authenticated against (none)",
         cmd_class="org.apache.cloudstack.api.command.LdapListConfigurationCmd", response=("LdapConfiguration",),
         answer_key="ldapconfigurationresponse")  # CloudStack's name for it (the UI reads this one)
def list_ldap_configurations(call):
    return none_exist(call)


@command("listProjects", params=every_documented("listProjects", Param("id", "uuid"), Param("name"), Param("displaytext"), Param("state"), Param("account"),
                                 Param("domainid", "uuid"), Param("listall", "boolean"), Param("isrecursive", "boolean"),
                                 *PAGING),
         description="Lists projects (this cloud has none: resources belong to accounts)",
         cmd_class="org.apache.cloudstack.api.command.user.project.ListProjectsCmd", response=("project",))
def list_projects(call):
    return none_exist(call)


# --- resource limits ------------------------------------------------------------------------------
def _limit_owner(call):
    """(account, domain) a limit call is about: ``account`` + ``domainid``, ``domainid`` alone,
    or the caller's own account."""
    if "account" in call.params:
        domain = _domain(call)
        account = Account.objects.present().filter(domain=domain, name=call.get("account")).select_related("domain").first()
        if account is None or (not call.caller.is_admin and account != call.caller.account):
            raise ParamError(f"Unable to find account {call.get('account')} in the domain")
        return account, None
    if "domainid" in call.params:
        return None, _domain(call)
    return call.caller.account, None


@command("listResourceLimits", params=(Param("resourcetype", check=limits.resource_type), Param("resourcetypename", check=limits.resource_type),
                                       Param("account"), Param("domainid", "uuid"), Param("listall", "boolean"),
                                       Param("isrecursive", "boolean"), *PAGING),
         description="Lists an account's or a domain's resource limits (-1: none)", response=("resourcelimit",),
         cmd_class="org.apache.cloudstack.api.command.user.resource.ListResourceLimitsCmd")
def list_resource_limits(call):
    account, domain = _limit_owner(call)
    chosen = [call.get("resourcetype")] if "resourcetype" in call.params else \
        [call.get("resourcetypename")] if "resourcetypename" in call.params else sorted(limits.TYPES)
    rows = [limits.limit_response(n, limits.limit_of(n, account, domain), account, domain) for n in chosen]
    return list_response(call, Rows(rows), "resourcelimit", lambda row: row)


@command("updateResourceLimit", params=(Param("resourcetype", required=True, check=limits.resource_type), Param("max", "long"),
                                        Param("account"), Param("domainid", "uuid")),
         access=DOMAIN_ADMIN, description="Sets how much of a resource an account or a domain may hold (-1: no limit)",
         response=("resourcelimit",), cmd_class="org.apache.cloudstack.api.command.user.resource.UpdateResourceLimitCmd",
         event=("RESOURCE.LIMIT.UPDATE", "updating resource limit"))
def update_resource_limit(call):
    account, domain = _limit_owner(call)
    if account is not None and account == call.caller.account and not call.caller.is_root_admin:
        raise PermissionDenied("An account cannot set its own limits")
    if domain is not None and domain.parent_id is None:
        raise ParamError("The ROOT domain has no limits")
    number = call.get("resourcetype")
    row = limits.set_limit(number, call.get("max"), account, domain)
    return {"resourcelimit": limits.limit_response(number, row.max, account, domain)}


@command("updateResourceCount", params=(Param("domainid", "uuid", required=True), Param("account"),
                                        Param("resourcetype", check=limits.resource_type)),
         access=DOMAIN_ADMIN, description="What an account or a domain holds, by resource (counted from the records)",
         response=("resourcecount",), cmd_class="org.apache.cloudstack.api.command.user.resource.UpdateResourceCountCmd")
def update_resource_count(call):
    account, domain = _limit_owner(call)
    counts = limits.held(account, domain)
    chosen = [call.get("resourcetype")] if "resourcetype" in call.params else sorted(counts)
    rows = [limits.count_response(n, counts.get(n, 0), account, domain) for n in chosen if n in counts]
    return list_response(call, Rows(rows), "resourcecount", lambda row: row)


# --- roles -------------------------------------------------------------------------------------------
# --- roles ----------------------------------------------------------------------------------------
def _role(call, param="id", mutable=False):
    """The role ``param`` names: a Role, or the account type of a default role. A default
    role cannot be changed (``mutable``): a 431."""
    kind = roles.default_of(call.get(param))
    role = kind if kind is not None else by_id(call, Role.objects.all(), param)
    if mutable:
        roles.check_mutable(role)
    return role


def _visible_roles(call):
    kinds = [k for k in roles.DEFAULT_ORDER if call.caller.is_root_admin or k != AccountType.ROOT_ADMIN]
    own = Role.objects.order_by("id")
    if not call.caller.is_root_admin:
        own = own.exclude(type=RoleType.ADMIN)
    return [*kinds, *own]


@command("listRoles", params=(Param("id", "uuid"), Param("name"), Param("type", check=roles.role_type), Param("state"),
                              *PAGING),
         access=DOMAIN_ADMIN, description="Lists the roles: the default role of each account type, and roles of one's own",
         response=("role",), cmd_class="org.apache.cloudstack.api.command.admin.acl.ListRolesCmd")
def list_roles(call):
    found = [role_response(r) for r in _visible_roles(call)]
    if "id" in call.params:
        found = [r for r in found if r["id"] == call.get("id")]
        if not found:
            raise call.command.not_found("id", call.get("id"))
    wanted = {name: str(call.get(name)).lower() for name in ("name", "type", "state", "keyword") if name in call.params}
    found = [r for r in found if ("name" not in wanted or r["name"].lower() == wanted["name"])
             and ("type" not in wanted or r["type"].lower() == wanted["type"])
             and ("state" not in wanted or r["state"].lower() == wanted["state"])
             and ("keyword" not in wanted or wanted["keyword"] in r["name"].lower())]
    return list_response(call, Rows(found), "role", lambda role: role)


@command("createRole", params=(Param("name", required=True), Param("type", check=roles.role_type),
                               Param("roleid", "uuid", description="a role to copy the type and rules of"),
                               Param("description", length=4096), Param("ispublic", "boolean")),
         access=ROOT_ADMIN, description="Creates a role", response=("role",),
         cmd_class="org.apache.cloudstack.api.command.admin.acl.CreateRoleCmd", event=("ROLE.CREATE", "creating role"))
def create_role(call):
    source = _role(call, "roleid") if "roleid" in call.params else None
    if source is None and "type" not in call.params:
        raise call.command.missing("type")
    role = roles.create_role(call.get("name"), call.get("type"), call.get("description", ""), call.get("ispublic", True),
                             clone_of=source)
    return {"role": role_response(role)}


@command("importRole", params=(Param("name", required=True), Param("type", required=True, check=roles.role_type),
                               Param("rules", "map", required=True, description="rule, permission, description of each"),
                               Param("description", length=4096), Param("ispublic", "boolean"), Param("forced", "boolean")),
         access=ROOT_ADMIN, description="Imports a role with its rules", response=("role",),
         cmd_class="org.apache.cloudstack.api.command.admin.acl.ImportRoleCmd", event=("ROLE.IMPORT", "importing role"))
def import_role(call):
    role = roles.import_role(call.get("name"), call.get("type"), call.get("rules"), call.get("description", ""),
                             call.get("ispublic", True), forced=call.get("forced", False))
    return {"role": role_response(role)}


@command("updateRole", params=(Param("id", "uuid", required=True), Param("name"), Param("type", check=roles.role_type),
                               Param("description", length=4096), Param("ispublic", "boolean")),
         access=ROOT_ADMIN, description="Updates a role", response=("role",),
         cmd_class="org.apache.cloudstack.api.command.admin.acl.UpdateRoleCmd", event=("ROLE.UPDATE", "updating role"))
def update_role(call):
    role = roles.update_role(_role(call, mutable=True), call.get("name"), call.get("type"), call.get("description"),
                             call.get("ispublic"))
    return {"role": role_response(role)}


@command("deleteRole", params=(Param("id", "uuid", required=True),), access=ROOT_ADMIN, description="Deletes a role",
         cmd_class="org.apache.cloudstack.api.command.admin.acl.DeleteRoleCmd", event=("ROLE.DELETE", "deleting role"))
def delete_role(call):
    roles.delete_role(_role(call, mutable=True))
    return {"success": "true"}


@command("listRolePermissions", params=(Param("roleid", "uuid"),), access=ROOT_ADMIN,
         description="Lists a role's rules, in the order they are read",
         response=("rolepermission",), cmd_class="org.apache.cloudstack.api.command.admin.acl.ListRolePermissionsCmd")
def list_role_permissions(call):
    chosen = [_role(call, "roleid")] if "roleid" in call.params else _visible_roles(call)
    rules = []
    for role in chosen:
        if isinstance(role, Role):
            rules += [(role, rule) for rule in role.permissions.order_by("sort_order", "id")]
        else:
            rules += [(role, command) for command in roles.default_rules(role)]
    return list_response(call, Rows(rules), "rolepermission", lambda rule: role_permission_response(*rule))


@command("createRolePermission", params=(Param("roleid", "uuid", required=True), Param("rule", required=True),
                                         Param("permission", required=True), Param("description", length=4096)),
         access=ROOT_ADMIN, description="Adds a rule to a role, after its other rules", response=("rolepermission",),
         cmd_class="org.apache.cloudstack.api.command.admin.acl.CreateRolePermissionCmd",
         event=("ROLE.PERMISSION.CREATE", "creating role permission"))
def create_role_permission(call):
    role = _role(call, "roleid", mutable=True)
    rule = roles.add_permission(role, call.get("rule"), call.get("permission"), call.get("description", ""))
    return {"rolepermission": role_permission_response(role, rule)}


@command("updateRolePermission", params=(Param("roleid", "uuid", required=True), Param("ruleorder", "list", item="uuid"),
                                         Param("ruleid", "uuid"), Param("permission")),
         access=ROOT_ADMIN, description="Reorders a role's rules (ruleorder), or allows or denies one (ruleid)",
         cmd_class="org.apache.cloudstack.api.command.admin.acl.UpdateRolePermissionCmd",
         event=("ROLE.PERMISSION.UPDATE", "updating role permission"))
def update_role_permission(call):
    role = _role(call, "roleid", mutable=True)
    if "ruleorder" in call.params:
        roles.reorder(role, call.get("ruleorder"))
    elif "ruleid" in call.params and "permission" in call.params:
        roles.set_permission(by_id(call, role.permissions.all(), "ruleid"), call.get("permission"))
    else:
        raise ParamError("Give ruleorder, or ruleid and permission")
    return {"success": "true"}


@command("deleteRolePermission", params=(Param("id", "uuid", required=True),), access=ROOT_ADMIN,
         description="Deletes a rule of a role", cmd_class="org.apache.cloudstack.api.command.admin.acl.DeleteRolePermissionCmd",
         event=("ROLE.PERMISSION.DELETE", "deleting role permission"))
def delete_role_permission(call):
    roles.delete_permission(by_id(call, RolePermission.objects.select_related("role")))
    return {"success": "true"}


def _set_role_enabled(call, enabled):
    roles.set_enabled(_role(call, mutable=True), enabled)
    return {"success": "true"}


@command("enableRole", params=(Param("id", "uuid", required=True),), access=ROOT_ADMIN,
         description="Enables a role: its accounts may call what its rules allow again",
         cmd_class="org.apache.cloudstack.api.command.admin.acl.EnableRoleCmd", event=("ROLE.ENABLE", "enabling role"))
def enable_role(call):
    return _set_role_enabled(call, True)


@command("disableRole", params=(Param("id", "uuid", required=True),), access=ROOT_ADMIN,
         description="Disables a role: its accounts may call nothing, and no account is given it, until it is enabled",
         cmd_class="org.apache.cloudstack.api.command.admin.acl.DisableRoleCmd", event=("ROLE.DISABLE", "disabling role"))
def disable_role(call):
    return _set_role_enabled(call, False)


@command("listProjectInvitations", params=every_documented("listProjectInvitations", Param("id", "uuid"), Param("projectid", "uuid"), Param("state"),
                                           Param("activeonly", "boolean"), Param("account"), Param("domainid", "uuid"),
                                           Param("listall", "boolean"), *PAGING),
         description="Lists invitations to projects (none: there are no projects)", response=("projectinvitation",),
         cmd_class="org.apache.cloudstack.api.command.user.project.ListProjectInvitationsCmd")
def list_project_invitations(call):
    if call.get("projectid"):
        raise call.command.not_found("projectid", call.get("projectid"))
    return none_exist(call)
