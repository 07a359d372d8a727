"""Primary storage through libvirt's storage API, on the machine's own libvirtd (installed and
started by tests/kvm/setup.sh): a dir pool over real files, RAW and QCOW2-overlay volumes,
resize, snapshot out and revert in, delete; libvirt knows each volume as it comes and goes."""
import json
import subprocess
from pathlib import Path

import pytest

from tests.support import kvm_host
from workers.storage.drivers.libvirt_pool import LibvirtPoolDriver

pytestmark = pytest.mark.integration
URI = "qemu:///system"


def virsh(*args, check=True):
    return subprocess.run(["virsh", "-c", URI, *args], capture_output=True, text=True, check=check).stdout


@pytest.fixture(scope="module")
def libvirtd():
    kvm_host()


def test_a_dir_pool_through_libvirt(libvirtd, tmp_path):
    driver = LibvirtPoolDriver(str(tmp_path / "jvtest-pool"), URI)
    template = tmp_path / "secondary" / "t.qcow2"
    template.parent.mkdir()
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(template), "32M"], check=True)
    subprocess.run(["qemu-io", "-f", "qcow2", "-c", "write -P 0x42 0 1M", str(template)], check=True, capture_output=True)
    try:
        raw, fmt = driver.create_volume("data-1", 64 * 1024 * 1024)
        assert fmt == "RAW" and Path(raw).stat().st_size == 64 * 1024 * 1024
        assert driver.create_volume("data-1", 64 * 1024 * 1024) == (raw, "RAW")  # a rerun finds it
        root, fmt = driver.create_volume("root-1", 64 * 1024 * 1024, source=str(template), source_format="QCOW2")
        info = json.loads(subprocess.run(["qemu-img", "info", "--output=json", root], capture_output=True, text=True).stdout)
        assert fmt == "QCOW2" and info["backing-filename"].endswith("templates/t.qcow2")
        listed = virsh("vol-list", driver.name)
        assert "data-1.img" in listed and "root-1.qcow2" in listed  # libvirt made them and knows them

        driver.resize_volume(raw, 128 * 1024 * 1024)
        assert Path(raw).stat().st_size == 128 * 1024 * 1024
        snapshot = driver.copy_out(root, str(tmp_path / "snapshots"), "s.img", "QCOW2")
        subprocess.run(["qemu-io", "-f", "qcow2", "-c", "write -P 0x11 0 1M", root], check=True, capture_output=True)
        driver.copy_in(snapshot, root)
        assert subprocess.run(["qemu-img", "compare", root, str(template)], capture_output=True).returncode == 0

        for path in (raw, root):
            driver.delete_volume(path)
            driver.delete_volume(path)  # already gone: fine
            assert not Path(path).exists()
        listed = virsh("vol-list", driver.name)
        assert "data-1.img" not in listed and "root-1.qcow2" not in listed
    finally:
        virsh("pool-destroy", driver.name, check=False)
        virsh("pool-undefine", driver.name, check=False)
