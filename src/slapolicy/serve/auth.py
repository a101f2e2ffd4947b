"""API tokens: stored hashed (SHA-256 of a random token: a stolen deployment file lets nobody in),
each with scopes (`events`, `read`, `admin`); sent as `Authorization: Bearer TOKEN`."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from .config import SCOPES, Token


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A random token (256 bits), recognisable by its prefix."""
    return "slp_" + secrets.token_urlsafe(32)


def token_entry(name: str, scopes: Iterable[str], token: str) -> str:
    """The deployment file's line for a token, holding only its hash."""
    return f"  - {{name: {name}, sha256: {digest(token)}, scopes: [{', '.join(scopes)}]}}"


def parse_grant(text: str) -> tuple[str, tuple[str, ...]]:
    """NAME:SCOPE,SCOPE (`--new-token`); ValueError saying what to write."""
    name, _, scopes = text.partition(":")
    wanted = tuple(s.strip() for s in scopes.split(",") if s.strip())
    if not name or not wanted:
        raise ValueError(f"write NAME:SCOPES, e.g. helpdesk:events or board:read (scopes: {', '.join(SCOPES)})")
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scope '{unknown[0]}'; use {', '.join(SCOPES)}")
    return name, wanted


class Denied(Exception):
    """A request without a valid token (401) or without the scope it needs (403)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Tokens:
    """The tokens a service accepts, by hash."""

    def __init__(self, tokens: Iterable[Token]) -> None:
        self._by_digest = {t.digest: t for t in tokens}

    def __bool__(self) -> bool:
        return bool(self._by_digest)

    def check(self, authorization: str | None, scope: str) -> Token:
        """The token an `Authorization` header carries, if it has `scope`; Denied otherwise."""
        if not authorization or not authorization.startswith("Bearer "):
            raise Denied(401, "send a token: Authorization: Bearer TOKEN")
        found = self._by_digest.get(digest(authorization[7:].strip()))
        if found is None:
            raise Denied(401, "unknown token")
        if scope not in found.scopes:
            raise Denied(403, f"the token '{found.name}' lacks the scope '{scope}'")
        return found
