"""A parameter CloudStack documents for a command is honoured, or refused with a 431 naming it;
never dropped silently (the caller would get the answer to another question). Parameters
CloudStack does not know are ignored, as CloudStack ignores them."""
import pytest

from apps.core import registry
from apps.core.errors import ParamError
from tests.unit.test_api import call


def test_a_documented_parameter_not_implemented_is_refused_by_name(client, cloud, admin):
    status, body = call(client, admin.user, command="listVirtualMachines", haenable="true")
    assert status == 431
    assert body["listvirtualmachinesresponse"]["errortext"] == (
        "Unable to execute API command listvirtualmachines due to unsupported parameter haenable: this cloud does "
        "not implement it; leave it out")
    status, body = call(client, admin.user, command="listVirtualMachines", haenable="true", userdata="x")
    assert "unsupported parameters haenable, userdata:" in body["listvirtualmachinesresponse"]["errortext"]


def test_map_entries_count_under_their_parameter(client, cloud, admin):
    status, body = call(client, admin.user, command="listZones", **{"tags[0].key": "a", "tags[0].value": "b"})
    assert status == 431 and "unsupported parameter tags:" in body["listzonesresponse"]["errortext"]


def test_empty_and_unknown_parameters_pass(client, cloud, admin):
    status, body = call(client, admin.user, command="listVirtualMachines", haenable="", notacloudstackparam="1")
    assert status == 200


# what Javelin adds to CloudStack's commands, on purpose
EXTENSIONS = {("createZone", "description"), ("updateZone", "description"), ("listNetworks", "isdefault")}


def test_every_declared_parameter_is_one_cloudstack_documents_or_a_command_of_our_own():
    documented = registry.documented_params()
    for name, command in registry.REGISTRY.items():
        if name not in documented:
            continue  # a command of Javelin's own (listComponents...)
        extra = {p.name for p in command.params} - documented[name] - {"page", "pagesize", "keyword"}
        assert not {(name, p) for p in extra} - EXTENSIONS, f"{name} declares {sorted(extra)}, which CloudStack does not document"


def test_the_parse_itself_refuses():
    command = registry.REGISTRY["listZones"]
    with pytest.raises(ParamError, match="unsupported parameter tags"):
        command.parse({"tags[0].key": "k"})


def test_os_categories_of_the_wizard(client, cloud, admin, alice):
    zone = cloud["zone"].uuid_str
    status, body = call(client, alice.user, command="listOsCategories", zoneid=zone, isfeatured="true",
                        arch="x86_64", isvnf="false", showicon="true", isiso="false")
    offered = {c["name"] for c in body["listoscategoriesresponse"]["oscategory"]}
    status, every = call(client, alice.user, command="listOsCategories")
    assert offered and offered < {c["name"] for c in every["listoscategoriesresponse"]["oscategory"]}
    for empty in ({"isiso": "true"}, {"isvnf": "true"}, {"arch": "aarch64"}, {"isfeatured": "false"}):
        status, body = call(client, alice.user, command="listOsCategories", zoneid=zone, **empty)
        assert body == {"listoscategoriesresponse": {}}, empty
    status, body = call(client, alice.user, command="listOsCategories", arch="sparc")
    assert status == 431 and "invalid value sparc for parameter arch" in body["listoscategoriesresponse"]["errortext"]


# --- what the CloudStack UI and clients send, honoured ----------------------------------------------
def test_vm_details_answer_the_groups_asked_for(client, cloud, alice):
    from tests.conftest import deploy_vm

    deploy_vm(alice, cloud, "detailed")
    status, body = call(client, alice.user, command="listVirtualMachines")
    full = body["listvirtualmachinesresponse"]["virtualmachine"][0]
    status, body = call(client, alice.user, command="listVirtualMachines", details="min", showicon="true")
    least = body["listvirtualmachinesresponse"]["virtualmachine"][0]
    assert {"nic", "serviceofferingname", "templateid", "securitygroup"} & set(least) == set()
    assert least["id"] == full["id"] and least["state"] == full["state"] and "nic" in full
    status, body = call(client, alice.user, command="listVirtualMachines", details="nics,servoff")
    some = body["listvirtualmachinesresponse"]["virtualmachine"][0]
    assert some["nic"] == full["nic"] and some["serviceofferingname"] == full["serviceofferingname"]
    assert "templateid" not in some
    status, body = call(client, alice.user, command="listVirtualMachines", details="all")
    assert body["listvirtualmachinesresponse"]["virtualmachine"][0] == full
    status, body = call(client, alice.user, command="listVirtualMachines", details="everything")
    assert status == 431 and "invalid value everything for parameter details" in body["listvirtualmachinesresponse"]["errortext"]
    status, body = call(client, alice.user, command="listVirtualMachinesMetrics", details="min")
    assert "cputotal" in body["listvirtualmachinesmetricsresponse"]["virtualmachine"][0]


def test_host_details_min_leaves_capacity_out(client, cloud, admin):
    status, body = call(client, admin.user, command="listHosts", details="min")
    host = body["listhostsresponse"]["host"][0]
    assert "cpuallocated" not in host and "memoryused" not in host and host["state"]
    status, body = call(client, admin.user, command="listHosts", details="capacity")
    assert "cpuallocated" in body["listhostsresponse"]["host"][0]


