"""Signed values: personal links, reading proofs, HR session cookies (HMAC-SHA256, stdlib).

A personal link is ``/a/<token id>.<expires>.<signature>``: the signature
covers id and expiry, so a forged or altered link is refused before the
database is asked; the id names a row in ``tokens`` (campaign, employee);
``acknowledgements.token_id`` is unique, so a link confirms once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass

_TOKEN = re.compile(r"^([A-Za-z0-9_-]{16,32})\.(\d{9,11})\.([A-Za-z0-9_-]{22,44})$")


class BadSignature(ValueError):
    """Forged, altered or malformed."""


class Expired(ValueError):
    """Correctly signed, but too old."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Signer:
    """HMAC with one secret, separated by purpose so a value of one kind is never valid as another."""

    secret: bytes

    def sign(self, purpose: str, message: str) -> str:
        mac = hmac.new(self.secret, f"{purpose}\n{message}".encode("utf-8"), hashlib.sha256).digest()
        return _b64(mac[:24])

    def check(self, purpose: str, message: str, signature: str) -> bool:
        return hmac.compare_digest(self.sign(purpose, message), signature)

    # -- personal links -----------------------------------------------------
    def link_token(self, token_id: str, expires: int) -> str:
        return f"{token_id}.{expires}.{self.sign('link', f'{token_id}.{expires}')}"

    def open_link_token(self, token: str, *, now: float | None = None) -> tuple[str, int]:
        """(token id, expires) of a genuine link; BadSignature or Expired otherwise."""
        m = _TOKEN.match(token or "")
        if not m or not self.check("link", f"{m.group(1)}.{m.group(2)}", m.group(3)):
            raise BadSignature("not a valid link")
        expires = int(m.group(2))
        if expires < (now if now is not None else time.time()):
            raise Expired("link expired")
        return m.group(1), expires

    # -- structured values (reading proof, cookies) ---------------------------
    def dumps(self, purpose: str, data: dict, max_age: int) -> str:
        payload = _b64(json.dumps(dict(data, _exp=int(time.time()) + max_age), separators=(",", ":"),
                                  ensure_ascii=False).encode("utf-8"))
        return f"{payload}.{self.sign(purpose, payload)}"

    def loads(self, purpose: str, value: str) -> dict:
        payload, _, sig = (value or "").partition(".")
        if not payload or not sig or not self.check(purpose, payload, sig):
            raise BadSignature(purpose)
        try:
            data = json.loads(_unb64(payload))
        except ValueError:
            raise BadSignature(purpose) from None
        if not isinstance(data, dict) or data.get("_exp", 0) < time.time():
            raise Expired(purpose)
        data.pop("_exp")
        return data
