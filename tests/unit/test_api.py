"""/client/api through Django's test client, requests signed by the `cs` client's own code."""
import json
import time
import uuid

import pytest
from cs.client import CloudStack

from apps.jobs.models import AsyncJob

URL = "/client/api"


def signed(user, **params):
    params = {"response": "json", "apiKey": user.api_key, **{k: str(v) for k, v in params.items()}}
    CloudStack(endpoint="http://testserver" + URL, key=user.api_key, secret=user.secret_key)._sign(params)
    return params


def call(client, user, method="get", **params):
    response = getattr(client, method)(URL, signed(user, **params))
    assert response["Content-Type"] == "application/json; charset=UTF-8"
    return response.status_code, json.loads(response.content)


def test_list_zones(client, cloud, admin):
    status, body = call(client, admin.user, command="listZones")
    assert status == 200
    (zone,) = body["listzonesresponse"]["zone"]
    assert zone["name"] == "Unit-Zone" and body["listzonesresponse"]["count"] == 1


def test_post_form_is_the_same_as_get(client, cloud, admin):
    status, body = call(client, admin.user, method="post", command="listServiceOfferings")
    assert status == 200 and body["listserviceofferingsresponse"]["serviceoffering"][0]["memory"] == 512


def test_bad_signature_is_401_in_cloudstacks_shape(client, cloud, admin):
    params = signed(admin.user, command="listZones")
    params["signature"] = "AAAA" + params["signature"][4:]
    response = client.get(URL, params)
    assert response.status_code == 401
    assert json.loads(response.content) == {
        "listzonesresponse": {"uuidList": [], "errorcode": 401, "errortext": "unable to verify user credentials and/or request signature"}
    }


def test_unknown_api_key_is_401(client, cloud, admin):
    params = signed(admin.user, command="listZones")
    params["apiKey"] = "nobody"
    assert client.get(URL, params).status_code == 401


def test_expired_v3_request_is_401(client, cloud, admin):
    past = time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(time.time() - 60))
    status, body = call(client, admin.user, command="listZones", signatureVersion="3", expires=past)
    assert status == 401


def test_valid_v3_request_passes(client, cloud, admin):
    future = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 300))
    status, _ = call(client, admin.user, command="listZones", signatureVersion="3", expires=future)
    assert status == 200


def test_unknown_command_is_432(client, cloud, admin):
    status, body = call(client, admin.user, command="fooBar")
    assert status == 432 and body["errorresponse"]["errorcode"] == 432


def test_missing_parameter_is_431_with_cloudstacks_text(client, cloud, admin):
    status, body = call(client, admin.user, command="deployVirtualMachine", templateid=uuid.uuid4(), serviceofferingid=uuid.uuid4())
    assert status == 431
    assert body["deployvirtualmachineresponse"]["errortext"] == (
        "Unable to execute API command deployvirtualmachine due to missing parameter zoneid"
    )


def test_unknown_id_is_431_entity_does_not_exist(client, cloud, admin):
    status, body = call(client, admin.user, command="startVirtualMachine", id=uuid.uuid4())
    assert status == 431
    assert "entity does not exist" in body["startvirtualmachineresponse"]["errortext"]


def test_malformed_uuid_is_431(client, cloud, admin):
    status, _ = call(client, admin.user, command="startVirtualMachine", id="not-a-uuid")
    assert status == 431


def test_control_characters_are_refused(client, cloud, admin):
    status, _ = call(client, admin.user, command="listZones", name="a\tb")
    assert status == 431


def test_empty_list_is_empty_object(client, cloud, admin):
    status, body = call(client, admin.user, command="listVirtualMachines")
    assert (status, body) == (200, {"listvirtualmachinesresponse": {}})


def test_pagesize_without_page_is_431(client, cloud, admin):
    status, _ = call(client, admin.user, command="listZones", pagesize=5)
    assert status == 431


def test_parameter_names_are_case_insensitive(client, cloud, admin):
    status, body = call(client, admin.user, command="listTemplates", templateFilter="executable")
    assert status == 200 and body["listtemplatesresponse"]["count"] == 1