def test_projects_do_not_exist(client, cloud, alice):
    from tests.conftest import deploy_vm

    deploy_vm(alice, cloud, "mine")
    status, body = call(client, alice.user, command="listVirtualMachines", projectid="-1")
    assert status == 200 and body == {"listvirtualmachinesresponse": {}}  # only projects' VMs: there are none
    status, body = call(client, alice.user, command="listVirtualMachines", projectid="11111111-1111-1111-1111-111111111111")
    assert status == 431 and "Invalid parameter projectid" in body["listvirtualmachinesresponse"]["errortext"]


def test_acting_for_an_account_is_honoured_for_ones_own_and_refused_for_another(client, cloud, alice, admin):
    own = {"account": "alice", "domainid": alice.account.domain.uuid_str}
    for command in ("listServiceOfferings", "listDiskOfferings", "listAffinityGroups"):
        status, body = call(client, alice.user, command=command, **own)
        assert status == 200, body
    status, body = call(client, alice.user, command="listTemplates", templatefilter="executable", **own)
    assert status == 200 and body["listtemplatesresponse"]["count"] >= 1
    status, body = call(client, alice.user, command="listServiceOfferings", account="admin",
                        domainid=admin.account.domain.uuid_str)
    assert status == 431 and "unsupported parameter account: acting for another account" in \
        body["listserviceofferingsresponse"]["errortext"]


def test_deploy_options_of_the_wizard(client, cloud, alice, broker):
    from apps.network.models import GuestNetwork

    network = GuestNetwork.objects.get(account__isnull=True).uuid_str
    wizard = {"command": "deployVirtualMachine", "zoneid": cloud["zone"].uuid_str, "templateid": cloud["template"].uuid_str,
              "serviceofferingid": cloud["offering"].uuid_str, "boottype": "BIOS", "bootmode": "LEGACY",
              "account": "alice", "domainid": alice.account.domain.uuid_str, "iptonetworklist[0].networkid": network}
    status, body = call(client, alice.user, **wizard, name="wizard")
    assert status == 200, body
    from apps.compute.models import VirtualMachine

    assert VirtualMachine.objects.get(uuid=body["deployvirtualmachineresponse"]["id"]).network.uuid_str == network
    status, body = call(client, alice.user, **{**wizard, "boottype": "UEFI"}, name="uefi")
    assert status == 431 and "parameter boottype" in body["deployvirtualmachineresponse"]["errortext"]
    status, body = call(client, alice.user, **wizard, name="fixed", **{"iptonetworklist[0].ip": "10.1.1.9"})
    assert status == 431 and "unsupported parameter iptonetworklist ip" in body["deployvirtualmachineresponse"]["errortext"]


def test_snapshot_options_only_false_and_start_on_the_last_host_or_not(client, cloud, alice, broker):
    from apps.catalog.models import DiskOffering
    from apps.jobs.models import AsyncJob
    from tests.conftest import deploy_vm

    status, body = call(client, alice.user, command="createVolume", name="data", zoneid=cloud["zone"].uuid_str,
                        diskofferingid=DiskOffering.objects.create(name="2G", disk_size_gb=2).uuid_str)
    assert status == 200, body
    broker.run()
    volume = body["createvolumeresponse"]["id"]
    status, body = call(client, alice.user, command="createSnapshot", volumeid=volume, quiescevm="true")
    assert status == 431 and "unsupported parameter quiescevm: only false" in body["createsnapshotresponse"]["errortext"]
    status, body = call(client, alice.user, command="createSnapshot", volumeid=volume, quiescevm="false",
                        asyncbackup="true", usestoragereplication="false")
    # the options pass; the volume itself is not ready yet (it is on a pool once a VM has it)
    assert body["createsnapshotresponse"]["errortext"].endswith("only a Ready volume can be snapshotted")
    vm, _job = deploy_vm(alice, cloud, "restart", start=False)
    status, body = call(client, alice.user, command="startVirtualMachine", id=vm.uuid_str, considerlasthost="false")
    assert status == 200, body
    assert AsyncJob.objects.get(uuid=body["startvirtualmachineresponse"]["jobid"]).params["considerlasthost"] is False


def test_list_apis_describes_every_parameter_and_response_field_as_cloudstack_does(client, cloud, admin):
    """Clients are generated from listApis (CloudStack's test framework; cmk completes from it):
    every parameter CloudStack documents is listed (those not offered here say so, and are
    refused), with its type, length and version, and the response's fields with their types."""
    import json as _json

    from apps.core.registry import API_FACTS_FILE, REGISTRY, documented_types

    facts = _json.loads(API_FACTS_FILE.read_text())
    assert {name for name in REGISTRY if name in documented_types()} <= set(facts)  # regenerate: manage.py cloudstack_params
    status, body = call(client, admin.user, command="listApis", name="deployVirtualMachine")
    (api,) = body["listapisresponse"]["api"]
    listed = {p["name"]: p for p in api["params"]}
    assert set(listed) == set(documented_types()["deployVirtualMachine"])
    assert listed["serviceofferingid"]["required"] is True and listed["serviceofferingid"]["type"] == "uuid"
    refused = [name for name, p in listed.items() if p["description"].startswith("not offered here")]
    assert refused and all(name not in {q.name for q in REGISTRY["deployVirtualMachine"].params} for name in refused)
    fields = {f["name"]: f["type"] for f in api["response"]}
    assert {"id", "name", "state", "nic", "serviceofferingid"} <= set(fields) and fields["id"] == "string"
    status, body = call(client, admin.user, command="deployVirtualMachine", zoneid=cloud["zone"].uuid_str,
                        templateid=cloud["template"].uuid_str, serviceofferingid=cloud["offering"].uuid_str,
                        **{refused[0]: "x"})
    assert status == 431 and refused[0] in body["deployvirtualmachineresponse"]["errortext"]
