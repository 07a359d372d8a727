"""CloudMonkey (`cmk` 6.4.0, built from upstream: ../shared/clients) against Javelin, as an
operator runs it: sync, lists in table and JSON, a VM's lifecycle, a bad id, and logging in
with a user name and password instead of keys. Its configuration stays in a temporary home."""
import json
import subprocess

import pytest

from . import clients

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(clients.cmk() is None, reason="the CloudMonkey archive is not on this machine")]


@pytest.fixture
def cmk(stack, tmp_path):
    def run(*args, check=True):
        done = subprocess.run([str(clients.cmk()), *args], capture_output=True, text=True, timeout=180,
                              env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
        if check:
            assert done.returncode == 0, f"cmk {' '.join(args)}: {done.stdout} {done.stderr}"
        return done

    run("set", "url", stack.endpoint)
    run("set", "apikey", stack.keys["apikey"])
    run("set", "secretkey", stack.keys["secretkey"])
    run("set", "asyncblock", "true")
    run("set", "output", "json")
    return run


def _json(done):
    return json.loads(done.stdout)


@pytest.mark.smoke
def test_cmk_syncs_and_lists(cmk, stack):
    synced = cmk("sync")
    assert "APIs" in synced.stdout or "api" in synced.stdout.lower()
    zones = _json(cmk("list", "zones"))["zone"]
    assert any(z["name"] == "Sim-Zone-1" for z in zones)
    cmk("set", "output", "table")
    table = cmk("list", "serviceofferings", "filter=name,cpunumber,memory").stdout
    assert "Small Instance" in table and "+" in table  # drawn as a table


def test_cmk_runs_a_vms_lifecycle(cmk, catalog):
    cmk("sync")
    vm = _json(cmk("deploy", "virtualmachine", "name=cmk-vm", *(f"{k}={v}" for k, v in catalog.items())))["virtualmachine"]
    assert vm["state"] == "Running"
    assert _json(cmk("stop", "virtualmachine", f"id={vm['id']}"))["virtualmachine"]["state"] == "Stopped"
    assert _json(cmk("start", "virtualmachine", f"id={vm['id']}"))["virtualmachine"]["state"] == "Running"
    assert _json(cmk("reboot", "virtualmachine", f"id={vm['id']}"))["virtualmachine"]["state"] == "Running"
    cmk("destroy", "virtualmachine", f"id={vm['id']}", "expunge=true")
    listed = cmk("list", "virtualmachines", f"id={vm['id']}", check=False)
    assert listed.returncode == 0 and "cmk-vm" not in listed.stdout


def test_cmk_shows_an_error_for_a_bad_id(cmk):
    cmk("sync")
    done = cmk("stop", "virtualmachine", "id=11111111-1111-1111-1111-111111111111", check=False)
    said = done.stdout + done.stderr
    assert "431" in said and "entity does not exist" in said


def test_cmk_logs_in_with_a_user_name_and_password(cmk, stack, tmp_path):
    cmk("set", "apikey", "")
    cmk("set", "secretkey", "")
    cmk("set", "username", "admin")
    cmk("set", "password", stack.admin_password)
    cmk("set", "domain", "/")
    cmk("sync")
    assert any(z["name"] == "Sim-Zone-1" for z in _json(cmk("list", "zones"))["zone"])
