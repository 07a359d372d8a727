"""Apache Libcloud's CloudStack driver, unmodified, against the running platform
(../shared/cloudstack-api.md §6, scenarios 2-6)."""
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from libcloud.common.exceptions import BaseHTTPError
from libcloud.common.types import ProviderError
from libcloud.compute.base import NodeImage, NodeLocation, NodeSize
from libcloud.compute.providers import get_driver
from libcloud.compute.types import (
    KeyPairDoesNotExistError,
    NodeState,
    Provider,
    StorageVolumeState,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def driver(stack):
    cls = get_driver(Provider.CLOUDSTACK)
    driver = cls(key=stack.keys["apikey"], secret=stack.keys["secretkey"], url=stack.endpoint, secure=False)
    driver.connection.poll_interval = 0.1  # libcloud's own setting (1 s by default): a faster suite, same calls
    return driver


@pytest.fixture
def parts(driver):
    location = next(loc for loc in driver.list_locations() if loc.name == "Sim-Zone-1")
    size = next(s for s in driver.list_sizes() if s.name == "Small Instance")
    image = driver.list_images(location=location)[0]
    return {"location": location, "size": size, "image": image}


def node_named(driver, name):
    return next((n for n in driver.list_nodes() if n.name == name), None)


def test_catalog_is_listed(driver, parts):
    assert isinstance(parts["location"], NodeLocation)
    assert isinstance(parts["size"], NodeSize) and parts["size"].ram == 512
    assert isinstance(parts["image"], NodeImage)


@pytest.mark.smoke
def test_full_node_lifecycle(driver, parts):
    node = driver.create_node(name="lc-node-1", **parts)
    assert node.state == NodeState.STOPPED  # libcloud deploys with startvm=False
    assert node.extra["zone_id"] == parts["location"].id
    assert driver.ex_start(node) == "Running"
    listed = node_named(driver, "lc-node-1")
    assert listed.state == NodeState.RUNNING
    assert listed.private_ips and listed.private_ips[0].startswith("10.1.")
    assert driver.reboot_node(listed) is True
    assert driver.destroy_node(listed) is True
    assert node_named(driver, "lc-node-1").state == NodeState.TERMINATED  # admin still sees Destroyed
    assert driver.destroy_node(listed, ex_expunge=True) is True
    assert node_named(driver, "lc-node-1") is None


def test_create_node_started(driver, parts):
    node = driver.create_node(name="lc-node-2", ex_start_vm=True, **parts)
    assert node.state == NodeState.RUNNING
    driver.destroy_node(node, ex_expunge=True)


def test_volumes(driver, parts):
    node = driver.create_node(name="lc-vol-node", ex_start_vm=True, **parts)
    volume = driver.create_volume(size=5, name="lc-data-1", location=parts["location"])
    assert volume.state == StorageVolumeState.AVAILABLE and volume.size == 5
    assert driver.attach_volume(node, volume) is True
    attached = {v.id: v for v in driver.list_volumes(node=node)}
    assert attached[volume.id].state == StorageVolumeState.INUSE
    assert driver.detach_volume(volume) is True
    assert volume.id not in {v.id for v in driver.list_volumes(node=node)}
    custom = driver.create_volume(size=3, name="lc-data-2", location=parts["location"])  # the custom offering path
    assert custom.size == 3
    snapshot = driver.create_volume_snapshot(volume)
    assert snapshot.id in {s.id for s in driver.list_snapshots()}
    assert driver.destroy_volume_snapshot(snapshot) is True
    assert driver.destroy_volume(volume) is True
    assert driver.destroy_volume(custom) is True
    assert volume.id not in {v.id for v in driver.list_volumes()}
    driver.destroy_node(node, ex_expunge=True)


def test_public_ip_port_forwarding_and_firewall(driver, parts):
    node = driver.create_node(name="lc-net-node", ex_start_vm=True, **parts)
    address = driver.ex_allocate_public_ip(location=parts["location"])
    assert address.address.startswith("203.0.113.")
    rule = driver.ex_create_port_forwarding_rule(node, address, 22, 2222, "TCP")
    listed = node_named(driver, "lc-net-node")
    assert address.address in listed.public_ips
    assert [(r.private_port, r.public_port) for r in listed.extra["port_forwarding_rules"]] == [("22", "2222")]
    firewall = driver.ex_create_firewall_rule(address, "10.0.0.0/8", "tcp", start_port=80, end_port=80)
    assert firewall.id in {f.id for f in driver.ex_list_firewall_rules()}
    assert driver.ex_delete_firewall_rule(firewall) is True
    assert driver.ex_delete_port_forwarding_rule(listed, rule) is True
    assert node_named(driver, "lc-net-node").extra["port_forwarding_rules"] == []
    assert driver.ex_release_public_ip(address) is True
    assert address.id not in {a.id for a in driver.ex_list_public_ips()}
    driver.destroy_node(node, ex_expunge=True)


def test_networks(driver, parts):
    offering = next(o for o in driver.ex_list_network_offerings() if o.guest_ip_type == "Isolated")
    network = driver.ex_create_network("lc-net-1", "lc-net-1", offering, parts["location"])
    assert network.id in {n.id for n in driver.ex_list_networks()}
    assert driver.ex_delete_network(network) is True
    assert network.id not in {n.id for n in driver.ex_list_networks()}


def test_security_groups_keys_and_tags(driver, parts):
    driver.ex_create_security_group("web")
    driver.ex_authorize_security_group_ingress("web", "tcp", "0.0.0.0/0", 22)
    (group,) = [g for g in driver.ex_list_security_groups() if g["name"] == "web"]
    assert [(r["protocol"], r["startport"], r["endport"], r["cidr"]) for r in group["ingressrule"]] == [("tcp", 22, 22, "0.0.0.0/0")]
    assert driver.ex_delete_security_group("web") is True

    created = driver.create_key_pair("lc-key-1")
    assert created.private_key.startswith("-----BEGIN RSA PRIVATE KEY-----") and created.fingerprint
    public = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()
    imported = driver.import_key_pair_from_string("lc-key-2", public + " me@example")
    assert imported.name == "lc-key-2" and imported.fingerprint.count(":") == 15
    with pytest.raises((ProviderError, BaseHTTPError)) as bad:
        driver.import_key_pair_from_string("lc-key-3", "ssh-rsa not-a-key")
    assert "431" in str(bad.value) or getattr(bad.value, "http_code", None) == 431
    with pytest.raises(KeyPairDoesNotExistError):
        driver.get_key_pair("no-such-key")
    assert driver.get_key_pair("lc-key-1").fingerprint == created.fingerprint

    node = driver.create_node(name="lc-tag-node", ex_keyname="lc-key-1", **parts)
    assert driver.ex_create_tags([node.id], "UserVm", {"env": "prod", "team": "infra"}) is True
    assert node_named(driver, "lc-tag-node").extra["tags"] == {"env": "prod", "team": "infra"}
    assert driver.ex_delete_tags([node.id], "UserVm", ["team"]) is True
    assert node_named(driver, "lc-tag-node").extra["tags"] == {"env": "prod"}
    driver.destroy_node(node, ex_expunge=True)
    driver.delete_key_pair(created)
    assert "lc-key-1" not in {k.name for k in driver.list_key_pairs()}
