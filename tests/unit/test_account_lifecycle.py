"""Users, accounts and domains through their life: update, keys, enable/lock/disable, delete,
move; accounts locked and enabled; domains renamed (paths follow) and deleted when empty. A
locked or disabled caller's calls are refused; what is not offered is refused by name."""
import pytest

from apps.accounts.models import Account, CloudUser, Domain
from apps.accounts.services import register_keys
from tests.unit.test_api import call


def _text(body):
    return next(iter(body.values()))["errortext"]


@pytest.fixture
def bob(client, cloud, admin):
    status, body = call(client, admin.user, command="createAccount", username="bob", password="Bob-pass-1",
                        email="b@example.org", firstname="Bob", lastname="B", account="bobs")
    assert status == 200, body
    user = register_keys(CloudUser.objects.get(username="bob"))
    return user


def _result(client, caller, body):
    job = next(iter(body.values()))["jobid"]
    status, answer = call(client, caller, command="queryAsyncJobResult", jobid=job)
    return answer["queryasyncjobresultresponse"]


def test_update_user_and_its_keys(client, cloud, admin, bob):
    status, body = call(client, admin.user, command="updateUser", id=bob.uuid_str, email="new@example.org",
                        firstname="Robert", username="robert")
    user = body["updateuserresponse"]["user"]
    assert (user["email"], user["firstname"], user["username"]) == ("new@example.org", "Robert", "robert")
    bob.refresh_from_db()
    status, body = call(client, bob, command="getUserKeys", id=bob.uuid_str)
    assert body["getuserkeysresponse"]["userkeys"] == {"apikey": bob.api_key, "secretkey": bob.secret_key}
    status, body = call(client, bob, command="updateUser", id=bob.uuid_str, password="Other-pass-2")
    assert status == 431 and "Current password is required" in _text(body)
    status, body = call(client, bob, command="updateUser", id=bob.uuid_str, password="Other-pass-2",
                        currentpassword="wrong")
    assert status == 431 and "incorrect" in _text(body)
    status, body = call(client, bob, command="updateUser", id=bob.uuid_str, password="Other-pass-2",
                        currentpassword="Bob-pass-1")
    assert status == 200
    assert CloudUser.objects.get(pk=bob.pk).login.check_password("Other-pass-2")
    status, body = call(client, bob, command="updateUser", id=bob.uuid_str, timezone="UTC")
    assert status == 431 and "unsupported parameter timezone" in _text(body)


def test_a_locked_or_disabled_user_is_refused_and_enabled_again(client, cloud, admin, bob):
    assert call(client, bob, command="listZones")[0] == 200
    status, body = call(client, admin.user, command="lockUser", id=bob.uuid_str)
    assert body["lockuserresponse"]["user"]["state"] == "locked"
    assert call(client, bob, command="listZones")[0] == 401
    call(client, admin.user, command="enableUser", id=bob.uuid_str)
    assert call(client, bob, command="listZones")[0] == 200
    status, body = call(client, admin.user, command="disableUser", id=bob.uuid_str)
    assert _result(client, admin.user, body)["jobresult"]["user"]["state"] == "disabled"
    assert call(client, bob, command="listZones")[0] == 401
    assert call(client, bob, command="lockUser", id=admin.user.uuid_str)[0] == 401


def test_delete_and_move_users(client, cloud, admin, bob):
    status, body = call(client, admin.user, command="deleteUser", id=bob.uuid_str)
    assert status == 431 and "last user of its account" in _text(body)
    status, body = call(client, admin.user, command="createUser", account="bobs", username="bea", password="Bea-pass-1",
                        email="x@example.org", firstname="B", lastname="E")
    bea = body["createuserresponse"]["user"]
    assert call(client, admin.user, command="deleteUser", id=bob.uuid_str)[0] == 200
    assert call(client, bob, command="listZones")[0] == 401
    status, body = call(client, admin.user, command="listUsers", account="bobs", listall="true")
    assert [u["username"] for u in body["listusersresponse"]["user"]] == ["bea"]
    call(client, admin.user, command="createAccount", username="carl", password="Carl-pass-1", email="c@example.org",
         firstname="C", lastname="C", account="carls")
    status, body = call(client, admin.user, command="moveUser", id=bea["id"], account="carls")
    assert status == 200 and CloudUser.objects.get(username="bea").account.name == "carls"


