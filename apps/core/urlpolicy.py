"""The one policy for URLs and paths that callers hand to the platform.

Every command that makes the platform fetch something (``registerTemplate`` today) and every
path a caller names (``createStoragePool``) goes through here, so that no caller can make a
component read the server's own files or talk to its internal network:

* ``http`` and ``https`` for everybody; ``file://`` for root admins only, and only for files
  below one of ``settings.IMPORT_DIRS`` once symlinks and ``..`` are resolved.
* The host of an http(s) URL is resolved **once**, every address it resolves to is checked,
  and the connection goes to the address that was checked (no second lookup that a DNS
  answer could change). Loopback, link-local, private, multicast, reserved and unspecified
  addresses are refused, and so are the platform's own service endpoints (database, broker,
  cache, API, Flower), unless ``settings.FETCH_ALLOW`` names them (an operator's local
  mirror). Redirects are followed by hand and each hop is checked the same way.
* Downloads are bounded in size (``FETCH_MAX_BYTES``) and time (``FETCH_TIMEOUT_S``).
* A refusal is a 431 whose text says what the policy is, never whether a path or a port
  exists; a failed fetch says what went wrong in words that do not depend on what answered.

:func:`check_download` is the early check when a command is called (so a bad URL is refused
at once); :func:`open_download` is the authoritative one, made again by the component that
fetches, at the moment it connects.
"""
import http.client
import ipaddress
import os
import socket
import ssl
import stat
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings

from .errors import ParamError, ResourceUnavailable

HTTP_SCHEMES = ("http", "https")
REDIRECTS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 5
CHUNK = 1 << 20
READ_TIMEOUT_S = 30.0

NOT_ALLOWED = "URL {url} is not allowed: {why}"
WHY_SCHEME = "only http:// and https:// URLs can be fetched"
WHY_FILE = "file:// URLs are for root admins, and only for files below an import directory of this cloud"
WHY_ADDRESS = "its host is not an address this cloud fetches from"
WHY_MALFORMED = "it is not a well-formed URL"


class Refused(ParamError):
    """The policy does not let this caller fetch this URL (431)."""

    def __init__(self, url, why):
        super().__init__(NOT_ALLOWED.format(url=_shown(url), why=why))


class FetchFailed(ResourceUnavailable):
    """An allowed fetch did not succeed (534); the text is safe to show to the caller."""


def _shown(url):
    return url if len(url) <= 200 else url[:200] + "..."


# --- addresses ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Rule:
    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    port: int | None


def _parse_rule(text):
    """``10.1.2.3``, ``10.0.0.0/8``, ``127.0.0.1:8099``, ``[::1]:80``, ``[fd00::/8]``."""
    text = text.strip()
    port = None
    if text.startswith("["):
        inside, _, rest = text[1:].partition("]")
        text, port = inside, (int(rest[1:]) if rest.startswith(":") else None)
    elif text.count(":") == 1:
        text, _, port_text = text.partition(":")
        port = int(port_text)
    return _Rule(ipaddress.ip_network(text, strict=False), port)


@lru_cache(maxsize=8)
def _allow_rules(raw):
    return tuple(_parse_rule(entry) for entry in raw.split(",") if entry.strip())


def _endpoint_of(url):
    """(host, port) of a service URL such as ``postgres://u@h:5432/db`` or ``h:8080``."""
    if "://" not in url:
        url = f"tcp://{url}"
    parts = urlsplit(url)
    defaults = {"postgres": 5432, "postgresql": 5432, "amqp": 5672, "pyamqp": 5672, "redis": 6379, "rediss": 6379}
    try:
        port = parts.port or defaults.get(parts.scheme)
    except ValueError:
        return None
    return (parts.hostname, port) if parts.hostname and port else None


@lru_cache(maxsize=1)
def _own_endpoints_cached(key):
    endpoints = set()
    for url in key:
        endpoint = _endpoint_of(url)
        if endpoint is None:
            continue
        host, port = endpoint
        try:
            for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
                endpoints.add((ipaddress.ip_address(info[4][0]), port))
        except (socket.gaierror, UnicodeError):
            continue
    return frozenset(endpoints)


def own_endpoints():
    """The (address, port) of every service of the platform itself: its database, broker,
    result backend and cache, the API and Flower."""
    urls = [settings.DATABASE_URL, *settings.CELERY_BROKER_URL.split(";"), settings.CELERY_RESULT_BACKEND,
            settings.CACHE_URL, settings.API_BIND, f"127.0.0.1:{settings.FLOWER_PORT}"]
    return _own_endpoints_cached(tuple(u for u in urls if u))


