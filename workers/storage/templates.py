"""Template images: fetched from a caller's URL (through the one URL policy,
:mod:`apps.core.urlpolicy`) onto secondary storage, checked against their checksum, never
left half-written (a failed copy leaves no file)."""
import hashlib
import hmac
import os
import uuid
from pathlib import Path

from django.conf import settings

from apps.catalog import services as catalog
from apps.catalog.checksums import parse_checksum
from apps.core import urlpolicy
from apps.core.errors import ParamError, ResourceUnavailable

from .drivers import driver_for
from .drivers.filesystem import atomic_file, sparse_copy

CHUNK = 1 << 20
def _store(source, total, checksum, template_uuid, progress=None, directory=None):
    """Copy the open ``source`` (a :class:`~apps.core.urlpolicy.Download` or a local file) of
    ``total`` bytes (0 when unknown) to secondary storage under a hidden name, check its
    checksum and rename it into place; return (path, size). ``progress(bytes, total)`` is
    told as it goes. A failure leaves no file behind."""
    algorithm, expected = parse_checksum(checksum)
    directory = Path(directory or settings.SECONDARY_STORAGE_DIR) / "templates"
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / f"{template_uuid}.img"
    for stale in directory.glob(f".{template_uuid}.*.partial"):
        stale.unlink()  # a worker died downloading it; this is the redelivered download
    temp = directory / f".{template_uuid}.{uuid.uuid4().hex}.partial"
    digest = hashlib.new(algorithm) if algorithm else None
    copied = reported = 0
    try:
        with source, open(temp, "wb") as out:
            while block := source.read(CHUNK):
                out.write(block)
                copied += len(block)
                if digest:
                    digest.update(block)
                if progress and (copied - reported >= CHUNK or copied == total):  # a status write per MiB, not per read
                    progress(copied, total)
                    reported = copied
        if digest and not hmac.compare_digest(digest.hexdigest(), expected):
            # never the computed digest: it would tell a caller something about bytes it may not read
            raise ParamError(f"Checksum mismatch: the image does not match the given {algorithm} checksum")
        os.replace(temp, final)
    finally:
        if temp.exists():
            temp.unlink()
    return str(final), copied


def fetch(url, checksum, template_uuid, progress=None, root_admin=False):
    """Download a caller's ``url`` under the URL policy (checked again here, as the
    connection is made) onto secondary storage; see :func:`_store`."""
    source = urlpolicy.open_download(url, root_admin=root_admin)
    return _store(source, source.length, checksum, template_uuid, progress)


def remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def create_from(template, snapshot=None, volume=None):
    """createTemplate: the image of a snapshot (copied) or of a volume (a standalone copy, its
    backing chain flattened) on secondary storage, with its SHA-256 checksum. A failure
    leaves no file and says why in the template's status."""
    directory = Path(settings.SECONDARY_STORAGE_DIR) / "templates"
    final = directory / f"{template.uuid}.img"
    try:
        if not final.exists():
            if snapshot is not None:
                if not snapshot.path or not os.path.exists(snapshot.path):
                    raise ResourceUnavailable(f"The image of snapshot {snapshot.uuid} is missing on secondary storage")
                with atomic_file(str(final)) as temp:
                    sparse_copy(snapshot.path, temp)
            else:
                driver_for(volume.pool).copy_out(volume.path, str(directory), final.name, volume.format)
        digest = hashlib.sha256()
        with open(final, "rb") as image:
            while block := image.read(CHUNK):
                digest.update(block)
    except ResourceUnavailable as error:
        catalog.image_failed(template, f"Creation failed: {error.errortext}")
        raise
    return catalog.image_ready(template, str(final), checksum=f"{{SHA-256}}{digest.hexdigest()}")


def copy_to_zone(copy):
    """copyTemplate: the image onto the destination zone's secondary storage, checked against
    the template's checksum; the copy's status shows the progress ("N% Copied")."""

    if copy.is_ready and copy.path and os.path.exists(copy.path):
        return copy  # a redelivered task: done already
    template = copy.template

    def progress(copied, total):
        catalog.copy_progress(copy, f"{100 * copied // total}% Copied" if total else "Copying")

    directory = Path(settings.SECONDARY_STORAGE_DIR) / f"zone-{copy.zone_id}"
    try:
        try:
            source = open(template.path, "rb")  # our own file on secondary storage, not a caller's URL
        except OSError as exc:
            raise ResourceUnavailable(f"The image of template {template.uuid} is missing on secondary storage") from exc
        path, _ = _store(source, os.fstat(source.fileno()).st_size, template.checksum, template.uuid, progress,
                         directory=directory)
    except (ParamError, ResourceUnavailable):
        catalog.copy_dropped(copy)  # nothing half-made: the job says why; copy again later
        raise
    return catalog.copy_ready(copy, path)


def delete(template, zone=None):
    """deleteTemplate: the image leaves secondary storage and the template every list (or, with
    the zone of a copy, only that copy goes). Volumes made from it keep working: their base
    is the pool's own copy."""
    one_zone = zone is not None and zone.pk != template.zone_id
    for copy in template.copies.filter(zone=zone) if one_zone else template.copies.all():
        if copy.path:
            remove(copy.path)
    catalog.copies_removed(template, zone if one_zone else None)
    if one_zone:
        return
    if template.path:
        remove(template.path)
    catalog.template_removed(template)


def download(template):
    """Fetch a registered template; its status tells the progress, the result or the reason
    (and a failure is raised, for the job)."""
    if template.is_ready and template.path and os.path.exists(template.path):
        return template.path  # a redelivered message: it is there already

    def progress(copied, total):
        # as CloudStack shows it in listTemplates' status
        text = f"{100 * copied // total}% Downloaded" if total else f"{copied // CHUNK} MiB Downloaded"
        catalog.image_progress(template, text)

    owner_is_root_admin = template.account is not None and template.account.is_root_admin
    try:
        path, size = fetch(template.url, template.checksum, template.uuid, progress, root_admin=owner_is_root_admin)
    except (ParamError, ResourceUnavailable) as error:
        catalog.image_failed(template, f"Download failed: {error.errortext}")
        raise
    catalog.image_ready(template, path, size_bytes=size)
    return path
