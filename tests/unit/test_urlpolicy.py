"""The one URL policy: what a caller may make the platform fetch or open. Real files, real
local HTTP servers; only DNS is stood in for, where a test needs a name to answer two ways."""
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.core import urlpolicy
from apps.core.urlpolicy import FetchFailed, Refused


@pytest.fixture
def imports(settings, tmp_path):
    root = tmp_path / "import"
    root.mkdir()
    settings.IMPORT_DIRS = [str(root)]
    return root


def serve(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Image(BaseHTTPRequestHandler):
    body = b"image bytes" * 100

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def image_server(settings):
    server = serve(Image)
    settings.FETCH_ALLOW = f"127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()


def read_all(download):
    with download:
        chunks = []
        while block := download.read(4096):
            chunks.append(block)
    return b"".join(chunks)


# --- file:// --------------------------------------------------------------------------------
def test_file_urls_are_for_root_admins_below_an_import_directory(imports, tmp_path):
    image = imports / "disk.img"
    image.write_bytes(b"disk")
    assert read_all(urlpolicy.open_download(f"file://{image}", root_admin=True)) == b"disk"
    with pytest.raises(Refused) as user:
        urlpolicy.check_download(f"file://{image}", root_admin=False)
    with pytest.raises(Refused) as shadow:
        urlpolicy.check_download("file:///etc/shadow", root_admin=True)
    with pytest.raises(Refused) as missing:
        urlpolicy.check_download("file:///etc/no-such-file", root_admin=True)
    assert user.value.errorcode == 431
    # one text whatever the path: it does not tell whether a file exists
    assert shadow.value.errortext.replace("/etc/shadow", "X") == missing.value.errortext.replace("/etc/no-such-file", "X")


@pytest.mark.parametrize("escape", ["{root}/../../etc/passwd", "{root}/%2e%2e/%2e%2e/etc/passwd", "{root}/sub/../../x"])
def test_dot_dot_cannot_leave_the_import_directory(imports, escape):
    with pytest.raises(Refused):
        urlpolicy.check_download("file://" + escape.format(root=imports), root_admin=True)


def test_a_symlink_out_of_the_import_directory_is_refused(imports):
    (imports / "passwd").symlink_to("/etc/passwd")
    (imports / "etc").symlink_to("/etc")
    for name in ("passwd", "etc/passwd"):
        with pytest.raises(Refused):
            urlpolicy.check_download(f"file://{imports}/{name}", root_admin=True)


def test_a_symlink_swapped_in_after_the_check_is_caught_when_opened(imports, tmp_path):
    """The open is judged by what was opened, not by the name checked a moment before."""
    image = imports / "disk.img"
    image.write_bytes(b"disk")
    target = urlpolicy.check_download(f"file://{image}", root_admin=True)
    image.unlink()
    outside = tmp_path / "secret"
    outside.write_bytes(b"secret")
    os.symlink(outside, image)
    with pytest.raises(FetchFailed):
        urlpolicy._open_file(target, 1 << 20, time.monotonic() + 10)


def test_only_regular_files_are_read(imports):
    os.mkfifo(imports / "fifo")  # would block a reader forever
    with pytest.raises(FetchFailed):
        urlpolicy.open_download(f"file://{imports}/fifo", root_admin=True)
    with pytest.raises(FetchFailed):
        urlpolicy.open_download(f"file://{imports}", root_admin=True)


def test_a_file_over_the_size_limit_is_refused(imports, settings):
    (imports / "big.img").write_bytes(b"x" * 2048)
    with pytest.raises(FetchFailed, match="larger than the limit"):
        urlpolicy.open_download(f"file://{imports}/big.img", root_admin=True, max_bytes=1024)


# --- addresses ------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [
    "http://127.0.0.1:5432/", "http://127.0.0.1:6379/", "http://localhost:8080/metrics", "http://[::1]/",
    "http://10.0.0.5/", "http://192.168.1.1/", "http://172.16.0.1/", "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/", "http://224.0.0.1/", "http://100.64.0.1/", "http://2130706433/",
    "http://0x7f000001/", "https://127.1/",
])
def test_internal_addresses_are_refused(url):
    with pytest.raises(Refused):
        urlpolicy.check_download(url)


@pytest.mark.parametrize("url", ["ftp://example.com/x", "gopher://127.0.0.1/", "dict://127.0.0.1:6379/info",
                                 "jar:http://x/!/", "http://user:pw@example.com/", "http:///nohost", "http://exa mple.com/"])
def test_other_schemes_credentials_and_malformed_urls_are_refused(url):
    with pytest.raises(Refused):
        urlpolicy.check_download(url, root_admin=True)


def test_open_and_closed_internal_ports_get_the_same_answer():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    answers = []
    for port in (listener.getsockname()[1], closed_port):
        with pytest.raises(Refused) as refused:
            urlpolicy.check_download(f"http://127.0.0.1:{port}/")
        answers.append(refused.value.errortext.replace(str(port), "P"))
    listener.close()
    assert answers[0] == answers[1]


def test_the_allow_list_names_an_address_and_port(settings, image_server):
    port = image_server.server_port
    assert read_all(urlpolicy.open_download(f"http://127.0.0.1:{port}/x.img")) == Image.body
    with pytest.raises(Refused):
        urlpolicy.check_download(f"http://127.0.0.1:{port + 1}/x.img")  # not another port of that address


