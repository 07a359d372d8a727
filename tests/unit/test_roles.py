"""Roles as CloudStack's dynamic roles: a role of one's own allows what its rules allow, read in
order (first match decides, no match denies), within what its type may call; listApis
answers exactly what the caller may call; default roles allow what their type may."""
import pytest

from apps.accounts import roles
from apps.accounts.models import Account, AccountType, RoleType
from apps.core.registry import PUBLIC, REGISTRY
from tests.unit.test_api import call


def _key(body):
    return next(iter(body.values()))


@pytest.fixture
def reader(client, cloud, admin):
    """An account whose role lets it call list* and nothing else (a read-only user)."""
    status, body = call(client, admin.user, command="createRole", name="Reader", type="User", description="lists only")
    assert status == 200, body
    role = body["createroleresponse"]["role"]
    assert role["type"] == "User" and role["isdefault"] is False
    status, body = call(client, admin.user, command="createRolePermission", roleid=role["id"], rule="list*",
                        permission="allow")
    assert status == 200 and body["createrolepermissionresponse"]["rolepermission"]["rule"] == "list*"
    status, body = call(client, admin.user, command="createAccount", username="rita", password="Pass-word-1",
                        email="r@example.org", firstname="R", lastname="R", roleid=role["id"])
    assert status == 200, body
    account = body["createaccountresponse"]["account"]
    assert account["roleid"] == role["id"] and account["rolename"] == "Reader" and account["accounttype"] == 0
    from apps.accounts.models import CloudUser
    from apps.accounts.services import register_keys

    user = CloudUser.objects.get(username="rita")
    register_keys(user)
    user.refresh_from_db()
    return role, user


def test_a_read_only_role_lists_and_cannot_write(client, cloud, reader):
    role, user = reader
    status, body = call(client, user, command="listZones")
    assert status == 200 and body["listzonesresponse"]["count"] == 1
    status, body = call(client, user, command="deployVirtualMachine", zoneid=cloud["zone"].uuid_str,
                        templateid=cloud["template"].uuid_str, serviceofferingid=cloud["offering"].uuid_str)
    assert status == 401 and "deployVirtualMachine" in _key(body)["errortext"]
    status, body = call(client, user, command="createSSHKeyPair", name="k")
    assert status == 401
    status, body = call(client, user, command="listApis")
    names = {api["name"] for api in body["listapisresponse"]["api"]}
    public = {name for name, command in REGISTRY.items() if command.access == PUBLIC}  # callable without a session
    assert names and all(n.startswith("list") for n in names - public)
    assert "listVirtualMachines" in names and "listHosts" not in names  # a User's type still bounds it


def test_rules_are_read_in_order_and_can_be_reordered_or_flipped(client, cloud, admin, reader):
    role, user = reader
    status, body = call(client, admin.user, command="createRolePermission", roleid=role["id"], rule="listZones",
                        permission="deny")
    deny = body["createrolepermissionresponse"]["rolepermission"]
    assert call(client, user, command="listZones")[0] == 200  # list* comes first and allows it
    status, body = call(client, admin.user, command="listRolePermissions", roleid=role["id"])
    rules = body["listrolepermissionsresponse"]["rolepermission"]
    assert [r["rule"] for r in rules] == ["list*", "listZones"]
    status, body = call(client, admin.user, command="updateRolePermission", roleid=role["id"],
                        ruleorder=",".join([deny["id"], rules[0]["id"]]))
    assert status == 200, body
    assert call(client, user, command="listZones")[0] == 401  # the deny is read first now
    assert call(client, user, command="listVolumes")[0] == 200
    call(client, admin.user, command="updateRolePermission", roleid=role["id"], ruleid=deny["id"], permission="allow")
    assert call(client, user, command="listZones")[0] == 200
    call(client, admin.user, command="deleteRolePermission", id=rules[0]["id"])
    assert call(client, user, command="listVolumes")[0] == 401  # no rule matches: denied


def test_default_roles_are_listed_and_cannot_be_changed(client, cloud, admin):
    status, body = call(client, admin.user, command="listRoles")
    found = {r["name"]: r for r in body["listrolesresponse"]["role"]}
    assert {"Root Admin", "Domain Admin", "User"} <= set(found) and found["User"]["isdefault"] is True
    status, body = call(client, admin.user, command="createRolePermission", roleid=found["User"]["id"], rule="*",
                        permission="allow")
    assert status == 431 and "Default roles cannot be changed" in _key(body)["errortext"]
    status, body = call(client, admin.user, command="deleteRole", id=found["User"]["id"])
    assert status == 431
    status, body = call(client, admin.user, command="listRolePermissions", roleid=found["User"]["id"])
    rules = {r["rule"] for r in body["listrolepermissionsresponse"]["rolepermission"]}
    assert "deployVirtualMachine" in rules and "addHost" not in rules


