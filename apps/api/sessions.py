"""Session login for the query API, as the CloudStack UI and CloudMonkey use it.

``command=login`` (username, password, domain path) opens a session: the reply carries a
``sessionkey``, and two cookies are set, ``JSESSIONID`` (the session) and ``sessionkey``.
Later calls need no signature: the ``JSESSIONID`` cookie plus the ``sessionkey`` (as a
parameter or a cookie) must match. ``command=logout`` ends the session.
"""
import secrets

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore

from apps.accounts.models import CloudUser
from apps.accounts.responses import _role
from apps.accounts.selectors import Caller
from apps.accounts.services import check_password
from apps.core.errors import Unauthorized

SESSION_TIMEOUT = 1800
BAD_LOGIN = "Failed to authenticate user {}; please provide valid credentials"


def _domain_path(raw):
    """CloudStack names domains by path: "/" is ROOT, "/sales" is ROOT/sales."""
    path = (raw.get("domain") or "/").strip("/")
    return "ROOT" + (f"/{path}" if path else "")


def login(raw):
    """Check the credentials; return (login reply, session cookie value, sessionkey)."""
    username = raw.get("username", "")
    user = CloudUser.objects.select_related("account__domain", "login").filter(username=username, state="enabled").first()
    if (
        user is None
        or user.account.domain.path != _domain_path(raw)
        or not check_password(user, raw.get("password", ""))
    ):
        raise Unauthorized(BAD_LOGIN.format(username))
    sessionkey = secrets.token_urlsafe(20)
    store = SessionStore()
    store["cloud_user"] = user.pk
    store["sessionkey"] = sessionkey
    store.set_expiry(SESSION_TIMEOUT)
    store.create()
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
        "roletype": _role(user.account.type),
        "timezone": settings.TIME_ZONE,
        "registered": "false",
        "is2faenabled": "false",
    }
    return reply, store.session_key, sessionkey


def _store(request, raw):
    session_id = request.COOKIES.get("JSESSIONID")
    key = raw.get("sessionkey") or request.COOKIES.get("sessionkey")
    if not session_id or not key:
        return None
    store = SessionStore(session_key=session_id)
    if store.get("sessionkey") is None or not secrets.compare_digest(store["sessionkey"], key):
        return None
    return store


def authenticate(request, raw):
    """The :class:`Caller` of a request made in a session, or :class:`Unauthorized`."""
    store = _store(request, raw)
    user = store and CloudUser.objects.select_related("account__domain").filter(pk=store["cloud_user"], state="enabled").first()
    if not user:
        raise Unauthorized("unable to verify user credentials")
    return Caller(user)


def logout(request, raw):
    store = _store(request, raw)
    if store is not None:
        store.delete()
