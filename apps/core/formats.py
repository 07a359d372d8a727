"""Wire formats shared by every API response."""


def cs_date(value):
    """CloudStack's date format: ``2021-10-04T09:24:38+0000``."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S%z")


def compact(obj):
    """Drop ``None`` fields, as CloudStack's Gson serialiser does."""
    return {k: v for k, v in obj.items() if v is not None}
