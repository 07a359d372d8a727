"""Brute-force protection for every way of logging in with a password.

The query API's ``login``, the Django admin and the browsable API's login all end in
Django's ``authenticate()``, whose backend here is :class:`LockoutBackend`: after
``LOGIN_MAX_FAILURES`` failures for one user name, or ``LOGIN_MAX_FAILURES_PER_ADDRESS``
from one client address, within ``LOGIN_FAILURE_WINDOW_S``, further attempts are refused
for ``LOGIN_LOCKOUT_S`` whatever the password, and a refused attempt is not checked at all.
A successful login clears its user's failures (not its address's: one valid account must not
let a guesser reset the count for the others).

The counters live in the shared cache (Redis on the production stack), so every API process
sees the same ones. If the cache cannot be reached, logins are not throttled (and a warning
is logged) rather than refused for everybody.
"""
import hashlib
import logging
import time

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver

log = logging.getLogger(__name__)
LOCKED_FLAG = "_javelin_login_locked"


def _key(kind, scope, value):
    digest = hashlib.sha256(str(value).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"login:{kind}:{scope}:{digest}"


def client_address(request):
    return (request.META.get("REMOTE_ADDR") or "") if request is not None else ""


def _scopes(username, address):
    yield "user", username, settings.LOGIN_MAX_FAILURES
    if address:
        yield "addr", address, settings.LOGIN_MAX_FAILURES_PER_ADDRESS


def locked_for(username, address):
    """Seconds left of a cool-off on this user name or address (0: not locked)."""
    try:
        for scope, value, _limit in _scopes(username, address):
            until = cache.get(_key("lock", scope, value))
            if until:
                return max(1, int(until - time.time()))
    except Exception:  # noqa: BLE001 - an unreachable cache must not refuse every login
        log.warning("login lockout: cache unavailable, not throttling", exc_info=True)
    return 0


def failed(username, address):
    """Count one failed attempt; lock the user name or the address when it reaches its limit."""
    try:
        for scope, value, limit in _scopes(username, address):
            key = _key("fail", scope, value)
            cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW_S)
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_S)
                count = 1
            if count >= limit:
                cache.set(_key("lock", scope, value), time.time() + settings.LOGIN_LOCKOUT_S, timeout=settings.LOGIN_LOCKOUT_S)
                cache.delete(key)
                log.warning("login: %s %s locked for %s s after %s failures", scope, value, settings.LOGIN_LOCKOUT_S, count)
    except Exception:  # noqa: BLE001
        log.warning("login lockout: cache unavailable, failure not counted", exc_info=True)


def succeeded(username):
    try:
        cache.delete(_key("fail", "user", username))
    except Exception:  # noqa: BLE001
        log.warning("login lockout: cache unavailable", exc_info=True)


class LockoutBackend(ModelBackend):
    """Django's model backend, refusing (without checking the password) while locked."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None and locked_for(username, client_address(request)):
            if request is not None:
                setattr(request, LOCKED_FLAG, True)
            raise PermissionDenied("too many failed logins")
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed)
def _count_failure(sender, credentials, request=None, **kwargs):
    if request is not None and getattr(request, LOCKED_FLAG, False):
        return  # refused while locked: not an attempt at the password
    failed(credentials.get("username", ""), client_address(request))


@receiver(user_logged_in)
def _clear_failures(sender, request, user, **kwargs):
    succeeded(user.get_username())