def test_deploy_answers_at_once_with_id_and_job(client, cloud, admin):
    status, body = call(
        client, admin.user, command="deployVirtualMachine", zoneid=cloud["zone"].uuid,
        serviceofferingid=cloud["offering"].uuid, templateid=cloud["template"].uuid, name="web-1",
    )
    assert status == 200
    reply = body["deployvirtualmachineresponse"]
    job = AsyncJob.objects.get(uuid=reply["jobid"])
    assert str(job.instance_uuid) == reply["id"] and job.status == 0
    status, body = call(client, admin.user, command="queryAsyncJobResult", jobid=reply["jobid"])
    result = body["queryasyncjobresultresponse"]
    assert (result["jobstatus"], result["jobresultcode"], result["jobinstanceid"]) == (0, 0, reply["id"])
    assert "jobresult" not in result
    status, body = call(client, admin.user, command="listVirtualMachines")
    assert body["listvirtualmachinesresponse"]["virtualmachine"][0]["state"] == "Starting"


def test_bad_vm_name_is_431(client, cloud, admin):
    status, body = call(
        client, admin.user, command="deployVirtualMachine", zoneid=cloud["zone"].uuid,
        serviceofferingid=cloud["offering"].uuid, templateid=cloud["template"].uuid, name="9 bad name",
    )
    assert status == 431 and "Invalid name" in body["deployvirtualmachineresponse"]["errortext"]


def test_user_cannot_see_or_touch_anothers_vm(client, cloud, admin, alice):
    _, body = call(
        client, admin.user, command="deployVirtualMachine", zoneid=cloud["zone"].uuid,
        serviceofferingid=cloud["offering"].uuid, templateid=cloud["template"].uuid, name="secret",
    )
    vm_id = body["deployvirtualmachineresponse"]["id"]
    status, body = call(client, alice.user, command="listVirtualMachines", listall="true")
    assert body == {"listvirtualmachinesresponse": {}}
    status, body = call(client, alice.user, command="stopVirtualMachine", id=vm_id)
    assert status == 431 and "entity does not exist" in body["stopvirtualmachineresponse"]["errortext"]


def test_admin_only_command_is_refused_to_users(client, cloud, alice):
    status, _ = call(client, alice.user, command="listHosts")
    assert status == 401


@pytest.mark.parametrize("command", ["listApis", "listCapabilities", "listAsyncJobs", "listVolumes", "listDiskOfferings"])
def test_other_commands_answer(client, cloud, admin, command):
    status, body = call(client, admin.user, command=command)
    assert status == 200 and list(body) == [f"{command.lower()}response"]


def test_list_apis_comes_from_the_registry(client, cloud, admin):
    from apps.core.registry import REGISTRY

    _, body = call(client, admin.user, command="listApis")
    apis = {a["name"]: a for a in body["listapisresponse"]["api"]}
    assert set(apis) == set(REGISTRY)
    deploy = apis["deployVirtualMachine"]
    assert deploy["isasync"] is True
    assert {p["name"] for p in deploy["params"] if p["required"]} == {"zoneid", "templateid", "serviceofferingid"}


def test_list_apis_has_what_cloudmonkey_reads(client, cloud, admin):
    # cmk's `sync` hard-casts these keys of every api and every param: a missing one crashes it.
    _, body = call(client, admin.user, command="listApis", listall="true")
    for api in body["listapisresponse"]["api"]:
        assert isinstance(api["name"], str) and isinstance(api["description"], str) and api["description"]
        assert isinstance(api["isasync"], bool) and isinstance(api["params"], list) and isinstance(api["response"], list)
        for param in api["params"]:
            assert {"name", "type", "required", "description"} <= set(param)
            assert isinstance(param["required"], bool)


def test_cloudstack_go_style_request_verifies(client, cloud, admin):
    """cloudstack-go sends lower-case signatureversion, expires in RFC 3339 with Z, and encodes
    with url.QueryEscape (+ as %20, * kept)."""
    import base64
    import hashlib
    import hmac
    from urllib.parse import quote_plus

    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 900))
    params = {"command": "listZones", "response": "json", "apikey": admin.user.api_key, "signatureversion": "3",
              "expires": expires, "name": "Unit Zone*"}
    encoded = "&".join(f"{k}={quote_plus(v).replace('+', '%20').replace('%2A', '*')}" for k, v in sorted(params.items()))
    digest = hmac.new(admin.user.secret_key.encode(), encoded.lower().encode(), hashlib.sha1).digest()
    response = client.post(URL, {**params, "signature": base64.b64encode(digest).decode()})
    assert response.status_code == 200


def test_docs_list_every_command_with_its_parameters(db):
    from apps.api.docs import markdown
    from apps.core.registry import REGISTRY

    text = markdown()
    for name, cmd in REGISTRY.items():
        assert f"## {name}\n" in text
        for param in cmd.params:
            assert f"| {param.name} | {param.type} |" in text
