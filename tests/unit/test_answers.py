"""What tools read back from the answers to find what they made (Ansible's modules compare
them to decide whether anything needs changing): network domains, a volume's attach date, a
port forwarding rule's guest address, tags on every taggable list, a chosen public address."""
from apps.network import services as network
from apps.network.models import Nic
from tests.conftest import deploy_vm
from tests.unit.test_api import call
from tests.unit.test_limits import _text


def test_network_domains_of_accounts_and_networks(client, cloud, admin):
    status, body = call(client, admin.user, command="createAccount", username="nd", password="Pass-word-1",
                        email="n@d.org", firstname="N", lastname="D", networkdomain="Corp.Example")
    assert status == 200 and body["createaccountresponse"]["account"]["networkdomain"] == "corp.example"
    status, body = call(client, admin.user, command="createAccount", username="bad", password="Pass-word-1",
                        email="b@d.org", firstname="B", lastname="D", networkdomain="no_underscores.example")
    assert status == 431 and "networkdomain" in _text(body)
    from apps.accounts.models import Account

    account = Account.objects.get(name="nd")
    own = network.create_network(cloud["zone"], "nd-net", account=account)
    status, body = call(client, admin.user, command="listNetworks", id=own.uuid_str, listall="true")
    assert body["listnetworksresponse"]["network"][0]["networkdomain"] == "corp.example"  # the account's
    status, body = call(client, admin.user, command="updateAccount", id=account.uuid_str, networkdomain="new.example")
    assert body["updateaccountresponse"]["account"]["networkdomain"] == "new.example"


def test_a_volume_says_when_it_was_attached(client, cloud, admin):
    from apps.catalog.models import DiskOffering
    from apps.storage import services as storage
    from apps.storage.models import Volume

    vm, _ = deploy_vm(admin, cloud, "with-disk", start=False)
    volume = storage.allocate_data_volume(admin.account, cloud["zone"], DiskOffering.objects.create(name="d", disk_size_gb=1))
    status, body = call(client, admin.user, command="listVolumes", id=volume.uuid_str)
    assert "attached" not in body["listvolumesresponse"]["volume"][0]
    storage.attach(volume, vm)
    status, body = call(client, admin.user, command="listVolumes", id=volume.uuid_str)
    assert body["listvolumesresponse"]["volume"][0]["attached"].startswith("20")
    storage.detach(Volume.objects.get(pk=volume.pk))
    status, body = call(client, admin.user, command="listVolumes", id=volume.uuid_str)
    assert "attached" not in body["listvolumesresponse"]["volume"][0]


def test_a_chosen_public_address_tags_in_any_case_and_a_rules_guest_ip(client, cloud, admin, broker):
    zone = cloud["zone"]
    network.add_public_range(zone, "203.0.113.10", "203.0.113.20", "203.0.113.1", "255.255.255.0")
    own = network.create_network(zone, "mine", account=admin.account)
    status, body = call(client, admin.user, command="listPublicIpAddresses", zoneid=zone.uuid_str, allocatedonly="false")
    assert body["listpublicipaddressesresponse"]["count"] == 11  # the free ones too
    with broker.committing():
        status, body = call(client, admin.user, command="associateIpAddress", networkid=own.uuid_str,
                            ipaddress="203.0.113.17")
    assert status == 200, body
    broker.run()
    status, body = call(client, admin.user, command="listPublicIpAddresses", ipaddress="203.0.113.17")
    ip = body["listpublicipaddressesresponse"]["publicipaddress"][0]
    assert ip["state"] == "Allocated"
    status, body = call(client, admin.user, command="associateIpAddress", networkid=own.uuid_str, ipaddress="203.0.113.17")
    assert status == 533 and "is not free" in _text(body)
    status, body = call(client, admin.user, command="associateIpAddress", networkid=own.uuid_str, ipaddress="198.51.100.1")
    assert status == 431 and "not in a public IP range" in _text(body)

    status, body = call(client, admin.user, command="createTags", resourcetype="publicipaddress", resourceids=ip["id"],
                        **{"tags[0].key": "role", "tags[0].value": "app"})
    assert status == 200, body
    status, body = call(client, admin.user, command="listPublicIpAddresses", ipaddress="203.0.113.17")
    (tag,) = body["listpublicipaddressesresponse"]["publicipaddress"][0]["tags"]
    assert (tag["key"], tag["value"], tag["resourcetype"]) == ("role", "app", "PublicIpAddress")
    status, body = call(client, admin.user, command="listTags", resourcetype="PUBLICIPADDRESS")
    assert body["listtagsresponse"]["count"] == 1

    vm, job = deploy_vm(admin, cloud, "forwarded")
    Nic.objects.create(vm=vm, network=own, ip_address="10.128.0.5", mac_address="02:00:00:00:00:55")
    from apps.network.models import PublicIpAddress

    rule = network.new_port_forwarding(PublicIpAddress.objects.get(address="203.0.113.17"), vm, "tcp", 2222, 22)
    status, body = call(client, admin.user, command="listPortForwardingRules", account=admin.account.name,
                        domainid=admin.account.domain.uuid_str)
    (shown,) = body["listportforwardingrulesresponse"]["portforwardingrule"]
    assert (shown["id"], shown["vmguestip"], shown["networkid"]) == (rule.uuid_str, "10.128.0.5", own.uuid_str)
    status, body = call(client, admin.user, command="listPortForwardingRules", account=admin.account.name)
    assert status == 431 and "domainid" in _text(body)