def _plain(address):
    """An IPv4-mapped IPv6 address (``::ffff:127.0.0.1``) is judged as the IPv4 address it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def address_allowed(address, port):
    """May the platform open a connection to ``address``:``port`` on a caller's behalf?"""
    address = _plain(ipaddress.ip_address(address))
    own = (address, port) in own_endpoints()
    for rule in _allow_rules(settings.FETCH_ALLOW):
        if address in rule.network and (rule.port == port or (rule.port is None and not own)):
            return True  # named by the operator; the platform's own ports only when named exactly
    if own:
        return False
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_unspecified)


def _resolve(url, host, port):
    """Every address ``host`` resolves to, each one checked; the first one is the one to use."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise FetchFailed(f"Unable to fetch {_shown(url)}: its host name does not resolve") from None
    addresses = []
    for info in infos:
        address = info[4][0]
        if address not in addresses:
            addresses.append(address)
    if not addresses or not all(address_allowed(a, port) for a in addresses):
        raise Refused(url, WHY_ADDRESS)
    return addresses[0]


# --- URLs -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """A URL the policy allows: a local file, or an http(s) server at one checked address."""

    url: str
    scheme: str
    path: str  # the file (file://), or the request path with its query (http)
    host: str = ""
    port: int = 0
    address: str = ""


def _split(url):
    if not isinstance(url, str) or not url or len(url) > 2048 or any(ord(c) < 0x21 for c in url):
        raise Refused(url if isinstance(url, str) else "", WHY_MALFORMED)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused(url, WHY_MALFORMED) from None
    return parts, port


def import_roots():
    return [Path(os.path.realpath(d)) for d in settings.IMPORT_DIRS]


def _within(path, roots):
    return any(path == root or root in path.parents for root in roots)


def _local_file(url, parts, root_admin):
    if not root_admin or parts.netloc not in ("", "localhost"):
        raise Refused(url, WHY_FILE)
    raw = unquote(parts.path)
    if "\x00" in raw or not raw.startswith("/"):
        raise Refused(url, WHY_FILE)
    path = Path(os.path.realpath(raw))  # symlinks followed and ".." collapsed before judging
    if not _within(path, import_roots()):
        raise Refused(url, WHY_FILE)
    return Target(url=url, scheme="file", path=str(path))


def check_download(url, root_admin=False, resolve=True):
    """The :class:`Target` of a URL that a caller may have the platform fetch, or
    :class:`Refused`. ``root_admin`` is whether the caller (the owner of what is fetched) is
    a root admin. With ``resolve`` the host is looked up and its addresses judged."""
    parts, port = _split(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        return _local_file(url, parts, root_admin)
    if scheme not in HTTP_SCHEMES or not parts.hostname:
        raise Refused(url, WHY_SCHEME if scheme not in HTTP_SCHEMES else WHY_MALFORMED)
    if parts.username or parts.password:
        raise Refused(url, "credentials in a URL are not accepted")
    port = port or (443 if scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    address = _resolve(url, parts.hostname, port) if resolve else ""
    return Target(url=url, scheme=scheme, path=path, host=parts.hostname, port=port, address=address)


# --- fetching -------------------------------------------------------------------------------
class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to the address that was checked, whatever the name resolves to now."""

    def __init__(self, target, timeout):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target, timeout):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # the certificate is for the name


class Download:
    """An open source of bytes: ``read()`` in chunks, ``length`` (0 when unknown). It stops
    with :class:`FetchFailed` beyond the size limit or the deadline."""

    def __init__(self, stream, length, url, max_bytes, deadline, closer=None):
        self._stream = stream
        self.length = length
        self.url = url
        self._max = max_bytes
        self._deadline = deadline
        self._read = 0
        self._closer = closer or stream.close

    def read(self, size=CHUNK):
        if time.monotonic() > self._deadline:
            raise FetchFailed(f"Unable to fetch {_shown(self.url)}: it took longer than {settings.FETCH_TIMEOUT_S:.0f} s")
        try:
            # read1: what has arrived (one read underneath), so that a trickle cannot outlast the deadline
            block = self._stream.read1(size) if hasattr(self._stream, "read1") else self._stream.read(size)
        except (OSError, http.client.HTTPException):
            raise FetchFailed(f"Unable to fetch {_shown(self.url)}: the transfer was interrupted") from None
        self._read += len(block)
        if self._read > self._max:
            raise FetchFailed(f"Unable to fetch {_shown(self.url)}: it is larger than the limit of {self._max} bytes")
        return block

    def close(self):
        self._closer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _open_file(target, max_bytes, deadline):
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(target.path, flags)
    except OSError:
        raise FetchFailed(f"Unable to fetch {_shown(target.url)}: no readable file there") from None
    try:
        # what was opened is judged again: a symlink swapped in after the check is caught here
        opened = Path(os.path.realpath(f"/proc/self/fd/{fd}")) if os.path.exists("/proc/self/fd") else Path(target.path)
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or not _within(opened, import_roots()):
            raise FetchFailed(f"Unable to fetch {_shown(target.url)}: no readable file there")
        if info.st_size > max_bytes:
            raise FetchFailed(f"Unable to fetch {_shown(target.url)}: it is larger than the limit of {max_bytes} bytes")
        os.set_blocking(fd, True)
        stream = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    return Download(stream, info.st_size, target.url, max_bytes, deadline)


