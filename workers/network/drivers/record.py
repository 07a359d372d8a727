"""The record-only data plane: what would be configured is written, as JSON, one file per
guest network under ``<state dir>/network``; nothing touches the host's
network. It lets the embedded platform run without root and shows the exact desired state."""
import json
import os
import threading
import uuid
from dataclasses import asdict
from pathlib import Path

from django.conf import settings

from .base import NetworkDriver


class RecordOnlyDriver(NetworkDriver):
    def __init__(self, directory=None):
        self.directory = Path(directory or Path(settings.STATE_DIR) / "network")

    def _write(self, name, state):
        """Write under a name of this process and thread (several network workers may write
        the same network at once), then rename into place: readers see one whole plan."""
        self.directory.mkdir(parents=True, exist_ok=True)
        temp = self.directory / f".{name}.{os.getpid()}.{threading.get_ident()}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            temp.write_text(json.dumps(state, indent=2, sort_keys=True))
            os.replace(temp, self.directory / f"{name}.json")
        finally:
            temp.unlink(missing_ok=True)

    def _remove(self, name):
        try:
            (self.directory / f"{name}.json").unlink()
        except FileNotFoundError:
            pass

    def implement(self, plan):
        self._write(f"network-{plan.id}", asdict(plan))

    def destroy(self, plan):
        self._remove(f"network-{plan.id}")
