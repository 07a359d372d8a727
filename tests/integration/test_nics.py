"""A VM's NICs (IPAM): listNics, a NIC added on another network (plugged into the running
guest), removed again; the default NIC stays."""
from pathlib import Path

import pytest
from cs import CloudStackApiException

from tests.support import eventually

pytestmark = pytest.mark.integration


def guest_xml(cs, vm):
    """The running guests as their simulated host last wrote them down (with each heartbeat), as
    defined: the simulator cannot hot-plug, so a plugged NIC is in the definition."""
    host = cs.listHosts(id=vm["hostid"])["host"][0]
    return Path(host["ipaddress"].removeprefix("test://")).read_text()


@pytest.mark.smoke
def test_add_list_and_remove_a_nic(stack, cs, catalog):
    vm = cs.deployVirtualMachine(name="two-nics", **catalog)["virtualmachine"]
    offering = next(o["id"] for o in cs.listNetworkOfferings()["networkoffering"] if o["guestiptype"] == "Isolated")
    extra = cs.createNetwork(name="second-net", displaytext="second", networkofferingid=offering, zoneid=catalog["zoneid"],
                             gateway="10.66.0.1", netmask="255.255.255.0")["network"]

    changed = cs.addNicToVirtualMachine(virtualmachineid=vm["id"], networkid=extra["id"])["virtualmachine"]
    nics = cs.listNics(virtualmachineid=vm["id"])["nic"]
    assert len(changed["nic"]) == 2 and len(nics) == 2
    default, added = sorted(nics, key=lambda n: n["deviceid"])
    assert default["isdefault"] is True and added["isdefault"] is False and added["deviceid"] == "1"
    assert added["networkid"] == extra["id"] and added["ipaddress"].startswith("10.66.0.")
    assert cs.listNics(virtualmachineid=vm["id"], networkid=extra["id"])["nic"] == [added]
    assert eventually(lambda: added["macaddress"] in guest_xml(cs, vm))  # plugged into the running guest

    with pytest.raises(CloudStackApiException) as twice:
        cs.addNicToVirtualMachine(virtualmachineid=vm["id"], networkid=extra["id"])
    assert twice.value.error["errorcode"] == 431
    with pytest.raises(CloudStackApiException) as default_nic:
        cs.removeNicFromVirtualMachine(virtualmachineid=vm["id"], nicid=default["id"])
    assert default_nic.value.error["errorcode"] == 431

    changed = cs.removeNicFromVirtualMachine(virtualmachineid=vm["id"], nicid=added["id"])["virtualmachine"]
    assert [n["id"] for n in changed["nic"]] == [default["id"]]
    assert [n["id"] for n in cs.listNics(virtualmachineid=vm["id"])["nic"]] == [default["id"]]
    assert eventually(lambda: added["macaddress"] not in guest_xml(cs, vm))
    cs.destroyVirtualMachine(id=vm["id"], expunge="true")
    cs.deleteNetwork(id=extra["id"])
