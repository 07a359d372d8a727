"""Wire formats shared by every API response."""
from datetime import timedelta

_UTC_OFFSET = timedelta(0)


def cs_date(value):
    """CloudStack's date format: ``2021-10-04T09:24:38+0000``."""
    if value is None:
        return None
    if value.utcoffset() == _UTC_OFFSET:  # what the database gives (USE_TZ): isoformat is the fast way
        return value.isoformat(timespec="seconds")[:19] + "+0000"
    return value.strftime("%Y-%m-%dT%H:%M:%S%z")


def compact(obj):
    """Drop ``None`` fields, as CloudStack's Gson serialiser does."""
    return {k: v for k, v in obj.items() if v is not None}
