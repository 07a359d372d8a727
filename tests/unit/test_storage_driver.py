"""The filesystem pool driver on real files."""
import os

from workers.storage.drivers.filesystem import FilesystemPoolDriver

GIB = 1024**3


def test_volume_is_sparse_and_created_once(tmp_path):
    driver = FilesystemPoolDriver(str(tmp_path / "pool"))
    path = driver.create_volume("v1", 10 * GIB)
    assert os.path.getsize(path) == 10 * GIB and os.stat(path).st_blocks == 0
    assert driver.create_volume("v1", 10 * GIB) == path
    assert os.listdir(tmp_path / "pool") == ["v1.img"]  # no temporary left behind


def test_copy_keeps_data_and_holes(tmp_path):
    driver = FilesystemPoolDriver(str(tmp_path / "pool"))
    path = driver.create_volume("v2", 4 * GIB)
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
    path = driver.create_volume("v3", GIB)
    driver.resize_volume(path, 2 * GIB)
    assert os.path.getsize(path) == 2 * GIB
    driver.delete_volume(path)
    driver.delete_volume(path)  # already gone: fine
    assert not os.path.exists(path)
