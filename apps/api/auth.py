"""Authenticating a query-API request: API key + signature (v3 expiry honoured)."""
from datetime import datetime, timedelta, timezone

from django.conf import settings

from apps.accounts.keycache import user_by_api_key
from apps.accounts.selectors import Caller
from apps.core.errors import Unauthorized

from . import signing

BAD_CREDENTIALS = "unable to verify user credentials and/or request signature"


def _get(raw, name):
    """Standard parameters are matched case-insensitively (cloudstack-go sends lower case)."""
    for key, value in raw.items():
        if key.lower() == name:
            return value
    return None


def authenticate(raw):
    """The :class:`Caller` of a signed request, or :class:`Unauthorized`."""
    api_key, signature = _get(raw, "apikey"), _get(raw, "signature")
    if not api_key or not signature:
        raise Unauthorized(BAD_CREDENTIALS)
    if _get(raw, "signatureversion") == "3":
        expires_raw = _get(raw, "expires")
        expires = signing.parse_expires(expires_raw) if expires_raw else None
        now = datetime.now(timezone.utc)
        if expires is None or expires < now or expires > now + timedelta(seconds=settings.API_MAX_EXPIRES_AHEAD):
            raise Unauthorized(BAD_CREDENTIALS)
    user = user_by_api_key(api_key)
    if user is None or not signing.verify(raw, user.secret_key, signature):
        raise Unauthorized(BAD_CREDENTIALS)
    return Caller(user)
