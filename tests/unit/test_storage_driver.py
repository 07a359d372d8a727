"""The filesystem pool driver on real files."""
import json
import os
import subprocess

from workers.storage.drivers.filesystem import FilesystemPoolDriver

GIB = 1024**3


def test_volume_is_sparse_and_created_once(tmp_path):
    driver = FilesystemPoolDriver(str(tmp_path / "pool"))
    path, fmt = driver.create_volume("v1", 10 * GIB)
    assert fmt == "RAW" and os.path.getsize(path) == 10 * GIB and os.stat(path).st_blocks == 0
    assert driver.create_volume("v1", 10 * GIB) == (path, "RAW")
    assert os.listdir(tmp_path / "pool") == ["v1.img"]  # no temporary left behind


def test_copy_keeps_data_and_holes(tmp_path):
    driver = FilesystemPoolDriver(str(tmp_path / "pool"))
    path, _ = driver.create_volume("v2", 4 * GIB)
    with open(path, "r+b") as f:
        f.seek(GIB)
        f.write(b"hello" * 1000)
        f.seek(3 * GIB + 7)
        f.write(b"tail")
    copy = driver.copy_out(path, str(tmp_path / "secondary"), "snap.img")
    assert os.path.getsize(copy) == 4 * GIB
    with open(copy, "rb") as f:
        f.seek(GIB)
        assert f.read(5000) == b"hello" * 1000
        f.seek(3 * GIB + 7)
        assert f.read(4) == b"tail"
        f.seek(0)
        assert f.read(4096) == bytes(4096)
    assert os.stat(copy).st_blocks * 512 < 10 * 1024 * 1024  # the holes were not written


def test_resize_and_delete(tmp_path):
    driver = FilesystemPoolDriver(str(tmp_path / "pool"))
    path, _ = driver.create_volume("v3", GIB)
    driver.resize_volume(path, 2 * GIB)
    assert os.path.getsize(path) == 2 * GIB
    driver.delete_volume(path)
    driver.delete_volume(path)  # already gone: fine
    assert not os.path.exists(path)


def _qemu_img(*args):
    return subprocess.run(["qemu-img", *args], check=True, capture_output=True, text=True).stdout


def test_a_volume_from_a_qcow2_template_is_an_overlay_on_the_pools_copy(tmp_path):
    template = tmp_path / "secondary" / "t.img"
    template.parent.mkdir()
    _qemu_img("create", "-q", "-f", "qcow2", str(template), "64M")
    subprocess.run(["qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 1M", str(template)], check=True, capture_output=True)
    driver = FilesystemPoolDriver(str(tmp_path / "pool"))
    path, fmt = driver.create_volume("root", 128 * 1024 * 1024, source=str(template), source_format="QCOW2")
    info = json.loads(_qemu_img("info", "--output=json", path))
    assert fmt == "QCOW2" and info["format"] == "qcow2" and info["virtual-size"] == 128 * 1024 * 1024
    assert info["backing-filename"] == str(tmp_path / "pool" / "templates" / "t.img")  # the pool's copy, not secondary
    assert driver.create_volume("root", 1, source=str(template), source_format="QCOW2") == (path, "QCOW2")
    template.unlink()  # the template may leave secondary storage: the volume does not need it
    snapshot = driver.copy_out(path, str(tmp_path / "snapshots"), "s.img", "QCOW2")
    flat = json.loads(_qemu_img("info", "--output=json", snapshot))
    assert "backing-filename" not in flat  # standalone: the chain is flattened into it
    assert _qemu_img("compare", "-f", "qcow2", "-F", "qcow2", path, snapshot).startswith("Images are identical")
    subprocess.run(["qemu-io", "-f", "qcow2", "-c", "write -P 0x11 0 1M", path], check=True, capture_output=True)
    assert subprocess.run(["qemu-img", "compare", path, snapshot], capture_output=True).returncode == 1  # 1: they differ
    driver.copy_in(snapshot, path)  # revert
    assert _qemu_img("compare", path, snapshot).startswith("Images are identical")
    assert sorted(os.listdir(tmp_path / "pool")) == ["root.qcow2", "templates"]  # nothing partial left
