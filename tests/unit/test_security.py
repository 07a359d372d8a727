"""Safe defaults and abuse limits: generated secrets, login lockout (query API, Django admin,
browsable API), per-account API throttling, and bad input that never reaches a 530."""
import json
import stat
import time

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from apps.accounts.models import AccountType
from apps.accounts.services import ensure_user
from cloudstack import secrets
from tests.unit.test_api import URL, call, signed


@pytest.fixture
def bob(db):
    user = ensure_user("bob", "bob", AccountType.USER, password="right-password")
    return user


def login(client, username="bob", password="right-password", address="10.1.1.1", domain="/"):
    response = client.post(URL, {"command": "login", "username": username, "password": password, "domain": domain,
                                 "response": "json"}, REMOTE_ADDR=address)
    return response.status_code, json.loads(response.content)["loginresponse"]


# --- secrets --------------------------------------------------------------------------------
def test_secrets_are_generated_once_private_and_shared(tmp_path, monkeypatch):
    for name in ("SECRET_KEY", "JAVELIN_ADMIN_PASSWORD", "JAVELIN_FLOWER_AUTH", "JAVELIN_METRICS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    first = secrets.load(tmp_path)
    assert stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode) == 0o600
    assert secrets.load(tmp_path) == first  # every process of the platform reads the same ones
    assert first["admin_password"] != "password" and len(first["metrics_token"]) >= 32
    (tmp_path / "another-cloud").mkdir()
    assert secrets.load(tmp_path / "another-cloud")["admin_password"] != first["admin_password"]  # per cloud, not shipped
    monkeypatch.setenv("JAVELIN_ADMIN_PASSWORD", "chosen")
    monkeypatch.setenv("JAVELIN_FLOWER_AUTH", "ops:pw")
    assert secrets.value(tmp_path, "admin_password", "JAVELIN_ADMIN_PASSWORD") == "chosen"
    assert secrets.flower_auth(tmp_path) == "ops:pw"


