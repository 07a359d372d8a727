"""Resource limits: set on an account or a domain, shown on the account, enforced before
anything is made with CloudStack's 535; a root admin has none; counts come from the records."""
from apps.accounts import limits
from apps.compute.models import VirtualMachine
from tests.unit.test_api import call


def _text(body):
    return next(iter(body.values()))["errortext"]


def _deploy(client, caller, cloud, name):
    return call(client, caller, command="deployVirtualMachine", zoneid=cloud["zone"].uuid_str, name=name,
                templateid=cloud["template"].uuid_str, serviceofferingid=cloud["offering"].uuid_str)


def test_an_account_limit_is_shown_and_enforced(client, cloud, admin, alice, broker):
    own = {"account": "alice", "domainid": alice.account.domain.uuid_str}
    status, body = call(client, admin.user, command="updateResourceLimit", resourcetype="0", max="2", **own)
    assert status == 200 and body["updateresourcelimitresponse"]["resourcelimit"]["max"] == 2
    status, body = call(client, alice.user, command="listResourceLimits", resourcetype="0")
    assert body["listresourcelimitsresponse"]["resourcelimit"][0]["max"] == 2
    assert _deploy(client, alice.user, cloud, "one")[0] == 200
    assert _deploy(client, alice.user, cloud, "two")[0] == 200
    status, body = _deploy(client, alice.user, cloud, "three")
    assert status == 535 and "Maximum number of resources of type 'user_vm' for account name=alice" in _text(body)
    assert not VirtualMachine.objects.filter(name="three").exists()  # nothing of it was made
    status, body = call(client, admin.user, command="listAccounts", name="alice", listall="true")
    account = body["listaccountsresponse"]["account"][0]
    assert (account["vmlimit"], account["vmtotal"], account["vmavailable"]) == ("2", 2, "0")
    call(client, admin.user, command="updateResourceLimit", resourcetype="user_vm", max="-1", **own)
    assert _deploy(client, alice.user, cloud, "three")[0] == 200


def test_cpu_and_memory_limits_count_the_offering(client, cloud, admin, alice, broker):
    own = {"account": "alice", "domainid": alice.account.domain.uuid_str}
    offering = cloud["offering"]
    call(client, admin.user, command="updateResourceLimit", resourcetype="9", max=str(offering.memory_mb), **own)
    assert _deploy(client, alice.user, cloud, "fits")[0] == 200
    status, body = _deploy(client, alice.user, cloud, "too-much")
    assert status == 535 and "'memory'" in _text(body)


def test_a_domain_limit_holds_for_its_accounts_together(client, cloud, admin, broker):
    status, body = call(client, admin.user, command="createDomain", name="team")
    team = body["createdomainresponse"]["domain"]["id"]
    for name in ("t1", "t2"):
        call(client, admin.user, command="createAccount", username=name, password="Team-pass-1", email=f"{name}@x.org",
             firstname="T", lastname="T", domainid=team)
    call(client, admin.user, command="updateResourceLimit", resourcetype="0", max="1", domainid=team)
    from apps.accounts.models import CloudUser
    from apps.accounts.services import register_keys

    t1, t2 = (register_keys(CloudUser.objects.get(username=n)) for n in ("t1", "t2"))
    assert _deploy(client, t1, cloud, "first")[0] == 200
    status, body = _deploy(client, t2, cloud, "second")
    assert status == 535 and "for domain id=" in _text(body)
    status, body = call(client, admin.user, command="updateResourceCount", domainid=team, resourcetype="0")
    assert body["updateresourcecountresponse"]["resourcecount"][0]["resourcecount"] == 1


def test_refusals(client, cloud, admin, alice):
    own = {"account": "alice", "domainid": alice.account.domain.uuid_str}
    status, body = call(client, admin.user, command="updateResourceLimit", resourcetype="4", max="3", **own)
    assert status == 431 and "template is not limited here" in _text(body)
    status, body = call(client, admin.user, command="updateResourceLimit", resourcetype="42", max="3", **own)
    assert status == 431 and "resourcetype" in _text(body)
    status, body = call(client, alice.user, command="updateResourceLimit", resourcetype="0", max="99", **own)
    assert status == 401  # an admin's command
    call(client, admin.user, command="updateResourceLimit", resourcetype="0", max="0",
         account="admin", domainid=admin.account.domain.uuid_str)
    assert _deploy(client, admin.user, cloud, "root-has-no-limits")[0] == 200


def test_resource_types_by_number_or_name():
    assert limits.resource_type("0") == 0 and limits.resource_type("primary_storage") == 10
    assert limits.enforced(8) and not limits.enforced(11)
