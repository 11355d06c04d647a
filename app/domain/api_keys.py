"""API keys: how they are made, hashed, shown and compared (no I/O)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Final

KEY_PREFIX: Final[str] = "hh_"
# How many leading characters of a key `keys list` shows ("hh_" + 7 random characters).
DISPLAY_PREFIX_LENGTH: Final[int] = 10
# Names of the projects that open auth with project-per-token derives from tokens.
TOKEN_PROJECT_PREFIX: Final[str] = "token-"  # noqa: S105 - a name prefix, not a secret


def new_api_key() -> str:
    """A new random key: ``hh_`` and 43 URL-safe characters (256 bits)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def new_key_id() -> str:
    return secrets.token_hex(8)


def _sha256(text: str) -> str:
    # Header values are Latin-1 text; surrogatepass keeps any str hashable.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def hash_api_key(key: str) -> str:
    """What the database stores and indexes: the lowercase hex SHA-256 of the key."""
    return _sha256(key)


def hashes_match(stored: str, presented: str) -> bool:
    """Constant-time comparison of two key hashes."""
    return hmac.compare_digest(stored.encode("ascii"), presented.encode("ascii"))


def display_prefix(key: str) -> str:
    return key[:DISPLAY_PREFIX_LENGTH]


def project_name_for_token(token: str) -> str:
    """The project a bearer token maps to with EVENTS_PROJECT_PER_TOKEN (a hash: the token
    itself is never stored)."""
    return TOKEN_PROJECT_PREFIX + _sha256(f"project-per-token:{token}")[:32]


@dataclass(frozen=True, slots=True)
class ApiKeyInfo:
    """A stored key as listed: everything but the key."""

    id: str
    project_id: str
    project_name: str
    label: str | None
    prefix: str
    created_at: int
    revoked_at: int | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
