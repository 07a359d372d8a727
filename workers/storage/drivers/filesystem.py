"""A primary storage pool that is a directory of volume files (libvirt's ``dir`` pool kind).

RAW volumes are sparse files: a 10 GiB disk costs no space until written. A volume made from
a QCOW2 template is a QCOW2 overlay (``qemu-img``) on a copy of the template kept in the pool,
so it costs only what the guest changes. Every file is written under a hidden name and
renamed into place, so a crash or a failed copy never leaves a partial volume, snapshot or
template under a real name, and making a file that exists already is a no-op (a redelivered
task finds what it made).
"""
import glob
import os
import shutil
import subprocess
import uuid
from contextlib import contextmanager

from apps.core.errors import ResourceUnavailable

from .base import StorageDriver

QCOW2, RAW = "QCOW2", "RAW"


@contextmanager
def atomic_file(final):
    """Yield a temporary path beside ``final``; rename it into place if the block succeeds.

    Only one run of a task makes a given file at a time (a message is redelivered only once
    the worker that had it is gone), so partial files of the same name are a dead run's."""
    directory, name = os.path.dirname(final), os.path.basename(final)
    os.makedirs(directory, exist_ok=True)
    for stale in glob.glob(os.path.join(glob.escape(directory), f".{glob.escape(name)}.*.partial")):
        os.unlink(stale)  # left by a worker that died copying: its task is being run again now
    temp = os.path.join(directory, f".{name}.{uuid.uuid4().hex}.partial")
    try:
        yield temp
        os.replace(temp, final)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def qemu_img(*args):
    try:
        result = subprocess.run(["qemu-img", *args], capture_output=True, text=True, timeout=600)
    except FileNotFoundError:
        raise ResourceUnavailable("qemu-img is not installed (Debian: qemu-utils)") from None
    if result.returncode:
        raise ResourceUnavailable(f"qemu-img {args[0]} failed: {result.stderr.strip()}")
    return result.stdout


class FilesystemPoolDriver(StorageDriver):
    def __init__(self, path):
        self.path = path

    def create_volume(self, name, size_bytes, source=None, source_format=RAW):
        """Returns (path, format)."""
        if source and source_format == QCOW2:
            final = os.path.join(self.path, f"{name}.qcow2")
            if not os.path.exists(final):
                base = self._template_copy(source)
                with atomic_file(final) as temp:
                    virtual = int(qemu_img("info", "--output=json", base).split('"virtual-size":')[1].split(",")[0])
                    qemu_img("create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", base, temp, str(max(size_bytes, virtual)))
            return final, QCOW2
        final = os.path.join(self.path, f"{name}.img")
        if os.path.exists(final):
            return final, RAW
        with atomic_file(final) as temp:
            if source:
                sparse_copy(source, temp)
            with open(temp, "r+b" if source else "wb") as f:
                f.truncate(max(size_bytes, os.path.getsize(source)) if source else size_bytes)
        return final, RAW

    def _template_copy(self, source):
        """The pool's copy of a template image: the read-only base of the overlays made from it
        (it stays while volumes use it, whatever happens to the template on secondary storage)."""
        final = os.path.join(self.path, "templates", os.path.basename(source))
        if not os.path.exists(final):
            with atomic_file(final) as temp:
                sparse_copy(source, temp)
                os.chmod(temp, 0o444)
        return final

    def resize_volume(self, path, size_bytes, fmt=RAW):
        if fmt == QCOW2:
            qemu_img("resize", "-q", "-f", "qcow2", "--shrink", path, str(size_bytes))
        else:
            os.truncate(path, size_bytes)

    def delete_volume(self, path):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass

    def copy_out(self, path, directory, name, fmt=RAW):
        """A standalone copy of a volume on secondary storage: a QCOW2 volume's backing chain
        is flattened into it, so the copy needs nothing else. Returns its path."""
        final = os.path.join(directory, name)
        if os.path.exists(final):
            return final
        with atomic_file(final) as temp:
            if fmt == QCOW2:
                qemu_img("convert", "-q", "-f", "qcow2", "-O", "qcow2", path, temp)
            else:
                sparse_copy(path, temp)
        return final

    def copy_in(self, image, path):
        """Replace volume ``path`` by a copy of ``image`` (reverting to a snapshot), atomically."""
        with atomic_file(path) as temp:
            sparse_copy(image, temp)


def sparse_copy(source, target, chunk=1 << 20):
    """Copy only the data extents (SEEK_DATA/SEEK_HOLE): holes stay holes, the length is kept,
    and a mostly empty 10 GiB volume copies in milliseconds."""
    with open(source, "rb") as src, open(target, "wb") as dst:
        size = os.fstat(src.fileno()).st_size
        offset = 0
        while offset < size:
            try:
                start = os.lseek(src.fileno(), offset, os.SEEK_DATA)
            except OSError:  # ENXIO: no data after offset
                break
            end = os.lseek(src.fileno(), start, os.SEEK_HOLE)
            src.seek(start)
            dst.seek(start)
            remaining = end - start
            while remaining:
                block = src.read(min(chunk, remaining))
                dst.write(block)
                remaining -= len(block)
            offset = end
        dst.truncate(size)
    shutil.copymode(source, target)
