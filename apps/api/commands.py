"""Commands about the API itself, generated from the registry so they never lie."""
from apps.accounts import roles
from apps.accounts.models import Account, Domain
from apps.core import config
from apps.core.errors import ParamError
from apps.core.listing import PAGING, Rows, by_id, list_response, none_exist
from apps.core.registry import (
    PUBLIC,
    REGISTRY,
    ROOT_ADMIN,
    TYPE_NAMES,
    Param,
    api_facts,
    command,
    documented_types,
    every_documented,
)
from apps.fabric.models import Cluster, StoragePool, Zone

from . import throttling

REFUSED = "not offered here: a call that gives it is refused with errorcode 431"


def _api_response(cmd):
    """A command as CloudStack's listApis describes one: every parameter CloudStack documents
    for it (those this cloud does not offer say so), and its response's fields with their types
    (the facts of apps/core/data/cloudstack_apis.json; a command of this cloud's own lists the
    objects it answers)."""
    facts = api_facts().get(cmd.name, {})
    documented = documented_types().get(cmd.name, {})
    declared = {p.name for p in cmd.params}
    params = [{"name": p.name, "description": p.description or p.name, "type": p.type, "required": p.required,
               "length": p.length, "since": facts.get("params", {}).get(p.name, {}).get("since", "")}
              for p in cmd.params]
    params += [{"name": name, "description": REFUSED, "type": TYPE_NAMES.get(kind, "string"), "required": False,
                "length": facts.get("params", {}).get(name, {}).get("length", 255),
                "since": facts.get("params", {}).get(name, {}).get("since", "")}
               for name, kind in sorted(documented.items()) if name not in declared]
    if facts.get("response"):
        response = [{"name": name, "description": f"the answer's {name}", "type": kind} for name, kind, _since
                    in facts["response"]]
    else:
        response = [{"name": name, "description": f"the {name} object", "type": "object"} for name in cmd.response]
    return {"name": cmd.name, "description": cmd.description, "isasync": cmd.is_async,
            "since": facts.get("since", ""), "type": "", "related": "", "params": params, "response": response}


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
    throttled = config.value("api.throttling.enabled")
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
            "dynamicrolesenabled": True,
            "allowuserviewdestroyedvm": False,
            "allowuserexpungerecovervm": True,
            "apilimitinterval": config.value("api.throttling.interval") if throttled else 1,
            "apilimitmax": config.value("api.throttling.max") if throttled else 0,
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


# CloudStack's scope parameters -> (scope, the model the id names)
SCOPES = {"zoneid": (config.ZONE, Zone), "clusterid": (config.CLUSTER, Cluster), "storageid": (config.STORAGE_POOL, StoragePool),
          "accountid": (config.ACCOUNT, Account), "domainid": (config.DOMAIN, Domain)}
IMAGE_STORE_PARAMS = ("imagestoreuuid", "imagestoreid")  # no setting of this cloud has an image store's scope


def _scope_of(call):
    """(scope, the object's pk) a call names with one of SCOPES' parameters, or the cloud's.
    Other callers than root admins (the UI reads settings for its users) see the cloud's and
    the zones' settings only."""
    named = [param for param in SCOPES if param in call.params]
    hidden = [param for param in named if param != "zoneid" and not call.caller.is_root_admin]
    if hidden:
        raise call.command.not_found(hidden[0], call.get(hidden[0]))
    for param in IMAGE_STORE_PARAMS:
        if param in call.params:
            raise ParamError(f"No setting of this cloud has the scope of an image store: leave {param} out")
    if len(named) > 1:
        raise ParamError(f"Only one of {', '.join(named)} can be given: a setting has one scope")
    if not named:
        return config.GLOBAL, None
    scope, model = SCOPES[named[0]]
    return scope, by_id(call, model.objects.all(), named[0]).pk


def _configuration_response(definition, pk=None):
    value = config.value(definition.name, pk)
    return {"category": "Advanced", "group": definition.group, "subgroup": definition.subgroup, "name": definition.name,
            "description": definition.description, "displaytext": definition.description,
            "value": config.shown(value), "defaultvalue": config.shown(definition.default_value()),
            "isdynamic": definition.dynamic, "scope": definition.scope, "type": definition.type_name, "component": "javelin"}


@command("listConfigurations", params=every_documented("listConfigurations", Param("name"), Param("category"),
                                                       Param("group"), Param("subgroup"), Param("parent"),
                                                       *(Param(p, "uuid") for p in (*SCOPES, "imagestoreuuid")), *PAGING),
         description="Lists the cloud's settings (with a scope's id: the settings of that scope, "
                                        "as they are for that object)",
         response=("configuration",), cmd_class="org.apache.cloudstack.api.command.admin.config.ListCfgsByCmd")
def list_configurations(call):
    scope, pk = _scope_of(call)
    rows = [d for d in config.SETTINGS.values() if scope == config.GLOBAL or d.scope == scope]
    for param, field in (("group", "group"), ("subgroup", "subgroup")):
        if param in call.params:
            rows = [d for d in rows if getattr(d, field).lower() == call.get(param).lower()]
    if "name" in call.params:  # CloudStack matches a part of the name
        rows = [d for d in rows if call.get("name").lower() in d.name]
    if "category" in call.params:
        rows = [d for d in rows if call.get("category").lower() == "advanced"]
    if "parent" in call.params:  # no setting of this cloud has a parent setting
        rows = []
    if "keyword" in call.params:
        rows = [d for d in rows if call.get("keyword").lower() in d.name]
    return list_response(call, Rows(rows), "configuration", lambda d: _configuration_response(d, pk))


@command("updateConfiguration", params=every_documented("updateConfiguration", Param("name", required=True),
                                                        Param("value", length=4095),
                                                        *(Param(p, "uuid") for p in (*SCOPES, "imagestoreuuid"))),
         access=ROOT_ADMIN, description="Gives a setting a value, for the cloud or for one object of its scope; "
                                        "it holds in every component within seconds, without a restart",
         response=("configuration",), cmd_class="org.apache.cloudstack.api.command.admin.config.UpdateCfgCmd")
def update_configuration(call):
    definition = config.setting(call.get("name"))
    if call.get("value") is None:
        raise ParamError("Unable to execute API command updateconfiguration due to missing parameter value")
    scope, pk = _scope_of(call)
    config.update(definition.name, call.get("value"), scope, pk or 0)
    return {"configuration": _configuration_response(definition, pk)}


@command("resetConfiguration", params=every_documented("resetConfiguration", Param("name", required=True),
                                                       *(Param(p, "uuid") for p in (*SCOPES, "imagestoreid"))),
         access=ROOT_ADMIN, description="Gives a setting back its default (for one object: the cloud's value)",
         response=("configuration",), cmd_class="org.apache.cloudstack.api.command.admin.config.ResetCfgCmd")
def reset_configuration(call):
    definition = config.setting(call.get("name"))
    scope, pk = _scope_of(call)
    config.reset(definition.name, scope, pk or 0)
    return {"configuration": _configuration_response(definition, pk)}


@command("listConfigurationGroups", params=(Param("group"), *PAGING), access=ROOT_ADMIN,
         description="Lists the groups the cloud's settings are in, with their subgroups", response=("configurationgroup",),
         cmd_class="org.apache.cloudstack.api.command.admin.config.ListCfgGroupsByCmd")
def list_configuration_groups(call):
    groups = {}
    for group, subgroup in ((d.group, d.subgroup) for d in config.SETTINGS.values()):
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
