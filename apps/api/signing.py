"""CloudStack request signing: HMAC-SHA1 over the sorted, URL-encoded, lower-cased query.

The canonical form is what CloudStack's ApiServer.verifyRequest computes: every parameter
but ``signature``, sorted by name (case-sensitive), ``name=ENC(value)`` joined with ``&``,
where ENC is Java's URLEncoder with ``+`` turned into ``%20`` (only ``A-Za-z0-9.-_*`` are
left alone), and the whole string lower-cased. Real clients differ from that in two small
ways (libcloud sorts lower-cased names and leaves ``[]`` unencoded; most leave ``~``), so
verification also accepts those variants, exactly as a CloudStack server in practice does
for those clients.
"""
import base64
import hashlib
import hmac
from datetime import datetime, timezone
from urllib.parse import quote


def _java_encode(value):
    return quote(value, safe="*").replace("~", "%7E")


def _variants():
    # (sort key, value encoder) pairs: the server's own form first.
    yield (lambda kv: kv[0]), _java_encode
    yield (lambda kv: kv[0]), (lambda v: quote(v, safe="*"))  # '~' left as is (cs, go, cmk)
    yield (lambda kv: kv[0].lower()), (lambda v: quote(v, safe="[]*"))  # libcloud


def canonical_string(params, sort_key=lambda kv: kv[0], encode=_java_encode):
    items = sorted(((k, v) for k, v in params.items() if k.lower() != "signature"), key=sort_key)
    return "&".join(f"{k}={encode(str(v))}" for k, v in items).lower()


def sign(params, secret, sort_key=lambda kv: kv[0], encode=_java_encode):
    digest = hmac.new(secret.encode(), canonical_string(params, sort_key, encode).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def verify(params, secret, signature):
    """True if ``signature`` signs ``params`` with ``secret`` in any accepted form."""
    if not signature or not secret:
        return False
    given = signature.encode("utf-8", "replace")  # bytes: compare_digest refuses non-ASCII str
    return any(hmac.compare_digest(sign(params, secret, key, enc).encode(), given) for key, enc in _variants())


_EXPIRES_FORMATS = ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z")


def parse_expires(value):
    """Parse ``expires`` as CloudStack's DateUtil does: ISO with ``Z``, ``+00:00`` or ``+0000``."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+0000"
    for fmt in _EXPIRES_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