def test_bootstrap_prints_the_generated_credentials_once(db, settings, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("JAVELIN_ADMIN_PASSWORD", raising=False)
    settings.STATE_DIR = tmp_path
    call_command("bootstrap", "--no-datacenter")
    first = capsys.readouterr().out
    password = secrets.load(tmp_path)["admin_password"]
    assert password in first and str(tmp_path / "secrets.json") in first
    assert json.loads(first.strip().splitlines()[-1])["apikey"]
    call_command("bootstrap", "--no-datacenter")
    again = capsys.readouterr().out
    assert password not in again and "secrets.json" in again
    assert authenticate(username="admin", password="password") is None
    assert authenticate(username="admin", password=password) is not None


# --- login lockout --------------------------------------------------------------------------
def test_repeated_failures_lock_the_user_out_even_with_the_right_password(client, bob, settings):
    settings.LOGIN_MAX_FAILURES = 5
    for _ in range(5):
        status, body = login(client, password="wrong")
        assert status == 531 and "please provide valid credentials" in body["errortext"]
    status, body = login(client)  # the right password, now
    assert status == 531 and "too many failed login attempts" in body["errortext"]
    status, _ = login(client, address="10.9.9.9")  # from elsewhere too: it is the user who is locked
    assert status == 531


def test_a_success_resets_the_count(client, bob, settings):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(2):
        assert login(client, password="wrong")[0] == 531
    assert login(client)[0] == 200
    for _ in range(2):
        assert login(client, password="wrong")[0] == 531
    assert login(client)[0] == 200


def test_the_cool_off_ends(client, bob, settings):
    settings.LOGIN_MAX_FAILURES = 2
    settings.LOGIN_LOCKOUT_S = 1
    for _ in range(2):
        login(client, password="wrong")
    assert login(client)[0] == 531
    time.sleep(1.2)
    assert login(client)[0] == 200


def test_one_address_guessing_many_users_is_locked_out(client, db, settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 6
    for i in range(4):
        ensure_user(f"victim{i}", f"victim{i}", AccountType.USER, password="pw")
    for i in range(6):
        login(client, username=f"victim{i % 4}", password="guess", address="10.6.6.6")
    assert login(client, username="victim0", password="pw", address="10.6.6.6")[0] == 531
    assert login(client, username="victim0", password="pw", address="10.7.7.7")[0] == 200


def test_the_django_admin_and_browsable_api_logins_share_the_lockout(client, db, settings):
    settings.LOGIN_MAX_FAILURES = 3
    ensure_user("root2", "admin", AccountType.ROOT_ADMIN, password="root-pw")
    for _ in range(3):
        client.post("/admin/login/", {"username": "root2", "password": "nope"}, REMOTE_ADDR="10.2.2.2")
    response = client.post("/admin/login/?next=/admin/", {"username": "root2", "password": "root-pw"}, REMOTE_ADDR="10.2.2.2")
    assert response.status_code == 200 and "_auth_user_id" not in client.session  # the form again, not logged in
    response = client.post("/api-auth/login/", {"username": "root2", "password": "root-pw"}, REMOTE_ADDR="10.3.3.3")
    assert "_auth_user_id" not in client.session
    assert login(client, username="root2", password="root-pw")[0] == 531


def test_login_only_by_post(client, bob):
    response = client.get(URL, {"command": "login", "username": "bob", "password": "right-password", "response": "json"})
    assert response.status_code == 405 and json.loads(response.content)["loginresponse"]["errorcode"] == 405


# --- API throttling -------------------------------------------------------------------------
def test_api_throttling_is_off_by_default_and_counts_per_account_when_on(client, cloud, settings, admin, alice):
    for _ in range(30):
        assert call(client, alice.user, command="listZones")[0] == 200
    settings.API_THROTTLING_ENABLED = True
    settings.API_THROTTLING_MAX = 5
    settings.API_THROTTLING_INTERVAL_S = 60
    statuses = [call(client, alice.user, command="listZones")[0] for _ in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
    status, body = call(client, alice.user, command="listZones")
    error = body["listzonesresponse"]
    assert (error["errorcode"], error["cserrorcode"]) == (429, 4545) and "api limit" in error["errortext"]
    status, body = call(client, alice.user, command="getApiLimit")
    assert status == 429  # getApiLimit counts too, as in CloudStack
    assert call(client, admin.user, command="listZones")[0] == 200  # root admins are not throttled
    status, body = call(client, admin.user, command="resetApiLimit", account=alice.account.uuid_str)
    assert status == 200 and body["resetapilimitresponse"]["success"] is True
    status, body = call(client, alice.user, command="getApiLimit")
    limit = body["getapilimitresponse"]["apilimit"]
    assert (limit["account"], limit["apiIssued"], limit["apiAllowed"]) == ("alice", 1, 4)


# --- bad input ------------------------------------------------------------------------------
def test_a_string_longer_than_its_parameter_allows_is_431_naming_it(client, cloud, alice):
    status, body = call(client, alice.user, method="post", command="createSSHKeyPair", name="k" * 200_000)
    assert status == 431
    assert body["createsshkeypairresponse"]["errortext"] == "Value greater than max allowed length 255 for param: name"


@pytest.mark.parametrize("params,name", [
    ({"command": "listPublicIpAddresses", "ipaddress": "fuzz"}, "ipaddress"),
    ({"command": "listPublicIpAddresses", "ipaddress": "1.2.3.4/24"}, "ipaddress"),
    ({"command": "registerSSHKeyPair", "name": "k", "publickey": "ssh-rsa AAAA"}, "publickey"),
    ({"command": "registerSSHKeyPair", "name": "k", "publickey": "ssh-dss AAAAB3NzaC1kc3MAAACBAP"}, "publickey"),
    ({"command": "listVirtualMachines", "page": "1", "pagesize": "99999999999999999999"}, "pagesize"),
    ({"command": "listVirtualMachines", "page": "9" * 5000, "pagesize": "1"}, "page"),
    ({"command": "createFirewallRule", "ipaddressid": "00000000-0000-0000-0000-000000000000", "protocol": "tcp",
      "cidrlist": "10.0.0.0/8,not-a-cidr"}, "cidrlist"),
])
def test_malformed_values_are_431_before_any_query(client, cloud, alice, params, name):
    status, body = call(client, alice.user, **params)
    (error,) = body.values()
    assert status == 431 and name in error["errortext"], error


def test_a_non_ascii_or_malformed_session_key_is_401(client, cloud, bob):
    assert login(client)[0] == 200
    for key in ("clé-de-session", "x" * 5000, "a b", "ab;cd=ef"):
        response = client.get(URL, {"command": "listZones", "response": "json", "sessionkey": key})
        assert response.status_code == 401, key
    client.cookies["JSESSIONID"] = "é" * 20
    assert client.get(URL, {"command": "listZones", "response": "json", "sessionkey": "abcdefgh"}).status_code == 401


def test_an_oversize_body_gets_cloudstacks_envelope(client, cloud, alice, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    params = signed(alice.user, command="createSSHKeyPair", name="n")
    params["padding"] = "p" * 20_000
    response = client.post(URL, params)
    assert response.status_code == 431 and response["Content-Type"] == "application/json; charset=UTF-8"
    assert "larger than the limit" in json.loads(response.content)["errorresponse"]["errortext"]


def test_an_error_text_with_a_newline_is_still_a_clean_answer(client, cloud, alice):
    status, body = call(client, alice.user, command="deleteSSHKeyPair", name="line one\nline two")
    assert status == 431 and "line one\nline two" in body["deletesshkeypairresponse"]["errortext"]


def test_django_level_errors_are_json_under_the_apis(client, db):
    response = client.get(URL, {"command": "listZones"}, HTTP_HOST="evil.example")  # not an allowed host
    assert response.status_code == 431 and "errorresponse" in json.loads(response.content)
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and json.loads(response.content) == {"detail": "No such endpoint"}
