"""Global settings (listConfigurations, updateConfiguration, resetConfiguration): CloudStack's
names and scopes, values checked, and every change holding at once in the process that made it
and within CONFIG_REFRESH_S in every other, without a restart."""
import time

import pytest

from apps.core import config
from apps.core.errors import InsufficientCapacity
from apps.core.models import ConfigurationValue
from apps.fabric.models import Cluster, Host
from tests.conftest import deploy_vm
from tests.unit.test_api import call
from tests.unit.test_limits import _deploy, _text


def _setting(client, caller, name, **scope):
    status, body = call(client, caller, command="listConfigurations", name=name, **scope)
    assert status == 200, body
    return next(c for c in body["listconfigurationsresponse"]["configuration"] if c["name"] == name)


def _update(client, caller, name, value, **scope):
    return call(client, caller, command="updateConfiguration", name=name, value=value, **scope)


def test_a_setting_is_changed_shown_and_reset(client, cloud, admin, settings):
    settings.API_DEFAULT_PAGE_SIZE = 500
    shown = _setting(client, admin.user, "default.page.size")
    assert (shown["value"], shown["defaultvalue"], shown["scope"], shown["isdynamic"]) == ("500", "500", "global", True)
    status, body = _update(client, admin.user, "default.page.size", "2")
    assert status == 200 and body["updateconfigurationresponse"]["configuration"]["value"] == "2"
    assert _setting(client, admin.user, "default.page.size")["value"] == "2"
    status, body = call(client, admin.user, command="listZones", page="1", pagesize="3")
    assert status == 431 and "can't exceed max allowed page size value: 2" in _text(body)
    status, body = call(client, admin.user, command="resetConfiguration", name="default.page.size")
    assert status == 200 and body["resetconfigurationresponse"]["configuration"]["value"] == "500"
    assert call(client, admin.user, command="listZones", page="1", pagesize="3")[0] == 200


@pytest.mark.parametrize("params, says", [
    ({"name": "default.page.size", "value": "many"}, "is not a number"),
    ({"name": "default.page.size", "value": "0"}, "it is 1 or more"),
    ({"name": "api.throttling.enabled", "value": "yes"}, "is not a boolean"),
    ({"name": "no.such.setting", "value": "1"}, "does not exist"),
    ({"name": "hypervisor.custom.display.name", "value": "Mine"}, "is fixed in this cloud"),
    ({"name": "default.page.size"}, "missing parameter value"),
    ({"name": "default.page.size", "value": "5", "imagestoreuuid": "11111111-1111-1111-1111-111111111111"},
     "leave imagestoreuuid out"),
])
def test_a_bad_change_is_refused_naming_what_is_wrong(client, cloud, admin, params, says):
    status, body = call(client, admin.user, command="updateConfiguration", **params)
    assert status == 431 and says in _text(body)
    assert not ConfigurationValue.objects.exists()


def test_a_setting_of_the_cloud_cannot_be_given_to_a_zone(client, cloud, admin):
    status, body = _update(client, admin.user, "default.page.size", "5", zoneid=cloud["zone"].uuid_str)
    assert status == 431 and "has the scope global: it cannot be set for a zone" in _text(body)


def test_only_root_admins_change_settings_and_users_read_only_the_clouds(client, cloud, alice):
    assert _update(client, alice.user, "default.page.size", "5")[0] == 401
    assert _setting(client, alice.user, "enable.dynamic.scale.vm", zoneid=cloud["zone"].uuid_str)["value"] == "false"
    status, _ = call(client, alice.user, command="listConfigurations", accountid=alice.account.uuid_str)
    assert status == 431


def test_a_default_limit_holds_live_for_accounts_without_their_own(client, cloud, admin, alice, broker):
    assert _deploy(client, alice.user, cloud, "one")[0] == 200
    assert _update(client, admin.user, "max.account.user.vms", "1")[0] == 200
    status, body = _deploy(client, alice.user, cloud, "two")
    assert status == 535 and "'user_vm' for account name=alice" in _text(body)
    status, body = call(client, admin.user, command="listAccounts", name="alice", listall="true")
    assert body["listaccountsresponse"]["account"][0]["vmlimit"] == "1"
    own = {"account": "alice", "domainid": alice.account.domain.uuid_str}
    call(client, admin.user, command="updateResourceLimit", resourcetype="0", max="-1", **own)  # her own: none
    assert _deploy(client, alice.user, cloud, "two")[0] == 200
    assert _deploy(client, admin.user, cloud, "admins-have-no-limits")[0] == 200


