"""Template checksums as CloudStack writes them: ``{ALGO}hex`` or bare hex (the algorithm
told by its length). Refused when registered, checked when the image is fetched."""
import hashlib
import re

from apps.core.errors import ParamError

_HEX = re.compile(r"[0-9a-f]+")
CHECKSUM_ALGORITHMS = {"md5", "sha1", "sha224", "sha256", "sha384", "sha512"}  # CloudStack's
ALGORITHMS = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}


def parse_checksum(text):
    """(algorithm, hex digest) of a checksum, (None, None) for none, or ParamError."""
    if not text:
        return None, None
    if text.startswith("{") and "}" in text:
        algorithm, digest = text[1:].split("}", 1)
        algorithm = algorithm.lower().replace("-", "")
    else:
        digest = text
        algorithm = ALGORITHMS.get(len(text))
    digest = digest.lower()
    if algorithm not in CHECKSUM_ALGORITHMS or not _HEX.fullmatch(digest):
        raise ParamError(f"Unsupported checksum {text[:200]}")
    if len(digest) != hashlib.new(algorithm).digest_size * 2:
        raise ParamError(f"Unsupported checksum {text[:200]}: a {algorithm} digest has {hashlib.new(algorithm).digest_size * 2} hex digits")
    return algorithm, digest


