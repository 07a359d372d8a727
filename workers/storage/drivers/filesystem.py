"""A primary storage pool that is a directory of volume files (libvirt's ``dir`` pool kind).

Volumes are sparse files: a 10 GiB ROOT disk costs no space until written. A volume is
written under a hidden name and renamed into place, so a crash never leaves a partial
volume under a real name.
"""
import os
import uuid

from .base import StorageDriver


class FilesystemPoolDriver(StorageDriver):
    def __init__(self, path):
        self.path = path

    def create_volume(self, name, size_bytes):
        os.makedirs(self.path, exist_ok=True)
        final = os.path.join(self.path, f"{name}.img")
        if os.path.exists(final):
            return final
        temp = os.path.join(self.path, f".{name}.{uuid.uuid4().hex}.partial")
        try:
            with open(temp, "wb") as f:
                f.truncate(size_bytes)
            os.replace(temp, final)
        finally:
            if os.path.exists(temp):
                os.unlink(temp)
        return final

    def delete_volume(self, path):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
