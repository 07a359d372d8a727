"""What Apache CloudStack's web UI needs of the query API, through Django's test client: the
endpoint with its trailing slash, what answers without a session, the login reply, and the
commands its screens call (tests/integration/test_cloudstack_ui.py drives the UI itself)."""
import json

import pytest

from apps.accounts.models import AccountType
from apps.accounts.selectors import Caller
from apps.accounts.services import create_account, ensure_user
from apps.fabric.models import Host
from apps.network.models import GuestNetwork
from tests.conftest import deploy_vm
from tests.unit.test_accounts import login
from tests.unit.test_api import call

URL = "/client/api"


def anonymous(client, command, method="get", path=URL, **params):
    response = getattr(client, method)(path, {"command": command, "response": "json", **params})
    return response.status_code, json.loads(response.content)


@pytest.fixture
def admin_with_password(db):
    return Caller(ensure_user("admin", "admin", AccountType.ROOT_ADMIN, password="password"))


def test_the_endpoint_answers_with_its_trailing_slash_too(client, cloud, admin):
    status, body = call(client, admin.user, command="listZones")
    slashed = client.get(URL + "/", {"command": "listZones", "response": "json"})
    assert status == 200 and slashed.status_code == 401  # the same endpoint: it wants credentials
    assert slashed["Content-Type"] == "application/json; charset=UTF-8"


@pytest.mark.parametrize("command,key,expected", [
    ("listIdps", "listidpsresponse", {}),
    ("listOauthProvider", "listoauthproviderresponse", {}),
    ("listGuiThemes", "listguithemesresponse", {}),
    ("cloudianIsEnabled", "cloudianisenabledresponse", {"cloudianisenabled": {"enabled": False}}),
])
def test_what_the_login_page_asks_answers_without_a_session(client, cloud, command, key, expected):
    for path in (URL, URL + "/"):
        status, body = anonymous(client, command, path=path)
        assert status == 200 and body == {key: expected}


def test_password_reset_and_oauth_login_say_they_are_not_enabled(client, cloud):
    status, body = anonymous(client, "forgotPassword", method="post", username="alice")
    assert status == 431 and body["forgotpasswordresponse"]["errortext"] == \
        "Resetting a password by mail is not enabled on this cloud"
    status, body = anonymous(client, "oauthlogin", method="post", provider="github", email="a@example.com")
    assert status == 431 and "OAuth login is not enabled" in body["oauthloginresponse"]["errortext"]


def test_a_command_that_needs_a_session_still_does(client, cloud):
    status, body = anonymous(client, "listZones")
    assert status == 401 and body["listzonesresponse"]["errorcode"] == 401


def test_logout_without_a_session_is_431_as_in_cloudstack(client, cloud):
    status, body = anonymous(client, "logout")
    assert status == 431
    assert body["logoutresponse"]["errortext"] == "Session not found for the logout process."


def test_the_login_reply_has_what_the_ui_reads(client, cloud, admin_with_password):
    reply = json.loads(login(client).content)["loginresponse"]
    assert reply["timezone"] == "UTC" and reply["timezoneoffset"] == "0.0"
    assert reply["registered"] == "false" and reply["is2faenabled"] == "false" and reply["is2faverified"] == "false"
    assert len(reply["managementserverid"]) == 36
    assert reply["managementserverid"] == json.loads(login(client).content)["loginresponse"]["managementserverid"]


def test_login_by_domain_id(client, cloud, admin_with_password):
    domain_id = admin_with_password.account.domain.uuid_str
    ok = client.post(URL, {"command": "login", "username": "admin", "password": "password", "domainId": domain_id,
                           "response": "json"})
    assert ok.status_code == 200
    wrong = client.post(URL, {"command": "login", "username": "admin", "password": "password",
                              "domainid": "11111111-1111-1111-1111-111111111111", "response": "json"})
    assert wrong.status_code == 531


