"""Per-account API throttling, as CloudStack's ``api.throttling.*`` settings offer it.

With ``API_THROTTLING_ENABLED``, an account may make ``API_THROTTLING_MAX`` calls in each
window of ``API_THROTTLING_INTERVAL_S`` seconds (query API and REST together; root admins
are exempt, as in CloudStack); the next one is refused with errorcode 429 until the window
ends. Counters live in the shared cache, so every API process counts the same calls. If the
cache cannot be reached, calls are let through.
"""
import logging
import math
import time

from django.core.cache import cache

from apps.accounts.models import Account
from apps.core import config
from apps.core.errors import CloudError

log = logging.getLogger(__name__)


class ApiLimitExceeded(CloudError):
    errorcode = 429
    cserrorcode = 4545  # CloudStack's RequestLimitException


def _window(now=None):
    interval = max(1, config.value("api.throttling.interval"))
    now = time.time() if now is None else now
    index = math.floor(now / interval)
    return index, (index + 1) * interval - now


def _key(account_id, index):
    return f"apilimit:{account_id}:{index}"


def count_call(caller):
    """Count one call of ``caller``; :class:`ApiLimitExceeded` past the account's limit."""
    if caller.is_root_admin or not config.value("api.throttling.enabled"):
        return
    index, left = _window()
    key = _key(caller.account.pk, index)
    try:
        cache.add(key, 0, timeout=config.value("api.throttling.interval") + 1)
        issued = cache.incr(key)
    except ValueError:
        issued = 1
    except Exception:  # noqa: BLE001 - no counter, no throttling; never an error for the caller
        log.warning("api throttling: cache unavailable, not counting", exc_info=True)
        return
    if issued > config.value("api.throttling.max"):
        raise ApiLimitExceeded(
            f"The given user has reached his/her account api limit, please retry after [{int(left * 1000)}] ms.")


def usage_window_left():
    """Seconds until the current window ends."""
    return _window()[1]


def usage(account):
    """(calls issued in this window, calls still allowed, seconds until it ends)."""
    index, left = _window()
    try:
        issued = cache.get(_key(account.pk, index)) or 0
    except Exception:  # noqa: BLE001
        issued = 0
    return issued, max(config.value("api.throttling.max") - issued, 0), math.ceil(left)


def reset(account=None):
    """resetApiLimit: forget the current window's count of one account (or of all)."""
    index, _ = _window()
    accounts = [account.pk] if account is not None else Account.objects.values_list("pk", flat=True)
    cache.delete_many([_key(pk, index) for pk in accounts])
