"""Session login for the query API, as the CloudStack UI and CloudMonkey use it.

``command=login`` (username, password, domain path) opens a session: the reply carries a
``sessionkey``, and two cookies are set, ``JSESSIONID`` (the session) and ``sessionkey``.
Later calls need no signature: the ``JSESSIONID`` cookie plus the ``sessionkey`` (as a
parameter or a cookie) must match. ``command=logout`` ends the session.
"""
import logging
import re
import secrets
import socket
import time
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import authenticate as django_authenticate
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache

from apps.accounts import lockout
from apps.accounts.keycache import enabled_user
from apps.accounts.models import CloudUser
from apps.accounts.responses import role_name
from apps.accounts.selectors import Caller
from apps.core.errors import PermissionDenied, Unauthorized

log = logging.getLogger(__name__)
SESSION_TIMEOUT = 1800
BAD_LOGIN = "Failed to authenticate user {}; please provide valid credentials"
LOCKED = "Failed to authenticate user {}: too many failed login attempts; try again in {} seconds"
# what a session id and a session key can look like (Django's session keys; token_urlsafe)
_SESSION_ID = re.compile(r"[a-z0-9]{8,64}")
_SESSION_KEY = re.compile(r"[A-Za-z0-9_-]{8,128}")


def _domain_path(raw):
    """CloudStack names domains by path: "/" is ROOT, "/sales" is ROOT/sales."""
    path = (raw.get("domain") or "/").strip("/")
    return "ROOT" + (f"/{path}" if path else "")


def _in_domain(user, raw):
    """The login names the user's domain by ``domainId`` (its id) or ``domain`` (its path, "/"
    by default)."""
    domain_id = next((v for k, v in raw.items() if k.lower() == "domainid" and v), None)
    if domain_id is not None:
        return str(domain_id).strip().lower() == user.account.domain.uuid_str
    return user.account.domain.path == _domain_path(raw)


def management_server_id():
    """The id of the management server that answers: this API host (stable across restarts)."""
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{socket.gethostname()}.javelin"))


def timezone_offset(name):
    """CloudStack's ``timezoneoffset``: the zone's offset from UTC now, in hours ("0.0", "5.5")."""
    offset = datetime.now(ZoneInfo(name)).utcoffset()
    return str(offset.total_seconds() / 3600.0)


def login(request, raw):
    """Check the credentials; return (login reply, session cookie value, sessionkey).

    A failure is CloudStack's 531 (ACCOUNT_ERROR); repeated failures lock the user name and
    the client address out for a while (:mod:`apps.accounts.lockout`)."""
    username = str(raw.get("username", ""))[:255]
    address = lockout.client_address(request)
    wait = lockout.locked_for(username, address)
    if wait:
        raise PermissionDenied(LOCKED.format(username, wait))
    login_user = django_authenticate(request, username=username, password=str(raw.get("password", "")))
    user = login_user and CloudUser.objects.select_related("account__domain").filter(
        login=login_user, state="enabled", account__state="enabled").first()
    if user is None or not _in_domain(user, raw):
        if login_user is not None:  # the right password, but not for this domain or an enabled user
            lockout.failed(username, address)
        raise PermissionDenied(BAD_LOGIN.format(username))
    lockout.succeeded(username)
    sessionkey = secrets.token_urlsafe(20)
    store = SessionStore()
    store["cloud_user"] = user.pk
    store["sessionkey"] = sessionkey
    store.set_expiry(SESSION_TIMEOUT)
    store.create()
    _note(store.session_key, "fresh")
    reply = {
        "timeout": str(SESSION_TIMEOUT),
        "sessionkey": sessionkey,
        "username": user.username,
        "userid": user.uuid_str,
        "domainid": user.account.domain.uuid_str,
        "account": user.account.name,
        "firstname": user.firstname,
        "lastname": user.lastname,
        "type": str(user.account.type),
        "roletype": role_name(user.account.type),
        "timezone": settings.TIME_ZONE,
        "timezoneoffset": timezone_offset(settings.TIME_ZONE),
        "registered": "false",
        "is2faenabled": "false",  # no second factor exists here: nothing to verify, no provider
        "is2faverified": "false",
        "providerfor2fa": "none",
        "managementserverid": management_server_id(),
    }
    return reply, store.session_key, sessionkey


def _store(request, raw):
    session_id = request.COOKIES.get("JSESSIONID")
    key = raw.get("sessionkey") or request.COOKIES.get("sessionkey")
    if not session_id or not key or not _SESSION_ID.fullmatch(session_id) or not _SESSION_KEY.fullmatch(key):
        return None
    store = SessionStore(session_key=session_id)
    if store.get("sessionkey") is None or not secrets.compare_digest(store["sessionkey"], key):
        return None
    return store


def authenticate(request, raw):
    """The :class:`Caller` of a request made in a session, or :class:`Unauthorized`."""
    store = _store(request, raw)
    user = store and enabled_user(store["cloud_user"])
    if not user:
        raise Unauthorized("unable to verify user credentials")
    return Caller(user)


def logout(request, raw):
    """End the request's session; False if it has none."""
    store = _store(request, raw)
    if store is None:
        return False
    store.delete()
    return True


# CloudStack's web UI (4.22), right after a login, asks listZones and listApis at once and
# breaks if listApis answers first: its store starts with zones = {}, which the route guards
# built from listApis's answer cannot filter, and the login never ends. CloudStack's own
# listApis is slow enough that it never answers first; here both take a few milliseconds. So
# in a session's first FRESH_S seconds, its listApis waits (UI_ORDER_WAIT_S at most) until the
# session's zones have been listed: UI_ORDER_WAIT_S for the listZones request to arrive (a
# session that never lists zones, CloudMonkey's sync, waits that once), then, once it has
# arrived, as long as its answer takes on a loaded machine (ZONES_WAIT_S at most).
FRESH_S = 15
UI_ORDER_WAIT_S = 1.0
ZONES_WAIT_S = 10.0


def _note(session_id, what):
    try:
        cache.set(f"session-{what}:{session_id}", 1, FRESH_S)
    except Exception:  # noqa: BLE001 - no cache: no ordering, nothing else lost
        log.warning("cache unavailable: the session's calls are not ordered", exc_info=True)


def _noted(session_id, what):
    try:
        return cache.get(f"session-{what}:{session_id}") is not None
    except Exception:  # noqa: BLE001
        return None  # unknown: do not wait


def zones_asked(request):
    session_id = request.COOKIES.get("JSESSIONID")
    if session_id and _SESSION_ID.fullmatch(session_id):
        _note(session_id, "zones-asked")


def zones_listed(request):
    session_id = request.COOKIES.get("JSESSIONID")
    if session_id and _SESSION_ID.fullmatch(session_id):
        _note(session_id, "zones")


def wait_for_zones(request):
    """Hold a fresh session's listApis until its zones were listed (see above)."""
    session_id = request.COOKIES.get("JSESSIONID")
    if not session_id or not _SESSION_ID.fullmatch(session_id) or not _noted(session_id, "fresh"):
        return
    began = time.monotonic()
    while not _noted(session_id, "zones"):
        waited = time.monotonic() - began
        if waited > ZONES_WAIT_S or (waited > UI_ORDER_WAIT_S and not _noted(session_id, "zones-asked")):
            break
        time.sleep(0.01)
    log.debug("session %s: listApis waited %.3f s for its zones", session_id[:6], time.monotonic() - began)
    _note(session_id, "zones")  # the next listApis of the session does not wait
