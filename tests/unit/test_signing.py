"""Signing: our verification accepts exactly what real clients sign, and nothing else."""
from urllib.parse import quote

import pytest
from cs.client import CloudStack
from libcloud.common.cloudstack import CloudStackConnection

from apps.api import signing

SECRET = "s3cr3t-KEY"


def test_canonical_string_is_cloudstacks_form():
    params = {"command": "listZones", "apiKey": "AbC", "response": "json", "name": "a b*/~é"}
    assert signing.canonical_string(params) == "apikey=abc&command=listzones&name=a%20b*%2f%7e%c3%a9&response=json"


def test_signature_excludes_signature_param():
    params = {"command": "listZones", "apiKey": "k"}
    assert signing.sign(params, SECRET) == signing.sign({**params, "signature": "x"}, SECRET)


@pytest.mark.parametrize("value", ["plain", "my vm*/é", "a(b)c", "tilde~here", "x[0]"])
def test_verifies_libcloud_signatures(value):
    params = {"command": "deployVirtualMachine", "apiKey": "k", "response": "json", "displayname": value, "zoneId": "Z"}
    conn = CloudStackConnection("k", SECRET)
    signature = conn._make_signature(dict(params)).decode()
    assert signing.verify(params, SECRET, signature)


@pytest.mark.parametrize("value", ["plain", "my vm*/é", "tilde~here"])
def test_verifies_cs_signatures(value):
    client = CloudStack(endpoint="http://127.0.0.1/client/api", key="k", secret=SECRET)
    params = {"command": "listZones", "apiKey": "k", "response": "json", "name": value,
              "signatureVersion": "3", "expires": "2030-01-01T00:00:00+0000"}
    signed = dict(params)
    client._sign(signed)
    assert signing.verify(params, SECRET, signed["signature"])


def test_rejects_wrong_secret_and_tampering():
    params = {"command": "listZones", "apiKey": "k", "response": "json"}
    good = signing.sign(params, SECRET)
    assert signing.verify(params, SECRET, good)
    assert not signing.verify(params, "other", good)
    assert not signing.verify({**params, "response": "xml"}, SECRET, good)
    assert not signing.verify(params, SECRET, "")
    assert not signing.verify(params, SECRET, "é-not-base64")


@pytest.mark.parametrize(
    "text", ["2030-01-01T12:00:00Z", "2030-01-01T12:00:00+0000", "2030-01-01T12:00:00+00:00", "2030-01-01T12:00:00.123+0000"]
)
def test_parse_expires_formats(text):
    parsed = signing.parse_expires(text)
    assert (parsed.year, parsed.hour, parsed.utcoffset().total_seconds()) == (2030, 12, 0)


def test_parse_expires_garbage():
    assert signing.parse_expires("tomorrow") is None


def test_java_encoding_matches_urlencoder_for_reserved_chars():
    # Java's URLEncoder keeps only A-Za-z0-9 . - _ * ; everything else is %XX (space as %20 here).
    assert signing._java_encode("A-z_0.9*~ /+") == "A-z_0.9*%7E%20%2F%2B"
    assert quote("~") == "~"  # why the replace is needed
