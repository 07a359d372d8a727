"""Template images: fetched from a URL (``file://`` or ``http(s)://``) onto secondary storage,
checked against their checksum, never left half-written (a failed copy leaves no file)."""
import hashlib
import os
import urllib.request
import uuid
from pathlib import Path

from django.conf import settings

from apps.core.errors import ParamError, ResourceUnavailable

CHUNK = 1 << 20
ALGORITHMS = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}


def parse_checksum(text):
    """CloudStack's ``{ALGO}hex`` or bare hex (the algorithm told by its length)."""
    if not text:
        return None, None
    if text.startswith("{") and "}" in text:
        algorithm, digest = text[1:].split("}", 1)
        algorithm = algorithm.lower().replace("-", "")
    else:
        digest = text
        algorithm = ALGORITHMS.get(len(text))
    if algorithm not in hashlib.algorithms_available:
        raise ParamError(f"Unsupported checksum {text}")
    return algorithm, digest.lower()


def fetch(url, checksum, template_uuid, progress=None):
    """Copy ``url`` to secondary storage; return (path, size). ``progress(bytes)`` is told as it goes."""
    algorithm, expected = parse_checksum(checksum)
    directory = Path(settings.SECONDARY_STORAGE_DIR) / "templates"
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / f"{template_uuid}.img"
    temp = directory / f".{template_uuid}.{uuid.uuid4().hex}.partial"
    digest = hashlib.new(algorithm) if algorithm else None
    copied = 0
    try:
        try:
            source = urllib.request.urlopen(url, timeout=30)  # noqa: S310 - file:// and http(s):// are both wanted
        except (OSError, ValueError) as exc:
            raise ResourceUnavailable(f"Unable to fetch template from {url}: {exc}") from exc
        with source, open(temp, "wb") as out:
            while block := source.read(CHUNK):
                out.write(block)
                copied += len(block)
                if digest:
                    digest.update(block)
                if progress:
                    progress(copied)
        if digest and digest.hexdigest() != expected:
            raise ParamError(f"Checksum mismatch for {url}: expected {expected}, got {digest.hexdigest()} ({algorithm})")
        os.replace(temp, final)
    finally:
        if temp.exists():
            temp.unlink()
    return str(final), copied


def remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass




def download(template):
    """Fetch a registered template; its status tells the progress, the result or the reason."""
    from apps.catalog.models import Template

    def progress(copied):
        Template.objects.filter(pk=template.pk).update(status=f"{copied // CHUNK} MiB downloaded")

    try:
        path, size = fetch(template.url, template.checksum, template.uuid, progress)
    except (ParamError, ResourceUnavailable) as error:
        Template.objects.filter(pk=template.pk).update(status=f"Download failed: {error.errortext}", is_ready=False)
        return None
    Template.objects.filter(pk=template.pk).update(path=path, size_bytes=size, is_ready=True, status="Download Complete")
    return path
