"""List answers read as values (apps.compute.selectors.vm_rows): the same answer as before,
a query count that does not grow with the rows, and ``count`` without a COUNT where the page
tells it; the API-key cache and its invalidation."""
# ruff: noqa: F811 - pytest passes the imported fixture ``running`` as an argument of that name
import pytest
from django.core.cache import cache
from django.db import connection

from apps.accounts.keycache import _key
from apps.accounts.services import register_keys
from apps.compute.models import VirtualMachine
from apps.tags.models import ResourceTag
from tests.unit.test_api import call
from tests.unit.test_flows import running  # noqa: F401 - the fixture, which the tests below take as an argument


class Queries:
    def __init__(self):
        self.sql = []

    def __call__(self, execute, sql, *args):
        self.sql.append(sql)
        return execute(sql, *args)


def listed(client, caller, **params):
    queries = Queries()
    with connection.execute_wrapper(queries):
        status, body = call(client, caller.user, command="listVirtualMachines", **params)
    assert status == 200, body
    return body["listvirtualmachinesresponse"], queries.sql


def test_a_vm_answer_carries_what_it_references(client, admin, running):
    vm = running("web-1")
    ResourceTag.objects.create(resource_type="UserVm", resource_uuid=vm.uuid, key="tier", value="front", account=vm.account)
    body, _ = listed(client, admin)
    (answer,) = body["virtualmachine"]
    nic = vm.nics.select_related("network").get()
    assert answer["id"] == str(vm.uuid) and answer["state"] == "Running"
    assert (answer["zonename"], answer["templatename"], answer["serviceofferingname"]) == (
        vm.zone.name, vm.template.name, vm.service_offering.name)
    assert (answer["hostname"], answer["account"], answer["domain"], answer["username"]) == (
        vm.host.name, "admin", "ROOT", "admin")
    assert answer["ostypeid"] == str(vm.template.os_type.uuid)
    assert answer["nic"] == [{
        "id": str(nic.uuid), "networkid": str(nic.network.uuid), "networkname": nic.network.name,
        "ipaddress": nic.ip_address, "netmask": "255.255.255.0", "gateway": nic.network.gateway,
        "macaddress": nic.mac_address, "isdefault": True, "traffictype": "Guest", "type": nic.network.type,
        "deviceid": "0", "secondaryip": [], "extradhcpoption": []}]
    assert [(t["key"], t["value"], t["resourceid"]) for t in answer["tags"]] == [("tier", "front", str(vm.uuid))]


def test_queries_do_not_grow_with_the_rows(client, admin, running):
    running("web-1")
    listed(client, admin)  # the caller is cached from now on
    _, few = listed(client, admin)
    for n in range(2, 6):
        running(f"web-{n}")
    body, many = listed(client, admin)
    assert body["count"] == 5 and len(body["virtualmachine"]) == 5
    assert len(many) == len(few)
    assert not any("COUNT(" in sql for sql in many)  # the whole list tells its count


@pytest.mark.parametrize(("page", "shown", "counted"), [(1, 2, True), (2, 2, True), (3, 1, False), (4, 0, False)])
def test_count_is_of_all_matches_counted_only_when_the_page_is_full(client, admin, running, page, shown, counted):
    for n in range(5):
        running(f"web-{n}")
    body, sql = listed(client, admin, page=page, pagesize=2)
    if not shown:
        assert body == {}
        return
    assert body["count"] == 5 and len(body["virtualmachine"]) == shown
    assert any("COUNT(" in s for s in sql) is counted
    names = [vm["name"] for vm in body["virtualmachine"]]
    assert names == list(VirtualMachine.objects.order_by("id").values_list("name", flat=True))[(page - 1) * 2: page * 2]


# --- the API-key cache ----------------------------------------------------------------------
def zones(client, user):
    return call(client, user, command="listZones")[0]


def test_a_known_key_is_cached_and_a_wrong_one_is_not(client, cloud, alice):
    assert zones(client, alice.user) == 200
    assert cache.get(_key(alice.user.api_key)).pk == alice.user.pk
    queries = Queries()
    with connection.execute_wrapper(queries):
        assert zones(client, alice.user) == 200
    assert not any("accounts_clouduser" in sql for sql in queries.sql)  # the caller came from the cache
    alice.user.api_key = "not-a-key-of-anyone"
    assert zones(client, alice.user) == 401
    assert cache.get(_key("not-a-key-of-anyone")) is None


def test_new_keys_retire_the_old_at_once(client, cloud, alice):
    assert zones(client, alice.user) == 200
    old = type(alice.user).objects.get(pk=alice.user.pk)
    register_keys(alice.user)
    assert zones(client, old) == 401
    assert zones(client, alice.user) == 200


def test_a_disabled_user_or_account_is_refused_at_once(client, cloud, alice):
    user = alice.user
    assert zones(client, user) == 200
    user.state = "disabled"
    user.save()
    assert zones(client, user) == 401
    user.state = "enabled"
    user.save()
    assert zones(client, user) == 200
    user.account.state = "disabled"
    user.account.save()
    assert zones(client, user) == 401


def test_without_a_cache_the_database_answers(client, cloud, alice, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
                                   "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    assert zones(client, alice.user) == 200
