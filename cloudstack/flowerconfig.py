"""Flower's settings (``celery flower --conf=cloudstack/flowerconfig.py``): basic auth with the
credentials of this cloud (``JAVELIN_FLOWER_AUTH``, else the ones generated on first start in
``<state>/secrets.json``), never a default password."""
import os
from pathlib import Path

from cloudstack import secrets as _secrets

_state = Path(os.environ.get("JAVELIN_STATE_DIR", Path(__file__).resolve().parent.parent / "var")).resolve()
_state.mkdir(parents=True, exist_ok=True)
basic_auth = [_secrets.flower_auth(_state)]