def _open_http(target, root_admin, max_bytes, deadline):
    for _hop in range(MAX_REDIRECTS + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchFailed(f"Unable to fetch {_shown(target.url)}: it took longer than {settings.FETCH_TIMEOUT_S:.0f} s")
        connection = (_PinnedHTTPS if target.scheme == "https" else _PinnedHTTP)(target, min(READ_TIMEOUT_S, remaining))
        try:
            connection.request("GET", target.path, headers={"User-Agent": f"Javelin/{settings.JAVELIN_VERSION}",
                                                            "Accept-Encoding": "identity"})
            response = connection.getresponse()
        except ssl.SSLError:
            connection.close()
            raise FetchFailed(f"Unable to fetch {_shown(target.url)}: its TLS certificate could not be verified") from None
        except (OSError, http.client.HTTPException):
            connection.close()
            raise FetchFailed(f"Unable to fetch {_shown(target.url)}: the server could not be reached") from None
        if response.status in REDIRECTS:
            location = response.getheader("Location")
            connection.close()
            if not location:
                raise FetchFailed(f"Unable to fetch {_shown(target.url)}: a redirect without a Location")
            following = urljoin(target.url, location)
            if urlsplit(following).scheme.lower() not in HTTP_SCHEMES:
                raise Refused(following, WHY_SCHEME)
            target = check_download(following, root_admin=root_admin)
            continue
        if response.status != 200:
            connection.close()
            raise FetchFailed(f"Unable to fetch {_shown(target.url)}: the server answered HTTP {response.status}")
        try:
            length = int(response.getheader("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > max_bytes:
            connection.close()
            raise FetchFailed(f"Unable to fetch {_shown(target.url)}: it is larger than the limit of {max_bytes} bytes")
        return Download(response, length, target.url, max_bytes, deadline, closer=connection.close)
    raise FetchFailed(f"Unable to fetch {_shown(target.url)}: more than {MAX_REDIRECTS} redirects")


def open_download(url, root_admin=False, max_bytes=None):
    """Open ``url`` for reading under the policy (checked again here, at the moment of
    connecting): a :class:`Download`, or :class:`Refused` / :class:`FetchFailed`."""
    max_bytes = max_bytes or settings.FETCH_MAX_BYTES
    deadline = time.monotonic() + settings.FETCH_TIMEOUT_S
    target = check_download(url, root_admin=root_admin)
    if target.scheme == "file":
        return _open_file(target, max_bytes, deadline)
    return _open_http(target, root_admin, max_bytes, deadline)


# --- local directories ----------------------------------------------------------------------
def local_directory(url, roots, what="storage pool"):
    """The directory a ``file:///path`` (or ``/path``) names, if it lies below one of
    ``roots`` once resolved; else :class:`ParamError` that does not say whether it exists."""
    path = url[len("file://"):] if url.startswith("file://") else url
    path = unquote(path)
    real_roots = [Path(os.path.realpath(r)) for r in roots]
    if not path.startswith("/") or "\x00" in path or not _within(Path(os.path.realpath(path)), real_roots):
        raise ParamError(f"Invalid {what} URL {_shown(url)}: a directory below "
                         f"{', '.join(str(r) for r in real_roots) or 'an allowed directory'} is expected")
    return str(Path(os.path.realpath(path)))


# --- hypervisor URIs ------------------------------------------------------------------------
LIBVIRT_SCHEMES = {"qemu", "qemu+ssh", "qemu+libssh", "qemu+libssh2", "qemu+tcp", "qemu+tls", "qemu+unix", "test"}


def hypervisor_uri(url):
    """A libvirt URI that ``addHost`` may hand to a compute agent: a QEMU/KVM connection, or
    the test driver on a node file below the simulator's directory (it reads that file)."""
    parts, _port = _split(url)
    scheme = parts.scheme.lower()
    if scheme not in LIBVIRT_SCHEMES:
        raise ParamError(f"Invalid host URL {_shown(url)}: expected a libvirt URI ({', '.join(sorted(LIBVIRT_SCHEMES))}) "
                         "or simulator://")
    if scheme == "test" and url != "test:///default":
        if parts.netloc or not _within(Path(os.path.realpath(unquote(parts.path))), [Path(os.path.realpath(settings.SIMULATOR_DIR))]):
            raise ParamError(f"Invalid host URL {_shown(url)}: the test driver reads only node files of the simulator")
    return url
