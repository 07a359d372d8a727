"""A real browser (Debian's chromium, headless, driven by Playwright) logs into the
browsable REST API and opens a VM's page. The screenshot is kept in tests/artifacts/."""
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def browser(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.mark.smoke
def test_login_and_open_a_vm_page(stack, catalog, browser):
    vm = stack.client(fetch_result=True).deployVirtualMachine(name="browser-vm", **catalog)["virtualmachine"]
    base = stack.endpoint.rsplit("/client/api", 1)[0]
    page = browser.new_page()
    page.goto(f"{base}/api-auth/login/?next=/api/v1/vms/{vm['id']}/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", stack.admin_password)
    page.click("[type=submit]")
    page.wait_for_url(f"**/api/v1/vms/{vm['id']}/")
    text = page.inner_text("body")
    assert "browser-vm" in text and "Running" in text and "Virtual Machine Instance" in text
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"vm-page-{stack.kind}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_operator_adds_a_host_in_the_django_admin(stack, cs, browser):
    stack.deploy_datacenter({"zones": [{"name": "Browser-Zone", "pods": [{"name": "bp", "clusters": [
        {"name": "browser-cluster", "hypervisor": "Simulator", "hosts": []}]}]}]})
    base = stack.endpoint.rsplit("/client/api", 1)[0]
    page = browser.new_page()
    page.goto(f"{base}/admin/login/?next=/admin/fabric/host/add/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", stack.admin_password)
    page.click("[type=submit]")
    page.wait_for_url("**/admin/fabric/host/add/")
    page.select_option("#id_cluster", label="browser-cluster")
    page.fill("#id_url", "simulator://browser-host-1?cpunumber=4&cpuspeed=1000&memory=8192")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/fabric/host/")
    assert "browser-host-1" in page.inner_text("#result_list")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"admin-hosts-{stack.kind}.png"), full_page=True)

    zone = cs.listZones(name="Browser-Zone")["zone"][0]
    (host,) = cs.listHosts(zoneid=zone["id"])["host"]
    assert host["name"] == "browser-host-1"
    from tests.integration.test_fabric import wait_for_host

    assert wait_for_host(cs, host["id"])["memorytotal"] == 8192 * 1024 * 1024
