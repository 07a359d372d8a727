"""The platform's own secrets, made on first start instead of shipped as defaults.

``<state dir>/secrets.json`` (mode 0600) holds Django's ``SECRET_KEY``, the first root
admin's password, Flower's basic-auth credentials and the ``/metrics`` bearer token. The
first process that needs the file writes it (every process of one platform shares the state
directory, and the file is created whole, by one atomic link, so two processes starting at
once agree on one set). An environment variable set by the operator wins over the file:
``SECRET_KEY``, ``JAVELIN_ADMIN_PASSWORD``, ``JAVELIN_FLOWER_AUTH`` (``user:password``) and
``JAVELIN_METRICS_TOKEN``.
"""
import json
import os
import secrets
from pathlib import Path

FILE_NAME = "secrets.json"


def _generate():
    return {
        "secret_key": secrets.token_urlsafe(50),
        "admin_password": secrets.token_urlsafe(18),
        "flower_user": "admin",
        "flower_password": secrets.token_urlsafe(18),
        "metrics_token": secrets.token_urlsafe(32),
    }


def path(state_dir):
    return Path(state_dir) / FILE_NAME


def load(state_dir):
    """The platform's secrets, generating the file if this is its first start."""
    target = path(state_dir)
    try:
        return json.loads(target.read_text())
    except FileNotFoundError:
        pass
    temp = target.with_name(f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(_generate(), f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(temp, target)  # fails if another process made it first: then theirs is the one
    except FileExistsError:
        pass
    finally:
        os.unlink(temp)
    return json.loads(target.read_text())


def value(state_dir, name, env=None):
    """One secret: the environment variable ``env`` if the operator set it, else the file's."""
    if env and os.environ.get(env):
        return os.environ[env]
    return load(state_dir)[name]


def flower_auth(state_dir):
    if os.environ.get("JAVELIN_FLOWER_AUTH"):
        return os.environ["JAVELIN_FLOWER_AUTH"]
    stored = load(state_dir)
    return f"{stored['flower_user']}:{stored['flower_password']}"