def test_accounts_locked_and_enabled(client, cloud, admin, bob):
    domain = Account.objects.get(name="bobs").domain.uuid_str
    status, body = call(client, admin.user, command="lockAccount", account="bobs", domainid=domain)
    assert body["lockaccountresponse"]["account"]["state"] == "locked"
    assert call(client, bob, command="listZones")[0] == 401
    call(client, admin.user, command="enableAccount", account="bobs", domainid=domain)
    assert call(client, bob, command="listZones")[0] == 200
    status, body = call(client, admin.user, command="disableAccount", account="bobs", domainid=domain, lock="true")
    assert _result(client, admin.user, body)["jobresult"]["account"]["state"] == "locked"
    status, body = call(client, admin.user, command="disableAccount", account="bobs", domainid=domain, lock="false")
    assert status == 431 and "unsupported parameter lock" in _text(body)
    status, body = call(client, admin.user, command="lockAccount", account="admin", domainid=admin.account.domain.uuid_str)
    assert status == 431


def test_domains_renamed_and_deleted_when_empty(client, cloud, admin):
    status, body = call(client, admin.user, command="createDomain", name="eng")
    eng = body["createdomainresponse"]["domain"]
    call(client, admin.user, command="createDomain", name="web", parentdomainid=eng["id"])
    status, body = call(client, admin.user, command="updateDomain", id=eng["id"], name="engineering")
    assert body["updatedomainresponse"]["domain"]["path"] == "ROOT/engineering"
    assert Domain.objects.get(name="web").path == "ROOT/engineering/web"
    status, body = call(client, admin.user, command="updateDomain", id=eng["id"], networkdomain="Eng.Example")
    assert body["updatedomainresponse"]["domain"]["networkdomain"] == "eng.example"
    status, body = call(client, admin.user, command="updateDomain", id=eng["id"], networkdomain="-bad-.example")
    assert status == 431 and "networkdomain" in _text(body)
    status, body = call(client, admin.user, command="deleteDomain", id=eng["id"])
    assert status == 431 and "still has accounts or subdomains" in _text(body)
    web = Domain.objects.get(name="web").uuid_str
    status, body = call(client, admin.user, command="deleteDomain", id=web)
    assert _result(client, admin.user, body)["jobstatus"] == 1
    assert not Domain.objects.filter(name="web", removed__isnull=True).exists()  # its row stays, as CloudStack's
    status, body = call(client, admin.user, command="listDomains", listall="true")
    assert "web" not in {d["name"] for d in body["listdomainsresponse"]["domain"]}
    assert call(client, admin.user, command="createDomain", name="web", parentdomainid=eng["id"])[0] == 200  # again
    assert call(client, admin.user, command="deleteDomain", id=admin.account.domain.uuid_str)[0] == 431


def test_delete_account_through_the_api(client, cloud, admin, alice, bob, broker):
    status, body = call(client, admin.user, command="listAccounts", name="bobs", listall="true")
    bobs = body["listaccountsresponse"]["account"][0]["id"]
    assert call(client, alice.user, command="deleteAccount", id=bobs)[0] == 401  # a user deletes no account
    status, body = call(client, bob, command="deleteAccount", id=bobs)
    assert status == 401  # nor its own
    status, body = call(client, admin.user, command="deleteAccount", id=admin.account.uuid_str)
    assert status == 431 and "cannot delete itself" in _text(body)
    with broker.committing():  # the job is handed on when the call commits
        status, body = call(client, admin.user, command="deleteAccount", id=bobs)
    assert status == 200 and "jobid" in body["deleteaccountresponse"]
    broker.run()
    assert _result(client, admin.user, body)["jobstatus"] == 1
    assert call(client, bob, command="listZones")[0] == 401
    status, body = call(client, admin.user, command="listAccounts", name="bobs", listall="true")
    assert body == {"listaccountsresponse": {}}
    status, body = call(client, admin.user, command="deleteAccount", id=bobs)
    assert status == 431  # gone: its id names nothing
    status, body = call(client, admin.user, command="createAccount", username="bob", password="Bob-pass-2",
                        email="b@example.org", firstname="Bob", lastname="B", account="bobs")
    assert status == 200, body  # its names may be given again


def test_delete_domain_with_cleanup_is_a_job_and_never_the_callers_own(client, cloud, admin, broker):
    status, body = call(client, admin.user, command="createDomain", name="gone")
    gone = body["createdomainresponse"]["domain"]["id"]
    call(client, admin.user, command="createAccount", username="g1", password="G-pass-word1", email="g@x.org",
         firstname="G", lastname="G", domainid=gone)
    with broker.committing():
        status, body = call(client, admin.user, command="deleteDomain", id=gone, cleanup="true")
    assert status == 200, body
    broker.run()
    assert _result(client, admin.user, body)["jobstatus"] == 1
    assert not Domain.objects.filter(uuid=gone, removed__isnull=True).exists()
    assert not Account.objects.filter(name="g1").exclude(state="removed").exists()
    status, body = call(client, admin.user, command="deleteDomain", id=admin.account.domain.uuid_str, cleanup="true")
    assert status == 431 and "ROOT domain cannot be deleted" in _text(body)