def test_an_overprovisioning_factor_of_one_cluster(client, cloud, admin, new_vm):
    h1, h2 = Host.objects.get(name="h1"), Host.objects.get(name="h2")
    other = Cluster.objects.create(name="other", zone=h2.zone, pod=h2.pod, hypervisor=h2.cluster.hypervisor)
    Host.objects.filter(pk=h2.pk).update(cluster=other)
    Host.objects.update(cpu_number=1)  # 1000 MHz each: two 500 MHz VMs per host at a factor of 1
    status, body = _update(client, admin.user, "cpu.overprovisioning.factor", "2", clusterid=other.uuid_str)
    assert status == 200 and body["updateconfigurationresponse"]["configuration"]["scope"] == "cluster"
    assert _setting(client, admin.user, "cpu.overprovisioning.factor", clusterid=other.uuid_str)["value"] == "2"
    assert _setting(client, admin.user, "cpu.overprovisioning.factor", clusterid=h1.cluster.uuid_str)["value"] == "1"
    from apps.compute import placement

    hosts = [placement.reserve_for_vm(new_vm()).name for _ in range(6)]
    assert sorted(hosts) == ["h1", "h1", "h2", "h2", "h2", "h2"]
    with pytest.raises(InsufficientCapacity):
        placement.reserve_for_vm(new_vm())


def test_api_throttling_is_switched_on_live(client, cloud, admin, alice):
    assert _update(client, admin.user, "api.throttling.max", "2")[0] == 200
    assert _update(client, admin.user, "api.throttling.interval", "60")[0] == 200
    assert _update(client, admin.user, "api.throttling.enabled", "true")[0] == 200
    statuses = [call(client, alice.user, command="listZones")[0] for _ in range(3)]
    assert statuses == [200, 200, 429]
    status, body = call(client, admin.user, command="listCapabilities")
    assert body["listcapabilitiesresponse"]["capability"]["apilimitmax"] == 2


def test_another_process_sees_a_change_within_the_refresh_time(db, settings):
    settings.CONFIG_REFRESH_S = 0.3
    settings.HOST_HEARTBEAT_S = 10.0
    assert config.value("ping.interval") == 10.0
    # another process's updateConfiguration: the row, without this process's forget()
    ConfigurationValue.objects.create(name="ping.interval", value="4")
    assert config.value("ping.interval") == 10.0  # kept for CONFIG_REFRESH_S
    time.sleep(0.35)
    assert config.value("ping.interval") == 4.0
    from workers.monitor import hosts

    assert hosts.interval() == 4.0


def test_a_scoped_setting_falls_back_to_the_clouds_value(db, cloud):
    cluster = Host.objects.get(name="h1").cluster
    config.update("mem.overprovisioning.factor", "3")
    assert config.value("mem.overprovisioning.factor", cluster.pk) == 3.0
    config.update("mem.overprovisioning.factor", "1.5", config.CLUSTER, cluster.pk)
    assert (config.value("mem.overprovisioning.factor", cluster.pk), config.value("mem.overprovisioning.factor")) == \
        (1.5, 3.0)
    assert config.reset("mem.overprovisioning.factor", config.CLUSTER, cluster.pk) == 3.0


@pytest.fixture
def new_vm(cloud, admin):
    counter = iter(range(1000))
    return lambda: deploy_vm(admin, cloud, f"p{next(counter)}")[0]


def test_an_overprovisioning_factor_is_greater_than_zero(client, cloud, admin):
    status, body = _update(client, admin.user, "cpu.overprovisioning.factor", "0")
    assert status == 431 and "it is greater than 0" in _text(body)
    assert _update(client, admin.user, "cpu.overprovisioning.factor", "0.25")[0] == 200
