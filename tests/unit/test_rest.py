"""The REST API: same visibility and the same commands as the query API."""
import pytest
import yaml
from django.urls import reverse

from apps.api.rest.urls import router
from apps.jobs.models import AsyncJob
from tests.conftest import deploy_vm


def auth(caller):
    return {"HTTP_AUTHORIZATION": f"ApiKey {caller.user.api_key}:{caller.user.secret_key}"}


def test_anonymous_is_refused(client, cloud):
    assert client.get("/api/v1/vms/").status_code in (401, 403)


def test_wrong_secret_is_401(client, cloud, admin):
    assert client.get("/api/v1/vms/", HTTP_AUTHORIZATION=f"ApiKey {admin.user.api_key}:nope").status_code == 401


def test_lists_only_what_the_caller_sees(client, cloud, admin, alice):
    deploy_vm(admin, cloud, "admins-vm")
    deploy_vm(alice, cloud, "alices-vm")
    mine = client.get("/api/v1/vms/", **auth(alice)).json()
    assert [vm["name"] for vm in mine["results"]] == ["alices-vm"]
    everything = client.get("/api/v1/vms/", **auth(admin)).json()
    assert sorted(vm["name"] for vm in everything["results"]) == ["admins-vm", "alices-vm"]


def test_other_accounts_vm_is_404_for_reads_and_actions(client, cloud, admin, alice):
    vm, _ = deploy_vm(admin, cloud, "hidden")
    assert client.get(f"/api/v1/vms/{vm.uuid}/", **auth(alice)).status_code == 404
    assert client.post(f"/api/v1/vms/{vm.uuid}/stop/", **auth(alice)).status_code == 404


def test_deploy_answers_with_the_job(client, cloud, alice):
    body = {"zone": str(cloud["zone"].uuid), "service_offering": str(cloud["offering"].uuid),
            "template": str(cloud["template"].uuid), "name": "rest-1"}
    response = client.post("/api/v1/vms/", body, content_type="application/json", **auth(alice))
    assert response.status_code == 202
    job = response.json()
    assert job["command"] == "deployVirtualMachine" and job["status"] == "In progress"
    assert AsyncJob.objects.get(uuid=job["id"]).instance_type == "VirtualMachine"
    vm = client.get(f"/api/v1/vms/{job['instance_uuid']}/", **auth(alice)).json()
    assert vm["name"] == "rest-1" and vm["state"] == "Starting"


def test_bad_deploy_input_is_400_with_cloudstack_text(client, cloud, alice):
    body = {"zone": "9b1f5c3e-0000-4000-8000-000000000000", "service_offering": str(cloud["offering"].uuid),
            "template": str(cloud["template"].uuid)}
    response = client.post("/api/v1/vms/", body, content_type="application/json", **auth(alice))
    assert response.status_code == 400
    assert "entity does not exist" in response.json()["detail"]
    assert client.post("/api/v1/vms/", {"zone": "x"}, content_type="application/json", **auth(alice)).status_code == 400


def test_actions_make_jobs(client, cloud, alice):
    vm, _ = deploy_vm(alice, cloud, "act")
    for action, command in [("start", "startVirtualMachine"), ("stop", "stopVirtualMachine"),
                            ("reboot", "rebootVirtualMachine"), ("destroy", "destroyVirtualMachine")]:
        response = client.post(f"/api/v1/vms/{vm.uuid}/{action}/", **auth(alice))
        assert response.status_code == 202 and response.json()["command"] == command


def test_fabric_is_admin_only(client, cloud, admin, alice):
    assert client.get("/api/v1/hosts/", **auth(alice)).status_code == 403
    hosts = client.get("/api/v1/hosts/", **auth(admin)).json()
    assert hosts["count"] == 2 and {h["name"] for h in hosts["results"]} == {"h1", "h2"}


def test_filtering(client, cloud, admin):
    deploy_vm(admin, cloud, "f-one")
    deploy_vm(admin, cloud, "f-two", start=False)
    stopped = client.get("/api/v1/vms/?state=stopped", **auth(admin)).json()
    assert [vm["name"] for vm in stopped["results"]] == ["f-two"]


def test_every_endpoint_is_in_a_valid_schema(client, cloud, admin):
    response = client.get(reverse("schema"), **auth(admin))
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = set(schema["paths"])
    for prefix, _viewset, _basename in router.registry:
        assert f"/api/v1/{prefix}/" in paths and f"/api/v1/{prefix}/{{id}}/" in paths
    assert "/api/v1/vms/{id}/destroy/" in paths


def test_schema_validates():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


@pytest.mark.parametrize("page", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_docs_pages_render(client, cloud, admin, page):
    response = client.get(page, **auth(admin))
    assert response.status_code == 200 and b"<html" in response.content.lower()
