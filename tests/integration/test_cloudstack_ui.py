"""Apache CloudStack's own web UI (4.22, built from upstream: ../shared/clients) against
Javelin, in a real browser (Debian's chromium driven by Playwright), as an operator and a user
use it: log in, open every entry of the menu the role shows, deploy an instance with the Add
Instance wizard and work it with the UI's buttons.

Every API call the UI makes is recorded from the browser's network log: an answer with an
error code the UI did not ask for fails the test, and so does a screen that shows an error
notification, a 404/403 page or nothing at all. A screenshot of each screen is kept in
tests/artifacts/ui/."""
import contextlib
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support import eventually

from . import clients
from .test_browser import ARGS, CHROMIUM

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(clients.ui_dist() is None, reason="the CloudStack UI archive is not on this machine")]
SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "ui"
# what the UI calls before anyone logs in, expecting a refusal: is password reset enabled, end
# any session there was
PROBES = {("forgotPassword", 431), ("logout", 431)}
ADMIN_MENU = {"dashboard", "vm", "vmgroup", "ssh", "affinitygroup", "volume", "snapshot", "guestnetwork", "publicip",
              "securitygroups", "template", "event", "account", "domain", "role", "infrasummary", "zone", "pod", "cluster",
              "host", "storagepool", "alert", "computeoffering"}
USER_MENU = {"dashboard", "vm", "vmgroup", "ssh", "affinitygroup", "volume", "snapshot", "guestnetwork", "publicip",
             "securitygroups", "template", "event", "account", "computeoffering"}
METRICS = {"zone": "listZonesMetrics", "host": "listHostsMetrics", "cluster": "listClustersMetrics",
           "storagepool": "listStoragePoolsMetrics", "volume": "listVolumesMetrics"}


