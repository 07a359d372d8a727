"""Commands about the API itself, generated from the registry so they never lie."""
from django.conf import settings

from apps.accounts.models import Account
from apps.core.listing import PAGING, Rows, by_id, list_response, none_exist
from apps.core.registry import PUBLIC, REGISTRY, ROOT_ADMIN, Param, command
from apps.fabric.models import Zone
from apps.fabric.responses import zone_has_shared_networks

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
    visible = [cmd for cmd in sorted(REGISTRY.values(), key=lambda c: c.name) if cmd.allows(call.caller)]
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
            "securitygroupsenabled": any(zone_has_shared_networks(zone) for zone in Zone.objects.all()),
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


# CloudStack's global settings that this cloud has, by CloudStack's names: (category, what it
# does, its value here). They are set by environment variables (README, "Settings").
def _configurations():
    return [
        ("Advanced", "default.page.size", "The largest page a list answers", settings.API_DEFAULT_PAGE_SIZE),
        ("Advanced", "api.throttling.enabled", "Whether API calls are counted per account", settings.API_THROTTLING_ENABLED),
        ("Advanced", "api.throttling.interval", "The interval, in seconds, API calls are counted in",
         settings.API_THROTTLING_INTERVAL_S),
        ("Advanced", "api.throttling.max", "How many API calls an account may make in one interval", settings.API_THROTTLING_MAX),
        ("Advanced", "hypervisor.custom.display.name", "The name shown for the Custom hypervisor type", "Custom"),
        ("Advanced", "ping.interval", "The interval, in seconds, of the hosts' heartbeats", settings.HOST_HEARTBEAT_S),
        ("Advanced", "enable.dynamic.scale.vm", "Whether a running VM's offering may change (it may not here)", False),
    ]


def _configuration_response(row):
    category, name, description, value = row
    return {"category": category, "name": name, "description": description,
            "value": str(value).lower() if isinstance(value, bool) else str(value), "isdynamic": False, "scope": "global"}


@command("listConfigurations", params=(Param("name"), Param("category"), Param("zoneid", "uuid"), *PAGING),
         description="Lists the cloud's settings (global: a zone has the same values)", response=("configuration",),
         cmd_class="org.apache.cloudstack.api.command.admin.config.ListCfgsByCmd")
def list_configurations(call):
    if "zoneid" in call.params:
        by_id(call, Zone.objects.all(), "zoneid")
    rows = _configurations()
    if "name" in call.params:  # CloudStack matches a part of the name
        rows = [r for r in rows if call.get("name").lower() in r[1]]
    if "category" in call.params:
        rows = [r for r in rows if r[0].lower() == call.get("category").lower()]
    if "keyword" in call.params:
        rows = [r for r in rows if call.get("keyword").lower() in r[1]]
    return list_response(call, Rows(rows), "configuration", _configuration_response)


@command("listGuiThemes", params=(Param("id", "uuid"), Param("name"), Param("listall", "boolean"),
                                  Param("listonlydefaulttheme", "boolean"), *PAGING), access=PUBLIC,
         description="Lists the web UI's themes (none: the UI's own look)", response=("guithemes",),
         cmd_class="org.apache.cloudstack.api.command.user.gui.theme.ListGuiThemesCmd")
def list_gui_themes(call):
    return none_exist(call)


@command("cloudianIsEnabled", access=PUBLIC, description="Whether the Cloudian object storage integration is enabled",
         cmd_class="org.apache.cloudstack.cloudian.api.CloudianIsEnabledCmd", response=("cloudianisenabled",))
def cloudian_is_enabled(call):
    return {"cloudianisenabled": {"enabled": False}}
