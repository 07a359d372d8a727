"""Each object's update and delete, as CloudStack has them: offerings (names may repeat; a
deleted one stays for what was made from it), templates, pods, clusters, storage pools."""
from django.utils import timezone

from apps.compute.models import VirtualMachine
from apps.fabric.models import Cluster, Host, Pod, StoragePool
from apps.storage.models import Volume
from tests.conftest import deploy_vm
from tests.unit.test_api import call
from tests.unit.test_limits import _deploy, _text


def test_a_service_offering_is_renamed_and_deleted_and_its_vms_keep_it(client, cloud, admin, broker):
    offering = cloud["offering"]
    params = {"name": offering.name, "cpunumber": "1", "cpuspeed": "500", "memory": "512", "storagetype": "shared"}
    status, body = call(client, admin.user, command="createServiceOffering", **params)
    assert status == 200, body  # a name may repeat, as in CloudStack
    twin = body["createserviceofferingresponse"]["serviceoffering"]["id"]
    vm, _ = deploy_vm(admin, cloud, "keeps-it")
    status, body = call(client, admin.user, command="updateServiceOffering", id=offering.uuid_str, name="Renamed",
                        displaytext="a new text", hosttags="fast")
    shown = body["updateserviceofferingresponse"]["serviceoffering"]
    assert (shown["name"], shown["displaytext"], shown["hosttags"]) == ("Renamed", "a new text", "fast")
    status, body = call(client, admin.user, command="deleteServiceOffering", id=offering.uuid_str)
    assert status == 200 and body["deleteserviceofferingresponse"]["success"] in (True, "true")
    status, body = call(client, admin.user, command="listServiceOfferings")
    assert [o["id"] for o in body["listserviceofferingsresponse"]["serviceoffering"]] == [twin]
    assert VirtualMachine.objects.get(pk=vm.pk).service_offering_id == offering.pk  # the VM keeps it
    status, body = _deploy(client, admin.user, cloud, "from-a-deleted-offering")
    assert status == 431 and "serviceofferingid" in _text(body)
    assert call(client, admin.user, command="deleteServiceOffering", id=offering.uuid_str)[0] == 431


def test_service_offerings_are_listed_by_their_figures(client, cloud, admin):
    call(client, admin.user, command="createServiceOffering", name="Big", cpunumber="4", cpuspeed="2000", memory="8192")
    for params, names in (({"cpunumber": "4"}, ["Big"]), ({"memory": "512"}, [cloud["offering"].name]),
                          ({"cpuspeed": "2000", "memory": "8192"}, ["Big"]), ({"issystem": "true"}, [])):
        status, body = call(client, admin.user, command="listServiceOfferings", **params)
        assert [o["name"] for o in body["listserviceofferingsresponse"].get("serviceoffering", [])] == names, params
    assert call(client, admin.user, command="listServiceOfferings",
                zoneid="11111111-1111-1111-1111-111111111111")[0] == 431


def test_a_disk_offering_is_renamed_and_deleted(client, cloud, admin):
    status, body = call(client, admin.user, command="createDiskOffering", name="Disk", disksize="5")
    first = body["creatediskofferingresponse"]["diskoffering"]["id"]
    status, body = call(client, admin.user, command="createDiskOffering", name="Disk", disksize="10")
    assert status == 200  # a name may repeat
    status, body = call(client, admin.user, command="updateDiskOffering", id=first, name="Small disk")
    assert body["updatediskofferingresponse"]["diskoffering"]["name"] == "Small disk"
    assert call(client, admin.user, command="updateDiskOffering", id=first, name=" ")[0] == 431
    assert call(client, admin.user, command="deleteDiskOffering", id=first)[0] == 200
    status, body = call(client, admin.user, command="listDiskOfferings", name="Small disk")
    assert body["listdiskofferingsresponse"] == {}
    status, body = call(client, admin.user, command="createVolume", name="v", diskofferingid=first,
                        zoneid=cloud["zone"].uuid_str)
    assert status == 431 and "diskofferingid" in _text(body)


def test_a_template_is_updated_by_its_owner_only(client, cloud, admin, alice):
    template = cloud["template"]
    status, body = call(client, admin.user, command="listOsTypes")
    other = next(t for t in body["listostypesresponse"]["ostype"] if t["id"] != template.os_type.uuid_str)
    status, body = call(client, admin.user, command="updateTemplate", id=template.uuid_str, name="Tiny 2",
                        displaytext="tiny, again", ostypeid=other["id"], passwordenabled="true", bootable="true")
    shown = body["updatetemplateresponse"]["template"]
    assert (shown["name"], shown["displaytext"], shown["ostypeid"], shown["passwordenabled"]) == \
        ("Tiny 2", "tiny, again", other["id"], True)
    status, body = call(client, alice.user, command="updateTemplate", id=template.uuid_str, name="hers")
    assert status == 431  # a public template alice may use, but not change
    status, body = call(client, admin.user, command="updateTemplate", id=template.uuid_str, bootable="false")
    assert status == 431 and "bootable" in _text(body)


