"""Commands about the API itself, generated from the registry so they never lie."""
from django.conf import settings

from apps.accounts import roles
from apps.accounts.models import Account
from apps.core.listing import PAGING, Rows, by_id, list_response, none_exist
from apps.core.registry import PUBLIC, REGISTRY, ROOT_ADMIN, Param, command, every_documented
from apps.fabric.models import Zone

from . import throttling


def _api_response(cmd):
    return {
        "name": cmd.name,
        "description": cmd.description,
        "isasync": cmd.is_async,
        "since": "4.0.0",
        "type": "",
        "related": "",
        "params": [
            {"name": p.name, "description": p.description or p.name, "type": p.type, "required": p.required, "length": p.length}
            for p in cmd.params
        ],
        "response": [{"name": name, "description": f"the {name} object", "type": "object"} for name in cmd.response],
    }


@command(
    "listApis",
    params=(Param("name"),),
    description="lists all available apis on the server, provided by the Api Discovery plugin",
    cmd_class="org.apache.cloudstack.discovery.ListApisCmd",
)
def list_apis(call):
    visible = [cmd for cmd in sorted(REGISTRY.values(), key=lambda c: c.name) if roles.may_call(call.caller, cmd)]
    if call.get("name"):
        visible = [cmd for cmd in visible if cmd.name == call.get("name")]
    return list_response(call, Rows(visible), "api", _api_response)


@command(
    "listCapabilities",
    description="Lists capabilities",
    cmd_class="org.apache.cloudstack.api.command.user.config.ListCapabilitiesCmd",
)
def list_capabilities(call):
    return {
        "capability": {
            "cloudstackversion": "4.22.0.0-javelin",  # the CloudStack API this answers as
            "securitygroupsenabled": Zone.objects.with_security_groups().exists(),
            "userpublictemplateenabled": True,
            "supportELB": "false",
            "projectinviterequired": False,
            "allowusercreateprojects": True,
            "customdiskofferingminsize": 1,
            "customdiskofferingmaxsize": 1024,
            "kvmsnapshotenabled": True,
            "regionsecondaryenabled": False,
            "dynamicrolesenabled": False,
            "allowuserviewdestroyedvm": False,
            "allowuserexpungerecovervm": True,
            "apilimitinterval": settings.API_THROTTLING_INTERVAL_S if settings.API_THROTTLING_ENABLED else 1,
            "apilimitmax": settings.API_THROTTLING_MAX if settings.API_THROTTLING_ENABLED else 0,
        }
    }


@command("getApiLimit", description="Get the API limit count of the caller's account",
         cmd_class="org.apache.cloudstack.api.command.user.ratelimit.GetApiLimitCmd", response=("apilimit",))
def get_api_limit(call):
    account = call.caller.account
    issued, allowed, expire_after = throttling.usage(account)
    return {"apilimit": {"accountid": account.uuid_str, "account": account.name, "apiIssued": issued,
                         "apiAllowed": allowed, "expireAfter": expire_after}}


@command("resetApiLimit", params=(Param("account", "uuid", description="the account whose count to reset; all by default"),),
         access=ROOT_ADMIN, description="Reset the API count of one account, or of every account",
         cmd_class="org.apache.cloudstack.api.command.admin.ratelimit.ResetApiLimitCmd")
def reset_api_limit(call):
    account = by_id(call, Account.objects.all(), "account") if "account" in call.params else None
    throttling.reset(account)
    return {"success": True}


# CloudStack's settings that this cloud has, by CloudStack's names: (group, subgroup, name, what
# it does, its value here, its scope). They are set by environment variables (README, "Settings");
# a zone-scoped one has the global value in every zone.
def _configurations():
    return [
        ("Management Server", "API", "default.page.size", "The largest page a list answers",
         settings.API_DEFAULT_PAGE_SIZE, "global"),
        ("Management Server", "API", "api.throttling.enabled", "Whether API calls are counted per account",
         settings.API_THROTTLING_ENABLED, "global"),
        ("Management Server", "API", "api.throttling.interval", "The interval, in seconds, API calls are counted in",
         settings.API_THROTTLING_INTERVAL_S, "global"),
        ("Management Server", "API", "api.throttling.max", "How many API calls an account may make in one interval",
         settings.API_THROTTLING_MAX, "global"),
        ("Infrastructure", "Hosts", "ping.interval", "The interval, in seconds, of the hosts' heartbeats",
         settings.HOST_HEARTBEAT_S, "global"),
        ("Compute", "Virtual Machine", "hypervisor.custom.display.name", "The name shown for the Custom hypervisor type",
         "Custom", "global"),
        ("Compute", "Virtual Machine", "enable.dynamic.scale.vm", "Whether a running VM's offering may change (it may not here)",
         False, "zone"),
    ]


