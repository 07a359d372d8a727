"""Checks for parameter values, used by the command registry (``Param(check=...)``) before
any handler or query sees the value. Each returns the value in its canonical form or raises
``ValueError``."""
import ipaddress
import re

from cryptography.hazmat.primitives import serialization


def ipv4(value):
    """A single IPv4 address, as CloudStack's NetUtils.isValidIp4 wants it."""
    return str(ipaddress.IPv4Address(value.strip()))


def ipv4_cidr(value):
    """An IPv4 network in CIDR notation (host bits allowed, as CloudStack allows them)."""
    text = value.strip()
    if "/" not in text:
        raise ValueError(value)
    return str(ipaddress.IPv4Network(text, strict=False).with_prefixlen)


def ipv4_netmask(value):
    """A dotted netmask such as 255.255.255.0."""
    text = ipv4(value)
    ipaddress.IPv4Network(f"0.0.0.0/{text}")  # ValueError unless the ones are contiguous
    return text


_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def network_domain(value):
    """A DNS domain for a network's guests (CloudStack's rule: labels of letters, digits and
    hyphens, 1 to 63 long, not starting or ending with a hyphen; 190 characters at most)."""
    text = value.strip().rstrip(".")
    if not text or len(text) > 190 or not all(_LABEL.match(label) for label in text.split(".")):
        raise ValueError(value)
    return text.lower()


def ssh_public_key(value):
    """An OpenSSH public key line (``type base64 [comment]``) that parses as a key; returned in
    OpenSSH's canonical form, without the comment."""
    try:
        key = serialization.load_ssh_public_key(value.strip().encode("utf-8"))
        return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    except Exception:  # noqa: BLE001 - cryptography raises several kinds for malformed or unknown keys
        raise ValueError(value) from None
