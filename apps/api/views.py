"""``/client/api``: the CloudStack query API endpoint.

GET and POST are the same (parameters are the union of the query string and a form
body). Every answer is JSON in CloudStack's envelope, errors included: never an HTML page
or a stack trace.
"""
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from apps.accounts import roles
from apps.accounts.selectors import Caller
from apps.core import registry
from apps.core.errors import CloudError, ParamError, Unauthorized, UnsupportedAction
from apps.events.services import record_event
from apps.jobs import services as jobs
from cloudstack.celery import DATABASE_OUTAGE

from . import sessions, throttling
from .auth import authenticate
from .encoding import dumps

log = logging.getLogger(__name__)
CONTENT_TYPE = "application/json; charset=UTF-8"
_CONTROL_CHARS = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")
_HEADER_UNSAFE = re.compile(r"[^\x20-\x7e]")


@dataclass
class Call:
    """What a command handler gets: who calls, the typed parameters, and the command."""

    caller: Caller
    params: dict
    command: registry.Command
    job: object = None  # the AsyncJob of an async command, made before the handler runs

    def get(self, name, default=None):
        return self.params.get(name, default)

    def done(self, body):
        """The answer of an async command whose work is already done (a state change): its job
        succeeds with ``body`` at once, and the caller gets the job to query, as CloudStack's."""
        jobs.succeed(self.job.pk, body)
        return {"jobid": self.job.uuid_str}


class MethodNotAllowed(CloudError):
    errorcode = 405


def _request_params(request):
    """The union of the query string and a form body; a body over the limit is refused
    before it is read, in CloudStack's envelope (not Django's HTML page)."""
    raw = {}
    try:
        sources = (request.GET, request.POST)
    except RequestDataTooBig:
        raise ParamError(f"The request body is larger than the limit of {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes") from None
    except TooManyFieldsSent:
        raise ParamError(f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} parameters") from None
    for source in sources:
        for key in source:
            raw.setdefault(key, source.get(key))
    return raw


def _header_safe(text):
    """An error text as an HTTP header value: one line, printable, bounded."""
    return _HEADER_UNSAFE.sub(" ", text)[:1000]


def _envelope(key, body, status=200):
    response = HttpResponse(dumps({key: body}), status=status, content_type=CONTENT_TYPE)
    if status != 200 and "errortext" in body:
        response["X-Description"] = _header_safe(body["errortext"])
    return response


def error_response(error, key="errorresponse"):
    body = {"uuidList": [], "errorcode": error.errorcode, "errortext": error.errortext}
    if not isinstance(error, Unauthorized):
        body["cserrorcode"] = error.cserrorcode
    return _envelope(key, body, status=error.errorcode)


def unavailable(key="errorresponse"):
    """A dependency of the API (the database) is down for a moment: 503 with Retry-After, in
    CloudStack's envelope; the next request reconnects (health-checked connections)."""
    response = error_response(CloudError("The data service is unavailable; retry in a few seconds", 503), key)
    response["Retry-After"] = "5"
    return response


def _check_access(command, caller):
    if not roles.may_call(caller, command):
        raise Unauthorized(f"The given command '{command.name}' either does not exist, is not available for user.")


def run(command, caller, params):
    """Run a command's handler; an async command's job is made in the same transaction, so
    a refused request leaves no job behind. Sync commands that declare an event record it."""
    if command.reads_only:
        return command.handler(Call(caller, params, command))
    with transaction.atomic():
        call = Call(caller, params, command, job=jobs.start_job(command.job_kind, caller, params) if command.is_async else None)
        body = command.handler(call)
        if command.event and not command.is_async:
            event_type, what = command.event
            record_event(event_type, f"Successfully completed {what}", account=caller.account, user=caller.user)
    return body


def _authenticate(request, raw):
    if any(k.lower() == "apikey" for k in raw):
        return authenticate(raw)
    return sessions.authenticate(request, raw)


def _login(request, raw):
    reply, session_id, sessionkey = sessions.login(request, raw)
    response = _envelope("loginresponse", reply)
    response.set_cookie("JSESSIONID", session_id, path="/client", httponly=True, samesite="Lax")
    response.set_cookie("sessionkey", sessionkey, path="/client", httponly=True, samesite="Lax")
    return response


def _optional_caller(request, raw):
    """The caller of a command CloudStack answers without a session: whoever is logged in or
    signed, else None."""
    try:
        return _authenticate(request, raw)
    except Unauthorized:
        return None


def _logout(request, raw):
    """CloudStack's logout: the session ends; without one it is a parameter error (the UI
    calls logout before every login and ignores that answer)."""
    if any(k.lower() == "apikey" for k in raw):
        authenticate(raw)  # a signed logout has no session to end: it only has to be valid
    elif not sessions.logout(request, raw):
        raise ParamError("Session not found for the logout process.")
    response = _envelope("logoutresponse", {"description": "success"})
    response.delete_cookie("JSESSIONID", path="/client")
    response.delete_cookie("sessionkey", path="/client")
    return response


@csrf_exempt
def client_api(request):
    try:
        raw = _request_params(request)
    except CloudError as error:
        return error_response(error)
    name = raw.get("command")
    command = registry.REGISTRY.get(name) if name else None
    key = command.response_key if command else (f"{name.lower()}response" if name in ("login", "logout") else "errorresponse")
    try:
        if any(_CONTROL_CHARS.search(str(v)) for v in raw.values()):
            raise ParamError("Received value with control characters, which are not allowed")
        if name == "login":
            if request.method != "POST":  # as CloudStack: a password never travels in a URL (nor lands in a log)
                raise MethodNotAllowed("Please use HTTP POST to authenticate using this API")
            return _login(request, raw)
        if name == "logout":
            return _logout(request, raw)
        caller = _optional_caller(request, raw) if command is not None and command.access == registry.PUBLIC \
            else _authenticate(request, raw)
        if caller is not None:
            throttling.count_call(caller)
        if not name:
            raise Unauthorized("no command specified")
        if command is None:
            raise UnsupportedAction(f"The given command '{name}' does not exist or it is not available for user")
        _check_access(command, caller)
        params = command.parse({k.lower(): v for k, v in raw.items()})
        if name == "listApis":
            sessions.wait_for_zones(request)
        elif name == "listZones":
            sessions.zones_asked(request)
        body = run(command, caller, params)
    except CloudError as error:
        return error_response(error, key if not isinstance(error, UnsupportedAction) else "errorresponse")
    except DATABASE_OUTAGE:
        log.warning("command %s: the database is unavailable", name, exc_info=True)
        return unavailable(key)
    except Exception:  # noqa: BLE001 - the client gets CloudStack's 530, the log gets the trace
        log.exception("command %s failed", name)
        return error_response(CloudError(f"Internal error executing command {name}", 530), key)
    response = _envelope(key, body)
    if name == "listZones":
        # noted once the answer is written out (Django closes a response after the server sent it)
        response._resource_closers.append(lambda: sessions.zones_listed(request))
    return response