def test_naming_an_address_does_not_open_the_platforms_own_ports(settings):
    settings.FETCH_ALLOW = "127.0.0.0/8"
    settings.DATABASE_URL = "postgres://u@127.0.0.1:5432/db"
    urlpolicy._own_endpoints_cached.cache_clear()
    try:
        urlpolicy.check_download("http://127.0.0.1:8099/x.img")  # an operator's mirror
        with pytest.raises(Refused):
            urlpolicy.check_download("http://127.0.0.1:5432/")
        settings.FETCH_ALLOW = "127.0.0.1:5432"  # named exactly: the operator means it
        urlpolicy.check_download("http://127.0.0.1:5432/")
    finally:
        urlpolicy._own_endpoints_cached.cache_clear()


def test_a_host_name_that_resolves_to_loopback_is_refused():
    with pytest.raises(Refused):
        urlpolicy.check_download("http://localhost/")


def test_a_redirect_is_checked_like_the_first_url(settings, image_server):
    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(302)
            self.send_header("Location", self.path.removeprefix("/to?"))
            self.end_headers()

        def log_message(self, *args):
            pass

    redirector = serve(Redirect)
    try:
        settings.FETCH_ALLOW = f"127.0.0.1:{redirector.server_port},127.0.0.1:{image_server.server_port}"
        base = f"http://127.0.0.1:{redirector.server_port}/to?"
        assert read_all(urlpolicy.open_download(base + f"http://127.0.0.1:{image_server.server_port}/x")) == Image.body
        for target in ("http://127.0.0.1:6379/", "http://169.254.169.254/", "file:///etc/passwd"):
            with pytest.raises(Refused):
                urlpolicy.open_download(base + target, root_admin=True)
        with pytest.raises(FetchFailed, match="redirects"):
            urlpolicy.open_download(base + base + base + base + base + base + base + "http://x/")
    finally:
        redirector.shutdown()


def test_the_checked_address_is_the_one_connected_to(settings, image_server, monkeypatch):
    """DNS rebinding: a name that answers an allowed address once, then an internal one.
    The fetch resolves once and connects to the address it judged."""
    real = socket.getaddrinfo
    answers = []

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.test":
            return real(host, port, *args, **kwargs)
        answers.append(host)
        address = "127.0.0.1" if len(answers) == 1 else "10.255.255.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    assert read_all(urlpolicy.open_download(f"http://rebind.test:{image_server.server_port}/x")) == Image.body
    assert answers == ["rebind.test"]


# --- bounds ---------------------------------------------------------------------------------
def streaming(chunk, count, delay=0.0, announced=None):
    """A server that sends ``count`` times ``chunk``, ``delay`` s apart, saying a length of
    ``announced`` bytes on ``/announced``."""

    class Stream(Image):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            if announced is not None and self.path == "/announced":
                self.send_header("Content-Length", str(announced))
            self.end_headers()
            try:
                for _ in range(count):
                    self.wfile.write(chunk)
                    self.wfile.flush()
                    time.sleep(delay)
            except OSError:
                pass

    return Stream


@pytest.fixture
def allowed(settings):
    """Serve a handler on an address the allow list names; yields its base URL."""
    servers = []

    def start(handler):
        server = serve(handler)
        servers.append(server)
        settings.FETCH_ALLOW = f"127.0.0.1:{server.server_port}"
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()


def test_downloads_are_bounded_in_size_with_or_without_a_length(allowed):
    base = allowed(streaming(b"y" * 65536, 200, announced=10 << 20))
    with pytest.raises(FetchFailed, match="larger than the limit"):
        urlpolicy.open_download(f"{base}/announced", max_bytes=1 << 20)
    with pytest.raises(FetchFailed, match="larger than the limit"):
        read_all(urlpolicy.open_download(f"{base}/silent", max_bytes=1 << 20))


def test_downloads_are_bounded_in_time(allowed, settings):
    base = allowed(streaming(b"z", 100, delay=0.05))  # it would take 5 s
    settings.FETCH_TIMEOUT_S = 0.5
    with pytest.raises(FetchFailed, match="took longer"):
        read_all(urlpolicy.open_download(f"{base}/slow"))


def test_an_error_answer_fails_the_fetch(allowed):
    class Missing(Image):
        def do_GET(self):  # noqa: N802
            self.send_error(404)

    with pytest.raises(FetchFailed, match="HTTP 404"):
        urlpolicy.open_download(f"{allowed(Missing)}/gone")


# --- storage pool directories and hypervisor URIs ---------------------------------------------
def test_storage_pools_only_below_their_directories(tmp_path):
    root = tmp_path / "primary"
    root.mkdir()
    assert urlpolicy.local_directory(f"file://{root}/pool-1", [root]) == str(root / "pool-1")
    for bad in ("file:///etc", f"file://{root}/../../etc", "relative/path", "/var/lib"):
        with pytest.raises(Exception) as refused:
            urlpolicy.local_directory(bad, [root])
        assert refused.value.errorcode == 431


def test_hypervisor_uris(settings, tmp_path):
    settings.SIMULATOR_DIR = tmp_path / "sim"
    (tmp_path / "sim" / "hosts").mkdir(parents=True)
    for ok in ("qemu:///system", "qemu+ssh://root@10.0.0.5/system", f"test://{tmp_path}/sim/hosts/h1.xml", "test:///default"):
        assert urlpolicy.hypervisor_uri(ok) == ok
    for bad in ("test:///etc/shadow", f"test://{tmp_path}/sim/../../etc/x", "xen:///", "file:///etc/passwd"):
        with pytest.raises(Exception) as refused:
            urlpolicy.hypervisor_uri(bad)
        assert refused.value.errorcode == 431
