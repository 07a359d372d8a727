"""Commands about the API itself, generated from the registry so they never lie."""
from django.conf import settings

from apps.accounts.models import Account
from apps.core.listing import by_id, list_response
from apps.core.registry import REGISTRY, ROOT_ADMIN, Param, command

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


class _Commands(list):
    """A list that answers ``count()`` like a queryset, for :func:`list_response`."""

    def count(self):
        return len(self)


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
    return list_response(call, _Commands(visible), "api", _api_response)


@command(
    "listCapabilities",
    description="Lists capabilities",
    cmd_class="org.apache.cloudstack.api.command.user.config.ListCapabilitiesCmd",
)
def list_capabilities(call):
    return {
        "capability": {
            "cloudstackversion": "4.20.0.0-javelin",
            "securitygroupsenabled": False,
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