def test_pods_and_clusters_are_updated_and_deleted_when_empty(client, cloud, admin):
    zone = cloud["zone"]
    status, body = call(client, admin.user, command="createPod", name="p2", zoneid=zone.uuid_str)
    pod = body["createpodresponse"]["pod"]["id"]
    status, body = call(client, admin.user, command="updatePod", id=pod, name="pod-two", allocationstate="Disabled",
                        gateway="10.9.0.1", netmask="255.255.255.0")
    shown = body["updatepodresponse"]["pod"]
    assert (shown["name"], shown["allocationstate"], shown["gateway"]) == ("pod-two", "Disabled", "10.9.0.1")
    status, body = call(client, admin.user, command="addCluster", clustername="c2", clustertype="CloudManaged",
                        hypervisor="Simulator", podid=pod, zoneid=zone.uuid_str)
    cluster = body["addclusterresponse"]["cluster"][0]["id"]
    status, body = call(client, admin.user, command="deletePod", id=pod)
    assert status == 536 and "still has clusters" in _text(body)
    status, body = call(client, admin.user, command="updateCluster", id=cluster, clustername="cluster-two",
                        allocationstate="Disabled")
    assert body["updateclusterresponse"]["cluster"]["name"] == "cluster-two"
    status, body = call(client, admin.user, command="listClusters", name="CLUSTER-TWO")
    assert [c["id"] for c in body["listclustersresponse"]["cluster"]] == [cluster]  # names in any case
    status, body = call(client, admin.user, command="updateCluster", id=cluster, hypervisor="KVM")
    assert status == 431 and "hypervisor" in _text(body)
    busy = Host.objects.first().cluster
    assert call(client, admin.user, command="deleteCluster", id=busy.uuid_str)[0] == 536
    assert call(client, admin.user, command="deleteCluster", id=cluster)[0] == 200
    assert call(client, admin.user, command="deletePod", id=pod)[0] == 200
    assert not Cluster.objects.filter(uuid=cluster).exists() and not Pod.objects.filter(uuid=pod).exists()


def test_a_storage_pool_is_disabled_resized_and_deleted_once_empty(client, cloud, admin):
    used = StoragePool.objects.filter(zone=cloud["zone"]).first()
    volume = Volume.objects.create(name="held", type="DATADISK", account=admin.account, zone=cloud["zone"], pool=used,
                                   size_bytes=1 << 30, state="Ready")
    StoragePool.objects.filter(pk=used.pk).update(allocated_bytes=1 << 30)  # what the volume reserved
    status, body = call(client, admin.user, command="deleteStoragePool", id=used.uuid_str)
    assert status == 536 and "still has volumes" in _text(body)
    status, body = call(client, admin.user, command="updateStoragePool", id=used.uuid_str, enabled="false")
    assert body["updatestoragepoolresponse"]["storagepool"]["state"] == "Disabled"
    assert StoragePool.objects.get(pk=used.pk).state == "Disabled"  # no new volume is placed on it
    status, body = call(client, admin.user, command="updateStoragePool", id=used.uuid_str, enabled="true", name="renamed",
                        capacitybytes=str(used.capacity_bytes * 2))
    shown = body["updatestoragepoolresponse"]["storagepool"]
    assert (shown["name"], shown["state"], shown["disksizetotal"]) == ("renamed", "Up", used.capacity_bytes * 2)
    status, body = call(client, admin.user, command="updateStoragePool", id=used.uuid_str, capacitybytes="5")
    assert status == 431 and "cannot be less" in _text(body)
    Volume.objects.filter(pk=volume.pk).update(state="Expunged", removed=timezone.now())
    assert call(client, admin.user, command="deleteStoragePool", id=used.uuid_str)[0] == 200  # its volume is gone
    assert Volume.objects.get(pk=volume.pk).pool is None
    spare = StoragePool.objects.create(name="spare", zone=cloud["zone"], path=str(used.path), capacity_bytes=1 << 30)
    assert call(client, admin.user, command="deleteStoragePool", id=spare.uuid_str, forced="true")[0] == 431
    assert call(client, admin.user, command="deleteStoragePool", id=spare.uuid_str)[0] == 200
    assert not StoragePool.objects.filter(pk=spare.pk).exists()


