"""Accounts, users, keys and session login through /client/api."""
import json

import pytest

from apps.accounts.models import AccountType
from apps.accounts.selectors import Caller
from apps.accounts.services import create_account, create_domain, ensure_user
from tests.unit.test_api import URL, call


@pytest.fixture
def admin_with_password(db):
    return Caller(ensure_user("admin", "admin", AccountType.ROOT_ADMIN, password="password"))


def test_create_account_then_its_user_gets_keys_and_calls(client, cloud, admin):
    status, body = call(client, admin.user, command="createAccount", username="bob", password="pw-bob",
                        accounttype=0, firstname="Bob", lastname="B", email="bob@example.org")
    assert status == 200
    account = body["createaccountresponse"]["account"]
    assert (account["name"], account["accounttype"], account["user"][0]["username"]) == ("bob", 0, "bob")
    assert "secretkey" not in account["user"][0]
    status, body = call(client, admin.user, command="registerUserKeys", id=account["user"][0]["id"])
    keys = body["registeruserkeysresponse"]["userkeys"]

    from apps.accounts.models import CloudUser

    bob = CloudUser.objects.get(username="bob")
    assert (bob.api_key, bob.secret_key) == (keys["apikey"], keys["secretkey"])
    status, body = call(client, bob, command="listAccounts", listall="true")
    assert [a["name"] for a in body["listaccountsresponse"]["account"]] == ["bob"]
    status, _ = call(client, bob, command="createAccount", username="eve", password="x")
    assert status == 401  # a user may not create accounts


def test_duplicate_account_is_431(client, cloud, admin):
    call(client, admin.user, command="createAccount", username="dup", password="x")
    status, body = call(client, admin.user, command="createAccount", username="dup", password="x")
    assert status == 431 and "already exists" in body["createaccountresponse"]["errortext"]


def test_domain_admin_sees_its_subtree_only(client, cloud, admin):
    sales = create_domain("sales")
    create_domain("emea", sales)
    other = create_domain("other")
    boss_account = create_account(sales, "boss", AccountType.DOMAIN_ADMIN, "boss", "pw")
    create_account(other, "stranger", AccountType.USER, "stranger", "pw")
    boss = ensure_user("boss", "boss")
    status, body = call(client, boss, command="listDomains")
    assert sorted(d["path"] for d in body["listdomainsresponse"]["domain"]) == ["ROOT/sales", "ROOT/sales/emea"]
    status, body = call(client, boss, command="listAccounts")
    assert [a["name"] for a in body["listaccountsresponse"]["account"]] == ["boss"]
    status, body = call(client, boss, command="createAccount", username="rep", password="pw", domainid=other.uuid)
    assert status == 431 and "entity does not exist" in body["createaccountresponse"]["errortext"]
    status, body = call(client, boss, command="createAccount", username="rep", password="pw")
    assert status == 200 and body["createaccountresponse"]["account"]["domain"] == "sales"
    assert boss_account.domain == sales


def login(client, username="admin", password="password", domain="/"):
    return client.post(URL, {"command": "login", "username": username, "password": password, "domain": domain, "response": "json"})


def test_login_then_calls_with_sessionkey(client, cloud, admin_with_password):
    response = login(client)
    assert response.status_code == 200
    reply = json.loads(response.content)["loginresponse"]
    assert reply["username"] == "admin" and reply["type"] == "1"
    assert response.cookies["JSESSIONID"]["path"] == "/client"
    ok = client.get(URL, {"command": "listZones", "response": "json", "sessionkey": reply["sessionkey"]})
    assert ok.status_code == 200 and json.loads(ok.content)["listzonesresponse"]["count"] == 1
    forged = client.get(URL, {"command": "listZones", "response": "json", "sessionkey": "forged"})
    assert forged.status_code == 401
    out = client.get(URL, {"command": "logout", "response": "json", "sessionkey": reply["sessionkey"]})
    assert json.loads(out.content) == {"logoutresponse": {"description": "success"}}
    client.cookies["JSESSIONID"] = response.cookies["JSESSIONID"].value
    after = client.get(URL, {"command": "listZones", "response": "json", "sessionkey": reply["sessionkey"]})
    assert after.status_code == 401


@pytest.mark.parametrize("username,password,domain", [("admin", "wrong", "/"), ("nobody", "password", "/"), ("admin", "password", "/sales")])
def test_bad_login_is_531_as_in_cloudstack(client, cloud, admin_with_password, username, password, domain):
    """CloudStack's login authenticator answers a failed login with ACCOUNT_ERROR (531)."""
    response = login(client, username, password, domain)
    assert response.status_code == 531
    body = json.loads(response.content)["loginresponse"]
    assert body["errorcode"] == 531 and body["errortext"] == f"Failed to authenticate user {username}; please provide valid credentials"


def test_no_credentials_at_all_is_401(client, cloud):
    assert client.get(URL, {"command": "listZones", "response": "json"}).status_code == 401
