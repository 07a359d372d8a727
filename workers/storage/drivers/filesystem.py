"""A primary storage pool that is a directory of volume files (libvirt's ``dir`` pool kind).

Volumes are sparse files: a 10 GiB disk costs no space until written. Every file is
written under a hidden name and renamed into place, so a crash or a failed copy never
leaves a partial volume or snapshot under a real name.
"""
import os
import shutil
import uuid
from contextlib import contextmanager

from .base import StorageDriver


@contextmanager
def _atomic_file(final):
    """Yield a temporary path beside ``final``; rename it into place if the block succeeds."""
    os.makedirs(os.path.dirname(final), exist_ok=True)
    temp = os.path.join(os.path.dirname(final), f".{os.path.basename(final)}.{uuid.uuid4().hex}.partial")
    try:
        yield temp
        os.replace(temp, final)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


class FilesystemPoolDriver(StorageDriver):
    def __init__(self, path):
        self.path = path

    def create_volume(self, name, size_bytes, source=None):
        final = os.path.join(self.path, f"{name}.img")
        if os.path.exists(final):
            return final
        with _atomic_file(final) as temp:
            if source:
                _sparse_copy(source, temp)
            with open(temp, "r+b" if source else "wb") as f:
                f.truncate(max(size_bytes, os.path.getsize(source)) if source else size_bytes)
        return final

    def resize_volume(self, path, size_bytes):
        os.truncate(path, size_bytes)

    def delete_volume(self, path):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass

    def copy_out(self, path, directory, name):
        final = os.path.join(directory, name)
        if os.path.exists(final):
            return final
        with _atomic_file(final) as temp:
            _sparse_copy(path, temp)
        return final


def _sparse_copy(source, target, chunk=1 << 20):
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