def test_instance_groups_are_created_renamed_and_deleted_with_their_vms_names(client, cloud, admin, alice):
    status, body = call(client, alice.user, command="createInstanceGroup", name="web")
    assert status == 200, body
    group = body["createinstancegroupresponse"]["instancegroup"]
    assert (group["name"], group["account"]) == ("web", "alice")
    assert call(client, alice.user, command="createInstanceGroup", name="web")[0] == 431  # once per account
    status, body = call(client, admin.user, command="createInstanceGroup", name="web", account="alice",
                        domainid=alice.account.domain.uuid_str)
    assert status == 431  # an admin makes one for alice: she has it already
    status, body = call(client, alice.user, command="createInstanceGroup", name="x", account="admin",
                        domainid=admin.account.domain.uuid_str)
    assert status == 431  # a user makes none for another account
    status, body = call(client, alice.user, command="deployVirtualMachine", zoneid=cloud["zone"].uuid_str, name="w1",
                        templateid=cloud["template"].uuid_str, serviceofferingid=cloud["offering"].uuid_str, group="web")
    assert status == 200, body
    status, body = call(client, alice.user, command="updateInstanceGroup", id=group["id"], name="front")
    assert body["updateinstancegroupresponse"]["instancegroup"]["name"] == "front"
    assert VirtualMachine.objects.get(name="w1").group == "front"
    assert call(client, admin.user, command="listInstanceGroups", listall="true")[1][
        "listinstancegroupsresponse"]["instancegroup"][0]["name"] == "front"
    status, body = call(client, alice.user, command="deleteInstanceGroup", id=group["id"])
    assert status == 200
    assert VirtualMachine.objects.get(name="w1").group == ""  # the VM stays, in no group
    assert call(client, alice.user, command="listInstanceGroups")[1] == {"listinstancegroupsresponse": {}}


def test_public_ip_ranges_are_added_listed_and_deleted_when_unused(client, cloud, admin):
    from apps.network.models import PublicIpAddress

    zone = cloud["zone"].uuid_str
    params = {"zoneid": zone, "gateway": "198.51.100.1", "netmask": "255.255.255.0", "vlan": "vlan://42"}
    status, body = call(client, admin.user, command="createVlanIpRange", startip="198.51.100.10", endip="198.51.100.19",
                        **params)
    assert status == 200, body
    made = body["createvlaniprangeresponse"]["vlan"]
    assert (made["startip"], made["endip"], made["vlan"], made["cidr"]) == ("198.51.100.10", "198.51.100.19", "vlan://42",
                                                                             "198.51.100.0/24")
    assert PublicIpAddress.objects.filter(vlan_range__uuid=made["id"], state="Free").count() == 10
    status, body = call(client, admin.user, command="createVlanIpRange", startip="198.51.100.15", endip="198.51.100.30",
                        **params)
    assert status == 431 and "overlaps the range 198.51.100.10-198.51.100.19" in _text(body)
    status, body = call(client, admin.user, command="createVlanIpRange", startip="192.0.2.5", endip="192.0.2.9", **params)
    assert status == 431 and "is not in the subnet" in _text(body)
    status, body = call(client, admin.user, command="listVlanIpRanges", zoneid=zone)
    assert made["id"] in {r["id"] for r in body["listvlaniprangesresponse"]["vlaniprange"]}
    PublicIpAddress.objects.filter(address="198.51.100.12").update(state="Allocated", account=admin.account)
    status, body = call(client, admin.user, command="deleteVlanIpRange", id=made["id"])
    assert status == 536 and "1 address(es) in use" in _text(body)
    PublicIpAddress.objects.filter(address="198.51.100.12").update(state="Free", account=None)
    assert call(client, admin.user, command="deleteVlanIpRange", id=made["id"])[0] == 200
    assert not PublicIpAddress.objects.filter(address__startswith="198.51.100.").exists()


def test_a_private_template_shared_with_an_account_is_listed_and_deployed_by_it(client, cloud, admin, alice):
    template = cloud["template"]
    template.is_public, template.account = False, admin.account
    template.save(update_fields=["is_public", "account"])
    status, body = call(client, alice.user, command="listTemplates", templatefilter="executable")
    assert body["listtemplatesresponse"] == {}
    status, body = call(client, admin.user, command="updateTemplatePermissions", id=template.uuid_str, op="add",
                        accounts="alice")
    assert status == 200, body
    status, body = call(client, admin.user, command="listTemplatePermissions", id=template.uuid_str)
    shown = body["listtemplatepermissionsresponse"]["templatepermission"]
    assert (shown["ispublic"], shown["account"]) == (False, ["alice"])
    for kind in ("executable", "sharedexecutable"):
        status, body = call(client, alice.user, command="listTemplates", templatefilter=kind)
        assert [t["id"] for t in body["listtemplatesresponse"]["template"]] == [template.uuid_str], kind
    assert _deploy(client, alice.user, cloud, "from-shared")[0] == 200
    status, body = call(client, alice.user, command="updateTemplatePermissions", id=template.uuid_str, ispublic="true")
    assert status == 431  # not hers to change
    assert call(client, admin.user, command="updateTemplatePermissions", id=template.uuid_str, op="add",
                accounts="nobody")[0] == 431
    assert call(client, admin.user, command="updateTemplatePermissions", id=template.uuid_str, accounts="alice")[0] == 431
    call(client, admin.user, command="updateTemplatePermissions", id=template.uuid_str, op="reset")
    status, body = call(client, alice.user, command="listTemplates", templatefilter="executable")
    assert body["listtemplatesresponse"] == {}
    status, body = call(client, admin.user, command="updateTemplatePermissions", id=template.uuid_str, ispublic="true",
                        isfeatured="true")
    status, body = call(client, alice.user, command="listTemplates", templatefilter="featured")
    assert [t["id"] for t in body["listtemplatesresponse"]["template"]] == [template.uuid_str]
