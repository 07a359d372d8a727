"""Ansible's CloudStack collection (ngine_io.cloudstack, from the ``ansible`` package on PyPI,
in .venv-ansible: ``make test-host``) runs an operator's playbooks against the platform
unchanged: tests/integration/ansible/site.yml makes a tenant (domains, role and rule,
account, users with keys, limit, setting, offerings; then as the tenant its key pair, security
group and rule, instance group, VMs, data volume, isolated network, public IP, port forwarding
and firewall rule). Run twice, the first run changes things and the second changes nothing;
teardown.yml then removes all of it, and the platform shows none of it left."""
import os
import re
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent / "ansible"
ANSIBLE = Path(__file__).resolve().parents[2] / ".venv-ansible" / "bin"


def _play(stack, playbook, env):
    run = subprocess.run([str(ANSIBLE / "ansible-playbook"), str(HERE / playbook)], cwd=HERE, env=env,
                         capture_output=True, text=True, timeout=600)
    recap = re.search(r"localhost\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", run.stdout)
    assert run.returncode == 0 and recap, f"{playbook} failed:\n{run.stdout[-6000:]}\n{run.stderr[-2000:]}"
    return int(recap.group(2)), run.stdout


def _changed_tasks(output):
    """The names of the tasks a run reports as changed."""
    changed, task = [], None
    for line in output.splitlines():
        if line.startswith("TASK ["):
            task = line[len("TASK ["):line.index("]")]
        elif line.startswith("changed:") and task not in changed:
            changed.append(task)
    return changed


def _free_public_ip(cs, zone):
    """A free public address of ``zone``, from the end of its ranges (the least likely taken)."""
    listed = cs.listPublicIpAddresses(zoneid=zone["id"], allocatedonly=False, fetch_list=True)
    free = [ip["ipaddress"] for ip in listed if ip["state"] == "Free"]
    assert free, f"no free public IP in zone {zone['name']}"
    return max(free, key=lambda address: tuple(int(part) for part in address.split(".")))


def test_playbooks_make_a_tenant_change_nothing_the_second_time_and_tear_it_down(stack, cs, catalog, tmp_path):
    if not (ANSIBLE / "ansible-playbook").exists():
        pytest.fail("Ansible is not installed: run `make test-host` (it makes .venv-ansible)")
    zone = cs.listZones(id=catalog["zoneid"])["zone"][0]
    template = cs.listTemplates(templatefilter="executable", id=catalog["templateid"])["template"][0]
    env = {**os.environ, "CLOUDSTACK_ENDPOINT": stack.endpoint, "CLOUDSTACK_KEY": stack.keys["apikey"],
           "CLOUDSTACK_SECRET": stack.keys["secretkey"], "CLOUDSTACK_TIMEOUT": "120",
           "ANSIBLE_PYTHON_INTERPRETER": str(ANSIBLE / "python"), "ANSIBLE_HOME": str(tmp_path / "ansible"),
           "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp"), "ANSIBLE_LOCALHOST_WARNING": "False",
           "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False", "ANSIBLE_NOCOLOR": "1",
           "JAVELIN_TEMPLATE": template["name"], "JAVELIN_PUBLIC_IP": _free_public_ip(cs, zone)}
    for key in ("CLOUDSTACK_CONFIG", "CLOUDSTACK_REGION"):
        env.pop(key, None)

    changed, first = _play(stack, "site.yml", env)
    assert changed >= 20, first[-3000:]  # every task made something
    changed, second = _play(stack, "site.yml", env)
    assert changed == 0, f"the second run changed {_changed_tasks(second)}:\n{second[-4000:]}"

    (acme,) = cs.listAccounts(name="acme", listall=True)["account"]
    assert acme["networkdomain"] == "acme.internal" and acme["vmlimit"] == "5" and acme["vmtotal"] == 2
    vms = {vm["name"]: vm for vm in cs.listVirtualMachines(account="acme", domainid=acme["domainid"])["virtualmachine"]}
    assert {name: vm["state"] for name, vm in vms.items()} == {"acme-web-1": "Running", "acme-app-1": "Running"}
    assert vms["acme-web-1"]["group"] == "acme-front" and vms["acme-web-1"]["keypairs"] == "acme-key"
    (rule,) = cs.listPortForwardingRules(account="acme", domainid=acme["domainid"])["portforwardingrule"]
    assert (rule["ipaddress"], rule["publicport"], rule["virtualmachinename"]) == (env["JAVELIN_PUBLIC_IP"], "2222",
                                                                                     "acme-app-1")
    assert cs.listConfigurations(name="default.page.size")["configuration"][0]["value"] == "600"

    changed, _ = _play(stack, "teardown.yml", env)
    assert changed > 0
    assert cs.listAccounts(name="acme", listall=True) == {}
    assert not [d for d in cs.listDomains(listall=True)["domain"] if d["path"].startswith("ROOT/tenants")]
    assert cs.listVirtualMachines(name="acme-web-1", listall=True) == {}
    assert env["JAVELIN_PUBLIC_IP"] not in {ip["ipaddress"] for ip in cs.listPublicIpAddresses(listall=True).get(
        "publicipaddress", [])}
    assert cs.listServiceOfferings(name="acme-small") == {} and cs.listRoles(name="acme-viewer") == {}
    assert cs.listConfigurations(name="default.page.size")["configuration"][0]["value"] == "500"
