"""What tests share: the one way to wait for something to become true, and the test host
that ``make test-host`` prepared."""
import os
import subprocess
import time
from pathlib import Path

import pytest


def eventually(check, timeout=20, every=0.2, what=None):
    """Call ``check`` until it returns something true, and return that. When ``timeout`` has
    passed: None, or, if ``what`` says what was awaited, an AssertionError saying so (with
    the last value seen)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            if what is not None:
                raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {value!r})")
            return None
        time.sleep(every)


def kvm_host():
    """(kernel, initramfs) of the tiny KVM guest, once libvirtd answers on qemu:///system; both
    are made by ``make test-host`` (tests/kvm/setup.sh) before the tests run."""
    cache = Path(os.environ.get("JAVELIN_KVM_CACHE", "/var/cache/javelin-kvm"))
    kernel, initrd = cache / "vmlinuz", cache / "initramfs.cpio.gz"
    answers = subprocess.run(["virsh", "-c", "qemu:///system", "version"], capture_output=True).returncode == 0
    if not (answers and kernel.is_file() and initrd.is_file()):
        pytest.fail("the KVM test host is not prepared (libvirtd and the test guest): run `make test-host`")
    return str(kernel), str(initrd)
