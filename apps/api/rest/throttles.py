"""The per-account API limit (``api.throttling.*``) on the REST API too: REST and query API
calls count against the same window (:mod:`apps.api.throttling`)."""
from rest_framework.throttling import BaseThrottle

from apps.api import throttling

from .permissions import caller_of


class AccountThrottle(BaseThrottle):
    def allow_request(self, request, view):
        caller = caller_of(request)
        if caller is None:
            return True
        try:
            throttling.count_call(caller)
        except throttling.ApiLimitExceeded:
            return False
        return True

    def wait(self):
        return throttling.usage_window_left()
