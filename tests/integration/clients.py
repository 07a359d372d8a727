"""Third-party CloudStack clients built from upstream (Apache CloudStack's web UI, CloudMonkey),
unpacked once per machine from their archives: ``JAVELIN_CLIENTS_DIR``, or ``../shared/clients``
beside the repository (where the machines keep them)."""
import fcntl
import hashlib
import os
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CANDIDATES = [os.environ.get("JAVELIN_CLIENTS_DIR", ""), str(REPO.parent / "shared" / "clients"), "/work/shared/clients"]
UI_ARCHIVE = "cloudstack-ui-4.22.tar.gz"
CMK_ARCHIVE = "cloudmonkey-6.4.0-linux-amd64.tar.gz"


def clients_dir():
    for candidate in CANDIDATES:
        if candidate and (Path(candidate) / UI_ARCHIVE).is_file():
            return Path(candidate)
    return None


def _unpacked(archive_name):
    """The directory ``archive_name`` is unpacked in (once: keyed by the archive's digest)."""
    where = clients_dir()
    if where is None:
        raise FileNotFoundError(f"{archive_name}: no clients directory (set JAVELIN_CLIENTS_DIR); looked in {CANDIDATES}")
    archive = where / archive_name
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / f"javelin-clients-{digest}"
    done = target / ".unpacked"
    target.mkdir(exist_ok=True)
    with open(target / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test processes unpack it once
        if not done.exists():
            with tarfile.open(archive) as tar:
                tar.extractall(target, filter="data")
            done.touch()
    return target


def ui_dist():
    """The built UI's ``dist/`` directory, or None where the archive is not at hand."""
    if clients_dir() is None:
        return None
    dist = _unpacked(UI_ARCHIVE) / "cloudstack-ui" / "dist"
    return dist if (dist / "index.html").is_file() else None


def cmk():
    """The ``cmk`` binary, or None where the archive is not at hand."""
    if clients_dir() is None or not (clients_dir() / CMK_ARCHIVE).is_file():
        return None
    binary = _unpacked(CMK_ARCHIVE) / "cmk" / "cmk"
    return binary if binary.is_file() else None
