"""The attacks of the security review, through the running platform: no caller reaches the
server's files or its internal network, nothing answers with a default secret, and a login
guesser is locked out."""
import hashlib
import os
import socket
import uuid
from http.server import BaseHTTPRequestHandler

import pytest
import requests
from cs import CloudStackApiException

from .stack import wait_for_template

pytestmark = pytest.mark.integration


def register(cs, url, **extra):
    return cs.registerTemplate(name=f"t-{uuid.uuid4().hex[:6]}", format="RAW", hypervisor="Simulator", url=url,
                               zoneid="-1", ostypeid=cs.listOsTypes()["ostype"][0]["id"], **extra)["template"][0]


def refusal(cs, url):
    with pytest.raises(CloudStackApiException) as refused:
        register(cs, url)
    error = refused.value.error
    assert error["errorcode"] == 431, error
    return error["errortext"]


@pytest.fixture
def user_cs(stack):
    return stack.client(keys=stack.user_keys(f"sec-{uuid.uuid4().hex[:6]}"), fetch_result=True)


@pytest.mark.smoke
def test_no_caller_reads_the_servers_files(stack, cs, user_cs):
    for url in ("file:///etc/shadow", "file:///proc/self/environ", f"file://{stack.state_dir}/secrets.json"):
        assert "not allowed" in refusal(user_cs, url)  # a plain user: never file://
        assert "not allowed" in refusal(cs, url)  # a root admin: only below an import directory
    escape = f"file://{stack.import_dir}/../secrets.json"
    assert "not allowed" in refusal(cs, escape)
    link = stack.import_dir / f"shadow-{uuid.uuid4().hex[:6]}"
    link.symlink_to("/etc/shadow")
    assert "not allowed" in refusal(cs, f"file://{link}")
    # the text does not tell a file that exists from one that does not
    assert refusal(cs, "file:///etc/shadow").replace("/etc/shadow", "P") == \
        refusal(cs, "file:///etc/no-such-file").replace("/etc/no-such-file", "P")
    image = stack.import_dir / f"ok-{uuid.uuid4().hex[:6]}.img"
    image.write_bytes(b"\0" * 4096)
    assert "not allowed" in refusal(user_cs, f"file://{image}")  # even an importable file, for a user
    assert wait_for_template(cs, register(cs, f"file://{image}")["id"])["isready"]  # the operator's own import works


def test_no_caller_reaches_the_internal_network(stack, cs, user_cs):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    answers = set()
    for port in (5432, 6379, 5672, closed_port, stack.port, stack.flower_port):
        text = refusal(user_cs, f"http://127.0.0.1:{port}/")
        answers.add(text.replace(str(port), "P"))
    assert len(answers) == 1  # an open port and a closed one get the same answer: no port scanner
    for url in (f"http://localhost:{stack.port}/metrics", "http://169.254.169.254/latest/meta-data/",
                f"http://[::1]:{stack.port}/", "http://10.0.0.1/", f"http://0x7f000001:{stack.port}/metrics"):
        assert "not allowed" in refusal(user_cs, url)
    # the operator's mirror (JAVELIN_FETCH_ALLOW names 127.0.0.1:<image port> for these tests) does not open the
    # rest of the machine: the API on the same address is still refused
    assert "not allowed" in refusal(cs, f"http://127.0.0.1:{stack.port}/metrics")


def test_a_redirect_into_the_internal_network_fails_the_download(stack, user_cs):
    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{stack.port}/metrics")
            self.end_headers()

        def log_message(self, *args):
            pass

    with stack.serve(Redirect):
        template = register(user_cs, f"http://127.0.0.1:{stack.image_port}/image.img")
        template = wait_for_template(user_cs, template["id"])
    assert not template["isready"] and "not allowed" in template["status"], template["status"]
    assert "javelin_api_requests" not in template["status"]


def test_a_wrong_checksum_does_not_tell_the_images_digest(stack, user_cs):
    data = os.urandom(64 * 1024)

    class Image(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    with stack.serve(Image):
        template = register(user_cs, f"http://127.0.0.1:{stack.image_port}/i.img", checksum="{SHA-256}" + "0" * 64)
        template = wait_for_template(user_cs, template["id"])
    assert "Checksum mismatch" in template["status"] and hashlib.sha256(data).hexdigest() not in template["status"]


def login(stack, username, password, domain="/"):
    response = requests.post(stack.endpoint, data={"command": "login", "username": username, "password": password,
                                                   "domain": domain, "response": "json"}, timeout=30)
    return response.status_code, response.json()["loginresponse"]


def test_no_default_password_and_the_generated_one_works(stack):
    assert login(stack, "admin", "password")[0] == 531
    assert stack.admin_password != "password" and len(stack.admin_password) >= 16
    status, reply = login(stack, "admin", stack.admin_password)
    assert status == 200 and reply["sessionkey"]
    assert oct((stack.state_dir / "secrets.json").stat().st_mode & 0o777) == "0o600"
    base = stack.endpoint.removesuffix("/client/api")
    session = requests.Session()
    page = session.get(f"{base}/admin/login/", timeout=30)
    token = session.cookies["csrftoken"]
    session.post(f"{base}/admin/login/", data={"username": "admin", "password": "password", "csrfmiddlewaretoken": token},
                 headers={"Referer": page.url}, timeout=30)
    assert "sessionid" not in session.cookies  # the Django admin does not take it either
    assert requests.get(f"{base}/metrics", timeout=30).status_code == 401


def test_a_login_guesser_is_locked_out_even_with_the_right_password(stack, cs):
    name = f"guessed-{uuid.uuid4().hex[:6]}"
    cs.createAccount(username=name, password="the-right-one", email=f"{name}@example.com", firstname="G", lastname="U",
                     accounttype=0)
    assert login(stack, name, "the-right-one")[0] == 200
    for attempt in range(30):
        status, reply = login(stack, name, f"guess-{attempt}")
        assert status == 531
    status, reply = login(stack, name, "the-right-one")
    assert status == 531 and "too many failed login attempts" in reply["errortext"]


def test_malformed_session_keys_and_long_request_lines(stack):
    cookie = {"JSESSIONID": "x" * 20}
    for key in ("clé", "k" * 3000, "' OR 1=1 --"):
        response = requests.get(stack.endpoint, params={"command": "listZones", "response": "json", "sessionkey": key},
                                cookies=cookie, timeout=30)
        assert response.status_code == 401 and response.headers["Content-Type"].startswith("application/json")
    response = requests.get(stack.endpoint + "?command=listZones&" + "a=b&" * 3000, timeout=30)
    assert response.status_code == 431 and response.json()["errorresponse"]["errorcode"] == 431
