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


def test_login_and_open_a_vm_page(stack, catalog, browser):
    vm = stack.client(fetch_result=True).deployVirtualMachine(name="browser-vm", **catalog)["virtualmachine"]
    base = stack.endpoint.rsplit("/client/api", 1)[0]
    page = browser.new_page()
    page.goto(f"{base}/api-auth/login/?next=/api/v1/vms/{vm['id']}/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "password")
    page.click("[type=submit]")
    page.wait_for_url(f"**/api/v1/vms/{vm['id']}/")
    text = page.inner_text("body")
    assert "browser-vm" in text and "Running" in text and "Virtual Machine Instance" in text
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"vm-page-{stack.kind}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
