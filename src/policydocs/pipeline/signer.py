"""The organisation's signing identity, as one build uses it."""

from __future__ import annotations

import hashlib
from functools import cached_property

from ..read.config import Config
from ..trust import signing


class Signer:
    """Loaded once, and only when a released file is signed (decrypting a PKCS#12 takes
    0.3–0.6 s that a build of previews saves)."""

    def __init__(self, config: Config, *, enabled: bool):
        self.config, self.enabled = config, enabled

    @cached_property
    def identity(self) -> signing.SigningIdentity:
        """The identity, checked against the trust root. Without an identity, or with one the
        trust root does not vouch for, ``require_identity`` stops the build (exit 2, naming
        the fix): released copies are never published unsigned."""
        return signing.require_identity(self.config)

    def require(self) -> signing.SigningIdentity:
        """The identity, or a SigningError (exit 2) that says how to set one up."""
        return self.identity

    def fingerprint(self, released: bool) -> str:
        """What a cache key records of the signer: nothing for a draft (it is never signed);
        for a released file, hashes of the identity's PKCS#12 file and of the trust root —
        read, not decrypted."""
        return self._files_hash if released else ""

    @cached_property
    def _files_hash(self) -> str:
        if not self.enabled:
            return "unsigned"
        h = hashlib.sha256()
        for path in (signing.configured_pkcs12_path(self.config) or signing.demo_identity_path(),
                     signing.trust_root_path(self.config)):
            h.update(path.read_bytes() if path.is_file() else b"-")
        return h.hexdigest()