def test_a_copy_of_a_default_role_allows_what_it_allows(client, cloud, admin):
    user_role = roles.default_role_id(AccountType.USER)
    status, body = call(client, admin.user, command="createRole", name="My User", roleid=user_role)
    copy = body["createroleresponse"]["role"]
    assert copy["type"] == "User"
    status, body = call(client, admin.user, command="listRolePermissions", roleid=copy["id"])
    assert {r["rule"] for r in body["listrolepermissionsresponse"]["rolepermission"]} == \
        {c.name for c in roles.default_rules(AccountType.USER)}


def test_import_update_delete_and_a_role_in_use(client, cloud, admin, reader):
    role, user = reader
    status, body = call(client, admin.user, command="importRole", name="Ops", type="Admin", **{
        "rules[0].rule": "list*", "rules[0].permission": "allow", "rules[1].rule": "*", "rules[1].permission": "deny"})
    assert status == 200, body
    ops = body["importroleresponse"]["role"]
    status, body = call(client, admin.user, command="importRole", name="Ops", type="Admin",
                        **{"rules[0].rule": "*", "rules[0].permission": "allow"})
    assert status == 431 and "already exists" in _key(body)["errortext"]
    status, body = call(client, admin.user, command="importRole", name="Ops", type="Admin", forced="true",
                        **{"rules[0].rule": "*", "rules[0].permission": "allow"})
    assert status == 200
    status, body = call(client, admin.user, command="listRolePermissions", roleid=ops["id"])
    assert [r["rule"] for r in body["listrolepermissionsresponse"]["rolepermission"]] == ["*"]
    status, body = call(client, admin.user, command="importRole", name="Bad", type="User",
                        **{"rules[0].rule": "list;drop", "rules[0].permission": "allow"})
    assert status == 431 and "Invalid rule" in _key(body)["errortext"]
    status, body = call(client, admin.user, command="updateRole", id=role["id"], name="Readers", description="ro")
    assert body["updateroleresponse"]["role"]["name"] == "Readers"
    status, body = call(client, admin.user, command="updateRole", id=role["id"], type="Admin")
    assert status == 431 and "in use" in _key(body)["errortext"]
    assert call(client, admin.user, command="deleteRole", id=role["id"])[0] == 431  # rita has it
    status, body = call(client, admin.user, command="updateAccount", id=Account.objects.get(name="rita").uuid_str,
                        roleid=roles.default_role_id(AccountType.USER))
    assert status == 200 and body["updateaccountresponse"]["account"]["rolename"] == "User"
    assert call(client, user, command="createSSHKeyPair", name="k")[0] == 200  # the default User role again
    assert call(client, admin.user, command="deleteRole", id=role["id"])[0] == 200
    status, body = call(client, admin.user, command="updateAccount", id=Account.objects.get(name="rita").uuid_str,
                        roleid=ops["id"])
    assert status == 431 and "same type" in _key(body)["errortext"]


def test_decides_reads_the_first_match():
    assert roles.decides([("list*", "allow"), ("*", "deny")], "listZones") is True
    assert roles.decides([("list*", "allow"), ("*", "deny")], "deployVirtualMachine") is False
    assert roles.decides([("listZones", "deny"), ("list*", "allow")], "listZones") is False
    assert roles.decides([], "listZones") is False
    assert roles.role_type("domainadmin") == RoleType.DOMAIN_ADMIN


def test_the_rest_api_answers_to_the_role_too(client, cloud, admin, reader):
    role, user = reader
    auth = {"HTTP_AUTHORIZATION": f"ApiKey {user.api_key}:{user.secret_key}"}
    assert client.get("/api/v1/vms/", **auth).status_code == 200
    made = client.post("/api/v1/vms/", {"zone": cloud["zone"].uuid_str, "service_offering": cloud["offering"].uuid_str,
                                        "template": cloud["template"].uuid_str}, content_type="application/json", **auth)
    assert made.status_code == 403 and "deployVirtualMachine" in made.json()["detail"]
    call(client, admin.user, command="createRolePermission", roleid=role["id"], rule="listVolumes", permission="deny")
    status, body = call(client, admin.user, command="listRolePermissions", roleid=role["id"])
    deny, allow = body["listrolepermissionsresponse"]["rolepermission"][::-1]
    call(client, admin.user, command="updateRolePermission", roleid=role["id"], ruleorder=f"{deny['id']},{allow['id']}")
    assert client.get("/api/v1/volumes/", **auth).status_code == 403
    assert client.get("/api/v1/vms/", **auth).status_code == 200