class Ui:
    """One browser page on the UI, with every API answer it received."""

    def __init__(self, page, base, who):
        self.page, self.base, self.who = page, base, who
        self.calls = []  # (command, HTTP status, errorcode, errortext, screen)
        self.console = []  # what the UI's scripts reported as errors
        page.on("response", self._record)
        page.on("console", lambda m: self.console.append(m.text[:300]) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.console.append(f"uncaught: {e}"[:300]))

    def _record(self, response):
        if "/client/api" not in response.url:
            return
        request = response.request
        query = urlsplit(request.url).query or (request.post_data or "")
        params = {k: v[0] for k, v in parse_qs(query).items()}
        try:
            body = response.json()
        except Exception:  # noqa: BLE001 - not JSON at all: that is an error of its own
            body = {"?": {"errorcode": response.status, "errortext": "the answer is not JSON"}}
        inner = next(iter(body.values()), {}) if isinstance(body, dict) else {}
        inner = inner if isinstance(inner, dict) else {}
        self.calls.append((params.get("command"), response.status, inner.get("errorcode"), inner.get("errortext"),
                           self.screen()))

    def screen(self):
        return self.page.url.split("#", 1)[-1]

    def errors(self):
        return [c for c in self.calls if (c[1] != 200 or c[2]) and (c[0], c[1]) not in PROBES]

    def login(self, username, password, domain=None):
        self.page.goto(f"{self.base}/")
        self.settle()  # the login page has asked what it asks before a login (IdPs, themes...)
        self.page.get_by_placeholder("Username").fill(username)
        self.page.get_by_placeholder("Password").fill(password)
        if domain:
            self.page.get_by_placeholder("Domain").fill(domain)
        self.page.click("button[type=submit]")
        try:
            self.page.wait_for_url("**/#/dashboard", timeout=30_000)
        except Exception:
            self.shot("login-failed")
            raise AssertionError(f"{self.who}: the login did not reach the dashboard; the API's answers: {self.calls}; "
                                 f"the UI's errors: {self.console}") from None
        self.settle()

    def settle(self, extra_ms=800):
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_timeout(extra_ms)

    def open(self, route):
        self.page.goto(f"{self.base}/#/{route}")
        self.settle()

    def shot(self, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{self.who}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    @contextlib.contextmanager
    def step(self, name):
        """A part of a workflow: if it fails, a screenshot of where it stood and what the API and
        the UI's scripts said go with the failure."""
        try:
            yield
        except Exception as error:
            shot = self.shot(f"{name}-failed")
            raise AssertionError(f"{self.who} {name}: {error}\nscreen: {self.screen()} ({shot.name}); the API's last "
                                 f"answers: {self.calls[-15:]}; the UI's errors: {self.console[-10:]}") from error

    def check_screen(self, name):
        """The screen shows what it is for: no error notification, no exception page, not blank."""
        shot = self.shot(name)
        notices = self.page.locator(".ant-notification-notice-error, .ant-message-error").all_inner_texts()
        assert not notices, f"{self.who} {name}: the UI shows an error: {notices}; the API's errors: {self.errors()}"
        assert "/exception/" not in self.screen(), f"{self.who} {name}: the UI shows {self.screen()}"
        content = self.page.locator(".ant-layout-content").first.inner_text()
        assert len(content.strip()) > 20, f"{self.who} {name}: the screen is blank"
        assert shot.stat().st_size > 10_000

    def menu(self):
        """Every entry of the menu the role shows: route -> label (submenus opened first)."""
        sider = self.page.locator(".ant-layout-sider .ant-menu").first
        for title in sider.locator(".ant-menu-submenu-title").all():
            title.click()
            self.page.wait_for_timeout(150)
        entries = {}
        for link in sider.locator("a[href^='#/']").all():
            route = link.get_attribute("href")[2:]
            if route and "/" not in route:
                entries[route] = link.inner_text().strip()
        return entries

    def button(self, icon):
        """An action button of a resource's page, by its icon."""
        return self.page.locator(f"button.ant-btn-circle:has([aria-label='{icon}'])").first

    def confirm(self):
        """OK in the dialog an action opened."""
        modal = self.page.locator(".ant-modal:visible").last
        modal.wait_for(timeout=10_000)
        modal.locator("button.ant-btn-primary").last.click()
        self.page.wait_for_timeout(500)


@pytest.fixture
def browser(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def _ui(stack, browser, who):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(20_000)
    return Ui(page, stack.endpoint.rsplit("/client/api", 1)[0], f"{stack.kind}-{who}")


@pytest.fixture
def ui_user(stack, cs):
    """A plain user of a new account, with a password to log in with."""
    name = f"uiuser{int(time.time() * 1000) % 10_000_000}"
    cs.createAccount(username=name, password="Ui-user-pass-1", email=f"{name}@example.org", firstname="Ui",
                     lastname="User", accounttype=0)
    return name, "Ui-user-pass-1"


@pytest.mark.smoke
def test_the_ui_is_served_with_the_api_on_one_origin(stack, browser):
    ui = _ui(stack, browser, "login")
    ui.login("admin", stack.admin_password)
    assert ui.page.locator(".ant-layout-sider").is_visible()
    ui.check_screen("dashboard")
    assert {c[0] for c in ui.calls} >= {"login", "listApis", "listCapabilities", "listZones"}
    assert ui.errors() == []


def _walk(ui, expected):
    entries = ui.menu()
    missing = expected - set(entries)
    assert not missing, f"{ui.who}: the menu lacks {sorted(missing)} (it has {sorted(entries)})"
    for route, label in sorted(entries.items()):
        ui.open(route)
        ui.check_screen(route)
        if route in METRICS and ui.page.get_by_text("Metrics", exact=True).count():
            ui.page.locator(".ant-switch").first.dispatch_event("click")  # the list's Metrics view (a tooltip may cover it)
            ui.settle()
            assert METRICS[route] in {c[0] for c in ui.calls}, f"{ui.who}: {label} with metrics did not call {METRICS[route]}"
            ui.check_screen(f"{route}-metrics")
            ui.page.locator(".ant-switch").first.dispatch_event("click")
    assert ui.errors() == [], f"{ui.who}: answers with errors the UI did not ask for: {ui.errors()}"
    return entries


def test_root_admin_opens_every_menu_entry(stack, browser):
    if stack.kind != "production":
        pytest.skip("the whole UI walk runs on the production stack (the embedded one logs in: smoke)")
    ui = _ui(stack, browser, "admin")
    ui.login("admin", stack.admin_password)
    _walk(ui, ADMIN_MENU)


def test_a_user_opens_every_menu_entry_its_role_shows(stack, browser, ui_user):
    if stack.kind != "production":
        pytest.skip("the whole UI walk runs on the production stack (the embedded one logs in: smoke)")
    ui = _ui(stack, browser, "user")
    ui.login(*ui_user)
    entries = _walk(ui, USER_MENU)
    assert not {"host", "infrasummary", "role", "domain"} & set(entries), "a user's menu shows admin screens"


def _state(client, vm_id):
    found = client.listVirtualMachines(id=vm_id, listall=True).get("virtualmachine", [])
    return found[0]["state"] if found else None


def test_a_user_deploys_an_instance_in_the_wizard_and_works_it_with_the_buttons(stack, browser, ui_user, catalog):
    if stack.kind != "production":
        pytest.skip("the UI's workflows run on the production stack")
    name, password = ui_user
    user_keys = stack.user_keys(name)
    client = stack.client(keys=user_keys, fetch_result=True)
    # a template the user may deploy (other tests register private ones of the admin's)
    template = next(t for t in client.listTemplates(templatefilter="featured", zoneid=catalog["zoneid"])["template"]
                    if t.get("isready", True))
    category = client.listOsTypes(id=template["ostypeid"])["ostype"][0]["oscategoryname"]
    ui = _ui(stack, browser, "user-vm")
    ui.login(name, password)

    # Add Instance: the zone (preselected when it is the only one), the template's OS category,
    # the template, a name; the network is preselected
    ui.open("action/deployVirtualMachine")
    zone = client.listZones(id=catalog["zoneid"])["zone"][0]["name"]
    with ui.step("wizard"):
        if len(client.listZones()["zone"]) > 1:  # other tests made zones: the wizard asks which
            ui.page.get_by_text(zone, exact=True).first.click()
            ui.settle()
        ui.page.get_by_text(category, exact=True).first.click()
        ui.page.get_by_text(template["displaytext"]).first.click()
        ui.page.locator("input#name, input[id$='_name']").first.fill("ui-vm")
        ui.shot("wizard")
        ui.page.get_by_role("button", name="Launch Instance").click()
    vm = eventually(lambda: client.listVirtualMachines(name="ui-vm").get("virtualmachine", [None])[0], timeout=60,
                    what="the VM the wizard launched")
    assert eventually(lambda: _state(client, vm["id"]) == "Running", timeout=90, what="the VM to be Running")
    vm = client.listVirtualMachines(id=vm["id"])["virtualmachine"][0]  # now with its NIC

    ui.open(f"vm/{vm['id']}")
    ui.check_screen("vm-running")
    assert vm["nic"][0]["ipaddress"] in ui.page.locator(".ant-layout-content").first.inner_text()

    ui.button("poweroff").click()
    ui.confirm()
    assert eventually(lambda: _state(client, vm["id"]) == "Stopped", timeout=90, what="the VM to be Stopped")
    ui.open(f"vm/{vm['id']}")
    ui.check_screen("vm-stopped")
    ui.button("caret-right").click()
    ui.confirm()
    assert eventually(lambda: _state(client, vm["id"]) == "Running", timeout=90, what="the VM to be Running again")
    ui.open(f"vm/{vm['id']}")
    ui.button("reload").click()
    ui.confirm()
    assert eventually(lambda: any(e["type"] == "VM.REBOOT" and "Successfully" in e["description"]
                                  for e in client.listEvents(type="VM.REBOOT").get("event", [])), timeout=90,
                      what="the reboot's event")
    ui.check_screen("vm-rebooted")

    # a data volume, made and attached from the Volumes screen, then its snapshot
    ui.open("volume")
    ui.page.get_by_role("button", name=re.compile("Create Volume", re.I)).first.click()
    modal = ui.page.locator(".ant-modal:visible").last
    modal.wait_for()
    modal.locator("input").first.fill("ui-data")
    offering = modal.locator(".ant-select").filter(has_text=re.compile("disk offering|Small|Medium", re.I))
    if offering.count():
        offering.first.click()
        ui.page.locator(".ant-select-dropdown:visible .ant-select-item-option").first.click()
    ui.shot("volume-create")
    modal.locator("button.ant-btn-primary").last.click()
    volume = eventually(lambda: client.listVolumes(name="ui-data").get("volume", [None])[0], timeout=60,
                        what="the volume the UI created")
    ui.open(f"volume/{volume['id']}")
    ui.check_screen("volume")
    ui.button("paper-clip").click()
    modal = ui.page.locator(".ant-modal:visible").last
    modal.wait_for()
    modal.locator(".ant-select").first.click()
    ui.page.locator(".ant-select-dropdown:visible .ant-select-item-option").filter(has_text="ui-vm").first.click()
    modal.locator("button.ant-btn-primary").last.click()
    assert eventually(lambda: client.listVolumes(id=volume["id"])["volume"][0].get("virtualmachineid") == vm["id"],
                      timeout=90, what="the volume to be attached")
    ui.open(f"volume/{volume['id']}")
    ui.check_screen("volume-attached")
    ui.button("camera").click()
    ui.confirm()
    snapshot = eventually(lambda: next((s for s in client.listSnapshots(volumeid=volume["id"]).get("snapshot", [])
                                        if s["state"] == "BackedUp"), None), timeout=90, what="the volume's snapshot")
    ui.open(f"snapshot/{snapshot['id']}")
    ui.check_screen("snapshot")

    # and the VM destroyed from its page
    ui.open(f"vm/{vm['id']}")
    ui.button("delete").click()
    ui.confirm()
    assert eventually(lambda: _state(client, vm["id"]) in (None, "Destroyed", "Expunging"), timeout=90,
                      what="the VM to be destroyed")
    ui.open("vm")
    ui.check_screen("vm-list-after")
    assert ui.errors() == [], f"answers with errors the UI did not ask for: {ui.errors()}"
