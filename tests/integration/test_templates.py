"""registerTemplate: the image is fetched to secondary storage with its checksum checked,
and a VM's ROOT volume is a copy of it; a bad checksum leaves no file behind."""
import hashlib
import os
import time

import pytest

pytestmark = pytest.mark.integration


def wait_for_template(cs, template_id, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        (template,) = cs.listTemplates(templatefilter="self", id=template_id)["template"]
        if template["isready"] or template["status"].startswith("Download failed"):
            return template
        time.sleep(0.3)
    raise AssertionError(f"template {template_id} still {template['status']}")


def test_register_a_template_and_boot_from_it(stack, cs, catalog, tmp_path):
    image = tmp_path / "tiny.img"
    data = os.urandom(3 * 1024 * 1024)
    image.write_bytes(data)
    ostype = cs.listOsTypes()["ostype"][0]["id"]
    (template,) = cs.registerTemplate(
        name="tiny-image", displaytext="tiny", format="RAW", hypervisor="Simulator", url=f"file://{image}", zoneid="-1",
        ostypeid=ostype, checksum="{SHA-256}" + hashlib.sha256(data).hexdigest())["template"]
    assert template["isready"] is False
    template = wait_for_template(cs, template["id"])
    assert (template["isready"], template["status"], template["size"]) == (True, "Download Complete", len(data))
    assert list((stack.state_dir / "secondary" / "templates").glob(".*partial")) == []

    vm = cs.deployVirtualMachine(name="from-image", zoneid=catalog["zoneid"], serviceofferingid=catalog["serviceofferingid"],
                                 templateid=template["id"])["virtualmachine"]
    assert vm["state"] == "Running" and vm["templatename"] == "tiny-image"
    (root,) = cs.listVolumes(virtualmachineid=vm["id"], type="ROOT")["volume"]
    (path,) = (stack.state_dir / "simulator" / "pools").glob(f"*/{root['id']}.img")
    assert path.read_bytes()[: len(data)] == data  # the ROOT volume is a copy of the image


def test_a_wrong_checksum_fails_the_download_and_keeps_nothing(stack, cs, tmp_path):
    image = tmp_path / "bad.img"
    image.write_bytes(b"x" * 4096)
    (template,) = cs.registerTemplate(
        name="bad-image", format="RAW", hypervisor="Simulator", url=f"file://{image}", zoneid="-1",
        ostypeid=cs.listOsTypes()["ostype"][0]["id"], checksum="0" * 64)["template"]
    template = wait_for_template(cs, template["id"])
    assert not template["isready"] and "Checksum mismatch" in template["status"]
    assert not list((stack.state_dir / "secondary" / "templates").glob(f"*{template['id']}*"))