def _account_of_role(client, admin, role_id, username):
    from apps.accounts.models import CloudUser
    from apps.accounts.services import register_keys

    status, body = call(client, admin.user, command="createAccount", username=username, password="Pass-word-1",
                        email=f"{username}@example.org", firstname="R", lastname="O", roleid=role_id)
    assert status == 200, body
    return register_keys(CloudUser.objects.get(username=username))


@pytest.mark.parametrize("name, account_type, sees_hosts", [("Read-Only Admin - Default", 1, True),
                                                             ("Read-Only User - Default", 0, False)])
def test_cloudstacks_read_only_default_roles_read_and_cannot_write(client, cloud, admin, name, account_type, sees_hosts):
    status, body = call(client, admin.user, command="listRoles", name=name)
    (role,) = body["listrolesresponse"]["role"]
    assert role["isdefault"] is True and role["state"] == "ENABLED"
    user = _account_of_role(client, admin, role["id"], "viewer")
    status, body = call(client, admin.user, command="listAccounts", name="viewer", listall="true")
    assert body["listaccountsresponse"]["account"][0]["accounttype"] == account_type
    assert call(client, user, command="listVirtualMachines")[0] == 200
    assert (call(client, user, command="listHosts")[0] == 200) is sees_hosts
    for command, params in (("deployVirtualMachine", {"zoneid": cloud["zone"].uuid_str}), ("createZone", {}),
                            ("getUserKeys", {"id": admin.user.uuid_str}), ("updateConfiguration", {"name": "x"})):
        assert call(client, user, command=command, **params)[0] == 401, command
    status, body = call(client, user, command="listApis")
    public = {n for n, c in REGISTRY.items() if c.access == PUBLIC}
    names = {api["name"] for api in body["listapisresponse"]["api"]} - public
    assert names and all(n.startswith("list") or n in ("queryAsyncJobResult", "getApiLimit") for n in names)
    for command, params in (("createRolePermission", {"roleid": role["id"], "rule": "*", "permission": "allow"}),
                            ("updateRole", {"id": role["id"], "name": "mine"}), ("deleteRole", {"id": role["id"]}),
                            ("disableRole", {"id": role["id"]})):
        status, body = call(client, admin.user, command=command, **params)
        assert status == 431 and "Default roles cannot be changed" in _key(body)["errortext"], command


def test_a_disabled_role_lets_its_accounts_call_nothing_until_enabled(client, cloud, admin, reader):
    role, user = reader
    assert call(client, user, command="listZones")[0] == 200
    status, body = call(client, admin.user, command="disableRole", id=role["id"])
    assert status == 200 and body["disableroleresponse"]["success"] == "true"
    status, body = call(client, admin.user, command="listRoles", id=role["id"])
    assert body["listrolesresponse"]["role"][0]["state"] == "DISABLED"
    assert call(client, user, command="listZones")[0] == 401
    status, body = call(client, admin.user, command="createAccount", username="late", password="Pass-word-1",
                        email="l@example.org", firstname="L", lastname="L", roleid=role["id"])
    assert status == 431 and "is disabled" in _key(body)["errortext"]
    assert call(client, admin.user, command="enableRole", id=role["id"])[0] == 200
    assert call(client, user, command="listZones")[0] == 200


def test_only_the_full_root_admin_role_opens_the_django_admin(client, cloud, admin):
    from apps.accounts.models import CloudUser

    status, body = call(client, admin.user, command="listRoles", name="Read-Only Admin - Default")
    read_only = body["listrolesresponse"]["role"][0]["id"]
    _account_of_role(client, admin, read_only, "auditor")
    login = lambda: CloudUser.objects.select_related("login").get(username="auditor").login  # noqa: E731
    assert (login().is_staff, login().is_superuser) == (False, False)
    status, body = call(client, admin.user, command="listAccounts", name="auditor", listall="true")
    account = body["listaccountsresponse"]["account"][0]
    status, body = call(client, admin.user, command="updateAccount", id=account["id"],
                        roleid=roles.default_role_id(AccountType.ROOT_ADMIN))
    assert status == 200, body
    assert (login().is_staff, login().is_superuser) == (True, True)
