import pytest

from . import inline_broker


@pytest.fixture
def broker(monkeypatch):
    """The in-memory broker: what is sent waits until ``broker.run()`` delivers it here."""
    return inline_broker.install(monkeypatch)


@pytest.fixture(autouse=True)
def private_state(settings, tmp_path):
    """A state directory of its own per test: network plans, secondary storage, imports."""
    settings.STATE_DIR = tmp_path / "state"
    settings.SECONDARY_STORAGE_DIR = settings.STATE_DIR / "secondary"
    settings.IMPORT_DIRS = [settings.STATE_DIR / "import"]
    return settings.STATE_DIR