SCOPES = {"zoneid": "zone", "clusterid": "cluster", "storageid": "storagepool", "accountid": "account", "domainid": "domain",
          "imagestoreuuid": "imagestore"}


def _configuration_response(row):
    group, subgroup, name, description, value, scope = row
    shown = str(value).lower() if isinstance(value, bool) else str(value)
    return {"category": "Advanced", "group": group, "subgroup": subgroup, "name": name, "description": description,
            "value": shown, "defaultvalue": shown, "isdynamic": False, "scope": scope,
            "type": "Boolean" if isinstance(value, bool) else "Number" if isinstance(value, (int, float)) else "String"}


@command("listConfigurations", params=(Param("name"), Param("category"), Param("group"), Param("subgroup"),
                                       *(Param(scope, "uuid") for scope in SCOPES), *PAGING),
         description="Lists the cloud's settings (of a scope: those of the scope's kind)", response=("configuration",),
         cmd_class="org.apache.cloudstack.api.command.admin.config.ListCfgsByCmd")
def list_configurations(call):
    rows = _configurations()
    scopes = [param for param in SCOPES if param in call.params]
    if scopes:
        if "zoneid" in scopes:
            by_id(call, Zone.objects.all(), "zoneid")
        rows = [r for r in rows if r[5] in {SCOPES[p] for p in scopes}]
    for param, index in (("group", 0), ("subgroup", 1)):
        if param in call.params:
            rows = [r for r in rows if r[index].lower() == call.get(param).lower()]
    if "name" in call.params:  # CloudStack matches a part of the name
        rows = [r for r in rows if call.get("name").lower() in r[2]]
    if "category" in call.params:
        rows = [r for r in rows if call.get("category").lower() == "advanced"]
    if "keyword" in call.params:
        rows = [r for r in rows if call.get("keyword").lower() in r[2]]
    return list_response(call, Rows(rows), "configuration", _configuration_response)


@command("listConfigurationGroups", params=(Param("group"), *PAGING), access=ROOT_ADMIN,
         description="Lists the groups the cloud's settings are in, with their subgroups", response=("configurationgroup",),
         cmd_class="org.apache.cloudstack.api.command.admin.config.ListCfgGroupsByCmd")
def list_configuration_groups(call):
    groups = {}
    for group, subgroup, *_ in _configurations():
        groups.setdefault(group, [])
        if subgroup not in groups[group]:
            groups[group].append(subgroup)
    rows = [(name, subs) for name, subs in groups.items()
            if ("group" not in call.params or name.lower() == call.get("group").lower())
            and ("keyword" not in call.params or call.get("keyword").lower() in name.lower())]
    return list_response(call, Rows(rows), "configurationgroup", lambda row: {
        "name": row[0], "description": f"{row[0]} settings", "precedence": rows.index(row) + 1,
        "subgroup": [{"name": sub, "precedence": i + 1} for i, sub in enumerate(row[1])]})


@command("listGuiThemes", params=every_documented("listGuiThemes", Param("id", "uuid"), Param("name"), Param("listall", "boolean"),
                                  Param("listonlydefaulttheme", "boolean"), *PAGING), access=PUBLIC,
         description="Lists the web UI's themes (none: the UI's own look)", response=("guithemes",),
         cmd_class="org.apache.cloudstack.api.command.user.gui.theme.ListGuiThemesCmd")
def list_gui_themes(call):
    return none_exist(call)


@command("cloudianIsEnabled", access=PUBLIC, description="Whether the Cloudian object storage integration is enabled",
         cmd_class="org.apache.cloudstack.cloudian.api.CloudianIsEnabledCmd", response=("cloudianisenabled",))
def cloudian_is_enabled(call):
    return {"cloudianisenabled": {"enabled": False}}
