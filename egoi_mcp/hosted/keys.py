"""The hosted mode's secrets at rest: linked E-goi API keys sealed with AES-GCM, tokens kept only as hashes.

The key-encryption keys come from `EGOI_MCP_SECRET_KEY` (comma-separated: the first seals, every one opens, so a
new key can be put first and the old one dropped once every user has signed in again or re-linked). Each is
stretched with HKDF-SHA256; a sealed value names the key that sealed it by a short fingerprint, and is bound to its
owner (the AES-GCM associated data), so a value copied onto another user's record does not open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["KeyBox", "digest"]

_VERSION: Final = "v1"
_NONCE: Final = 12


def digest(secret: str) -> str:
    """What the store keeps of a token: its SHA-256 (tokens are 256 random bits, so no salt or stretching)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"egoi-mcp/" + purpose).derive(secret.encode())


class KeyBox:
    """Seals and opens small secrets with the configured key-encryption keys."""

    def __init__(self, secrets: list[str]) -> None:
        if not secrets:
            raise ValueError("the hosted mode needs EGOI_MCP_SECRET_KEY")
        keys = [_derive(secret.strip(), b"linked-api-key") for secret in secrets]
        self._keys = {hashlib.sha256(key).hexdigest()[:8]: AESGCM(key) for key in keys}
        self._current = hashlib.sha256(keys[0]).hexdigest()[:8]
        self._mac = _derive(secrets[0].strip(), b"signing")

    def seal(self, plaintext: str, *, owner: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._keys[self._current].encrypt(nonce, plaintext.encode(), owner.encode())
        return f"{_VERSION}.{self._current}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str, *, owner: str) -> str | None:
        """The plaintext, or None when no configured key opens it for `owner` (rotated away, or tampered with)."""
        version, _, rest = sealed.partition(".")
        fingerprint, _, body = rest.partition(".")
        aead = self._keys.get(fingerprint)
        if version != _VERSION or aead is None:
            return None
        try:
            raw = base64.urlsafe_b64decode(body)
            return aead.decrypt(raw[:_NONCE], raw[_NONCE:], owner.encode()).decode()
        except (InvalidTag, ValueError):
            return None

    def needs_resealing(self, sealed: str) -> bool:
        """Whether `sealed` was sealed with a key other than the current one."""
        return sealed.split(".")[1:2] != [self._current]

    def sign(self, value: str) -> str:
        """A MAC of `value` (for cookies and CSRF tokens), URL-safe."""
        mac = hmac.new(self._mac, value.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def verify(self, value: str, mac: str) -> bool:
        return hmac.compare_digest(self.sign(value), mac)
