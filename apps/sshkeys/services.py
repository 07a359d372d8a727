"""SSH key pairs: generated (RSA 2048) or registered from an OpenSSH public key.

The fingerprint is CloudStack's: MD5 of the key blob, as colon-separated hex.
"""
import base64
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import IntegrityError, transaction

from apps.core.errors import ParamError

from .models import SSHKeyPair


def fingerprint(public_key):
    blob = base64.b64decode(public_key.split()[1])
    digest = hashlib.md5(blob).hexdigest()  # noqa: S324 - the format CloudStack and ssh-keygen -E md5 show
    return ":".join(digest[i: i + 2] for i in range(0, len(digest), 2))


def normalise_public_key(text):
    """The key as ``type base64 [comment]``, or ParamError if it is not an OpenSSH public key."""
    try:
        key = serialization.load_ssh_public_key(text.strip().encode())
    except Exception:  # noqa: BLE001 - cryptography raises several kinds (UnsupportedAlgorithm too)
        raise ParamError("Public key is invalid") from None
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def _save(account, name, public_key):
    try:
        with transaction.atomic():
            return SSHKeyPair.objects.create(account=account, name=name, public_key=public_key, fingerprint=fingerprint(public_key))
    except IntegrityError:
        raise ParamError(f"A key pair with name '{name}' already exists for account {account.name}") from None


def create(account, name):
    """A new pair: (record, private key PEM). The private key is not kept."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    public = private.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    return _save(account, name, public), pem


def register(account, name, public_key):
    return _save(account, name, normalise_public_key(public_key))


def lookup(account, name):
    keypair = SSHKeyPair.objects.filter(account=account, name=name).first()
    if keypair is None:
        raise ParamError(f"A key pair with name '{name}' was not found for account {account.name} in specified domain id")
    return keypair