def test_root_is_a_page_naming_the_endpoints_without_a_ui(client, settings):
    settings.UI_DIR = ""
    response = client.get("/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    for endpoint in ("/client/api", "/api/v1/", "/api/v1/schema/swagger-ui/", "/admin/", "/metrics", "JAVELIN_UI_DIR"):
        assert endpoint in text
    assert client.get("/config.json").status_code == 404


def test_root_serves_the_configured_ui_and_nothing_outside_it(client, settings, tmp_path):
    dist = tmp_path / "dist"
    (dist / "js").mkdir(parents=True)
    (dist / "index.html").write_text("<html>the ui</html>")
    (dist / "js" / "app.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("not for callers")
    settings.UI_DIR = str(dist)
    root = client.get("/")
    assert root.status_code == 200 and b"".join(root.streaming_content) == b"<html>the ui</html>"
    assert root["Cache-Control"] == "no-cache"
    assert b"".join(client.get("/js/app.js").streaming_content) == b"console.log(1)"
    for outside in ("/../secret.txt", "/js/../../secret.txt", "/%2e%2e/secret.txt"):
        assert client.get(outside).status_code == 404
    assert client.get("/client/api/", {"command": "listIdps", "response": "json"}).status_code == 200


def test_list_hosts_type_is_matched_in_any_case(client, cloud, admin):
    for kind in ("Routing", "routing", "ROUTING"):
        status, body = call(client, admin.user, command="listHosts", type=kind)
        assert body["listhostsresponse"]["count"] == 2
    status, body = call(client, admin.user, command="listHosts", type="SecondaryStorage")
    assert body == {"listhostsresponse": {}}


def test_an_owner_may_deploy_on_the_shared_network(client, cloud, admin, alice):
    from apps.network import services as network

    shared = GuestNetwork.objects.get(account__isnull=True)
    own = network.create_network(cloud["zone"], "alice-net", None, None, alice.account, "", None)
    status, body = call(client, admin.user, command="listNetworks", account="alice",
                        domainid=alice.account.domain.uuid_str, canusefordeploy="true", zoneid=cloud["zone"].uuid_str)
    assert sorted(n["id"] for n in body["listnetworksresponse"]["network"]) == sorted([shared.uuid_str, own.uuid_str])
    status, body = call(client, alice.user, command="listNetworks", restartrequired="true", forvpc="false")
    assert body == {"listnetworksresponse": {}}  # no network here ever waits for a restart
    status, body = call(client, alice.user, command="listNetworks", isdefault="true")
    assert [n["id"] for n in body["listnetworksresponse"]["network"]] == [shared.uuid_str]


def test_routers_one_for_each_isolated_network(client, cloud, admin, alice):
    from apps.network import services as network

    own = network.create_network(cloud["zone"], "alice-net", None, None, alice.account, "", None)
    status, body = call(client, admin.user, command="listRouters")
    assert body == {"listroutersresponse": {}}  # allocated: its router comes with its first VM
    GuestNetwork.objects.filter(pk=own.pk).update(state="Implemented")
    status, body = call(client, admin.user, command="listRouters")
    (router,) = body["listroutersresponse"]["router"]
    assert router["guestnetworkid"] == own.uuid_str and router["guestipaddress"] == own.gateway
    assert router["state"] == "Running" and router["account"] == "alice" and router["role"] == "VIRTUAL_ROUTER"
    status, body = call(client, admin.user, command="listRouters", id=router["id"])
    assert body["listroutersresponse"]["count"] == 1
    status, body = call(client, alice.user, command="listRouters")
    assert status == 401  # a user does not manage routers


def test_metrics_views_add_figures_to_their_lists(client, cloud, admin):
    host = Host.objects.get(name="h1")
    Host.objects.filter(pk=host.pk).update(stats={"cpu_used_percent": 25.0, "free_memory_mb": 3072}, cpu_allocated_mhz=2000,
                                           memory_allocated_mb=2048)
    status, body = call(client, admin.user, command="listHostsMetrics", name="h1")
    (h1,) = body["listhostsmetricsresponse"]["host"]
    assert h1["name"] == "h1" and h1["cputotalghz"] == "8.00 Ghz" and h1["cpuusedghz"] == "2.00 Ghz"
    assert h1["cpuallocatedghz"] == "2.00 Ghz" and h1["memorytotalgb"] == "4.00 GB" and h1["memoryusedgb"] == "1.00 GB"
    assert h1["memoryallocatedgb"] == "2.00 GB" and h1["instances"] == "0"
    assert h1["cputhreshold"] is False and h1["memoryallocatedthreshold"] is False
    status, body = call(client, admin.user, command="listZonesMetrics")
    (zone,) = body["listzonesmetricsresponse"]["zone"]
    assert zone["cputotal"] == "16.00 Ghz" and zone["cpuallocated"] == "12.50%" and zone["memorytotal"] == "8.00 GB"
    assert zone["clusters"] == "1" and zone["state"] == "Enabled"
    status, body = call(client, admin.user, command="listClustersMetrics")
    assert body["listclustersmetricsresponse"]["cluster"][0]["hosts"] == "2 / 2"
    status, body = call(client, admin.user, command="listStoragePoolsMetrics")
    assert body["liststoragepoolsmetricsresponse"]["storagepool"][0]["disksizeallocatedgb"] == "0.00 GB"
    status, body = call(client, admin.user, command="listHostsMetrics", type="routing", page=1, pagesize=1)
    assert body["listhostsmetricsresponse"]["count"] == 2 and len(body["listhostsmetricsresponse"]["host"]) == 1


def test_infrastructure_counts(client, cloud, admin):
    status, body = call(client, admin.user, command="listInfrastructure")
    counts = body["listinfrastructureresponse"]["infrastructure"]
    assert (counts["zones"], counts["pods"], counts["clusters"], counts["hosts"], counts["storagepools"]) == (1, 1, 1, 2, 1)
    assert counts["routers"] == 0 and counts["systemvms"] == 0


def test_domain_children(client, cloud, admin):
    from apps.accounts.services import create_domain

    sales = create_domain("sales")
    create_domain("emea", sales)
    status, body = call(client, admin.user, command="listDomainChildren")
    assert [d["name"] for d in body["listdomainchildrenresponse"]["domain"]] == ["sales"]
    status, body = call(client, admin.user, command="listDomainChildren", isrecursive="true")
    assert [d["path"] for d in body["listdomainchildrenresponse"]["domain"]] == ["ROOT/sales", "ROOT/sales/emea"]
    status, body = call(client, admin.user, command="listDomainChildren", id=sales.uuid_str)
    assert [d["name"] for d in body["listdomainchildrenresponse"]["domain"]] == ["emea"]


def test_roles_and_what_each_allows(client, cloud, admin, alice):
    status, body = call(client, admin.user, command="listRoles")
    roles = {r["name"]: r for r in body["listrolesresponse"]["role"]}
    assert {(name, r["type"], r["isdefault"]) for name, r in roles.items()} == {
        ("Root Admin", "Admin", True), ("Domain Admin", "DomainAdmin", True), ("User", "User", True),
        ("Read-Only Admin - Default", "Admin", True), ("Read-Only User - Default", "User", True)}
    status, body = call(client, admin.user, command="listRolePermissions", roleid=roles["User"]["id"])
    rules = {r["rule"] for r in body["listrolepermissionsresponse"]["rolepermission"]}
    assert "deployVirtualMachine" in rules and "listHosts" not in rules and "login" not in rules
    status, body = call(client, admin.user, command="listRolePermissions", roleid=roles["Root Admin"]["id"])
    assert "listHosts" in {r["rule"] for r in body["listrolepermissionsresponse"]["rolepermission"]}
    status, body = call(client, admin.user, command="listAccounts", name="alice")
    assert body["listaccountsresponse"]["account"][0]["roleid"] == roles["User"]["id"]
    assert call(client, alice.user, command="listRoles")[0] == 401


def test_an_accounts_totals_of_what_it_holds(client, cloud, admin, alice):
    deploy_vm(alice, cloud, "counted")
    status, body = call(client, alice.user, command="listAccounts")
    (account,) = body["listaccountsresponse"]["account"]
    assert account["vmtotal"] == 1 and account["cputotal"] == 1 and account["memorytotal"] == 512
    assert account["vmlimit"] == "Unlimited" and account["vmavailable"] == "Unlimited"
    assert account["volumetotal"] == 0 and account["iptotal"] == 0


def test_os_categories_are_the_ones_os_types_name(client, cloud, admin):
    status, body = call(client, admin.user, command="listOsTypes")
    named = {t["oscategoryid"]: t["oscategoryname"] for t in body["listostypesresponse"]["ostype"]}
    status, body = call(client, admin.user, command="listOsCategories")
    categories = {c["id"]: c["name"] for c in body["listoscategoriesresponse"]["oscategory"]}
    assert named.items() <= categories.items()
    template_category = next(iter(named))
    status, body = call(client, admin.user, command="listTemplates", templatefilter="executable", oscategoryid=template_category)
    assert body["listtemplatesresponse"]["count"] == 1
    status, body = call(client, admin.user, command="listTemplates", templatefilter="executable",
                        oscategoryid="11111111-1111-1111-1111-111111111111")
    assert body == {"listtemplatesresponse": {}}


def test_instance_groups_are_the_groups_vms_were_given(client, cloud, alice):
    from apps.compute import services as compute

    vm, _ = deploy_vm(alice, cloud, "grouped")
    compute.update(vm, group="web")  # updateVirtualMachine group=web: the group is made
    status, body = call(client, alice.user, command="listInstanceGroups")
    (group,) = body["listinstancegroupsresponse"]["instancegroup"]
    assert group["name"] == "web" and group["account"] == "alice"
    status, body = call(client, alice.user, command="listInstanceGroups", id=group["id"])
    assert body["listinstancegroupsresponse"]["count"] == 1


def test_a_vm_answers_its_default_address(client, cloud, alice):
    from workers.network import tasks as network_tasks

    vm, job = deploy_vm(alice, cloud, "addressed")
    network_tasks.allocate_nic(job.pk, vm.pk)
    status, body = call(client, alice.user, command="listVirtualMachines")
    (answer,) = body["listvirtualmachinesresponse"]["virtualmachine"]
    assert answer["ipaddress"] == answer["nic"][0]["ipaddress"]


@pytest.mark.parametrize("command,key", [
    ("listVPCs", "listvpcsresponse"), ("listProjects", "listprojectsresponse"), ("listUserData", "listuserdataresponse"),
    ("listLdapConfigurations", "ldapconfigurationresponse"), ("listAndSwitchSamlAccount", "listandswitchsamlaccountresponse"),
])
def test_what_does_not_exist_here_is_an_empty_list_and_its_ids_name_nothing(client, cloud, alice, command, key):
    status, body = call(client, alice.user, command=command)
    assert status == 200 and body == {key: {}}
    if command != "listAndSwitchSamlAccount" and command != "listLdapConfigurations":
        status, body = call(client, alice.user, command=command, id="11111111-1111-1111-1111-111111111111")
        assert status == 431 and "entity does not exist" in body[key]["errortext"]


def test_settings_the_ui_reads(client, cloud, alice):
    status, body = call(client, alice.user, command="listConfigurations", name="hypervisor.custom.display.name")
    assert body["listconfigurationsresponse"]["configuration"][0]["value"] == "Custom"
    status, body = call(client, alice.user, command="listConfigurations", name="enable.dynamic.scale.vm",
                        zoneid=cloud["zone"].uuid_str)
    assert body["listconfigurationsresponse"]["configuration"][0]["value"] == "false"


def test_providers_and_security_groups_are_shown_where_they_work(client, cloud, alice):
    status, body = call(client, alice.user, command="listNetworkServiceProviders", name="SecurityGroupProvider", state="Enabled")
    assert body["listnetworkserviceprovidersresponse"]["count"] == 1
    status, body = call(client, alice.user, command="listZones")
    assert body["listzonesresponse"]["zone"][0]["securitygroupsenabled"] is True  # the zone has a shared network
    status, body = call(client, alice.user, command="listCapabilities")
    assert body["listcapabilitiesresponse"]["capability"]["securitygroupsenabled"] is True


def test_a_domain_admin_lists_its_domains_children(client, cloud):
    from apps.accounts.services import create_domain

    sales = create_domain("sales")
    create_domain("emea", sales)
    create_account(sales, "boss", AccountType.DOMAIN_ADMIN, "boss", "pw")
    boss = ensure_user("boss", "boss")
    status, body = call(client, boss, command="listDomainChildren")
    assert [d["name"] for d in body["listdomainchildrenresponse"]["domain"]] == ["emea"]


def test_settings_by_group_and_scope(client, cloud, admin):
    status, body = call(client, admin.user, command="listConfigurationGroups")
    groups = {g["name"]: [s["name"] for s in g["subgroup"]] for g in body["listconfigurationgroupsresponse"]["configurationgroup"]}
    assert groups["Management Server"] == ["API", "Jobs"]
    status, body = call(client, admin.user, command="listConfigurations", group="Management Server", subgroup="API", pagesize=-1)
    assert {c["name"] for c in body["listconfigurationsresponse"]["configuration"]} == {
        "default.page.size", "api.throttling.enabled", "api.throttling.interval", "api.throttling.max"}
    status, body = call(client, admin.user, command="listConfigurations", accountid=admin.account.uuid_str)
    assert body == {"listconfigurationsresponse": {}}  # no setting here is an account's own
    status, body = call(client, admin.user, command="listConfigurations", zoneid="11111111-1111-1111-1111-111111111111")
    assert status == 431


def test_a_session_ends_when_its_user_or_account_is_disabled(client, cloud, admin_with_password, alice):
    """A session's user is cached like an API key's: disabling it takes effect at once."""
    from apps.accounts.models import Account, CloudUser

    ensure_user("bob", "bobs", AccountType.USER, password="bob-pass")
    reply = json.loads(login(client, "bob", "bob-pass").content)["loginresponse"]

    def list_zones():
        return client.get(URL, {"command": "listZones", "response": "json", "sessionkey": reply["sessionkey"]}).status_code

    assert list_zones() == 200 and list_zones() == 200  # the second from the cache
    account = Account.objects.get(name="bobs")
    account.state = "disabled"
    account.save()
    assert list_zones() == 401
    account.state = "enabled"
    account.save()
    assert list_zones() == 200
    user = CloudUser.objects.get(username="bob")
    user.state = "disabled"
    user.save()
    assert list_zones() == 401


def test_a_fresh_sessions_list_apis_answers_after_its_zones(client, cloud, admin_with_password, monkeypatch):
    """The UI's login breaks when listApis answers before listZones (see sessions.py): in a
    fresh session listApis waits for the zones, at most UI_ORDER_WAIT_S, and only once."""
    from apps.api import sessions

    waits = []
    monkeypatch.setattr(sessions, "UI_ORDER_WAIT_S", 0.2)
    monkeypatch.setattr(sessions.time, "sleep", lambda s: waits.append(s))  # counts the waiting, takes none

    def waited(command, sessionkey):
        before = len(waits)
        response = client.get(URL, {"command": command, "response": "json", "sessionkey": sessionkey})
        assert response.status_code == 200
        return len(waits) > before

    first = json.loads(login(client).content)["loginresponse"]["sessionkey"]
    assert waited("listApis", first)  # no zones listed yet: it waited for them (until its deadline)
    assert not waited("listApis", first)  # once
    second = json.loads(login(client).content)["loginresponse"]["sessionkey"]
    assert not waited("listZones", second)
    assert not waited("listApis", second)  # the zones came first: no wait
    assert call(client, admin_with_password.user, command="listApis")[0] == 200  # a signed call has no session to order


def test_list_apis_waits_longer_once_the_zones_were_asked(client, cloud, admin_with_password, monkeypatch):
    """Zones asked and not answered yet (a loaded machine): listApis holds on past the short
    wait, up to ZONES_WAIT_S; a session that never asks for zones waits only the short one."""
    import time

    from apps.api import sessions

    monkeypatch.setattr(sessions, "UI_ORDER_WAIT_S", 0.05)
    monkeypatch.setattr(sessions, "ZONES_WAIT_S", 0.5)

    def took(sessionkey):
        began = time.monotonic()
        assert client.get(URL, {"command": "listApis", "response": "json", "sessionkey": sessionkey}).status_code == 200
        return time.monotonic() - began

    never = json.loads(login(client).content)["loginresponse"]["sessionkey"]
    short = took(never)
    asked = json.loads(login(client).content)["loginresponse"]["sessionkey"]
    sessions._note(client.cookies["JSESSIONID"].value, "zones-asked")  # its listZones is still on its way
    assert took(asked) >= 0.45 > short
