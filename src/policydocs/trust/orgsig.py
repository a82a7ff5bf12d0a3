"""Ledger records signed with the organisation's document-signing certificate.

The build signs published PDFs with the organisation's identity (PKCS#12,
``signing.py``); the same key signs the ``publish`` record that lists those
files (and ``issue`` records of forms), so cutting them from the ledger is
tampering with a signed record, not damage ``ledger repair`` may clean up.

A signed record carries ``"signer": "organisation"``, the signer's
certificate (and any intermediate certificates) in its payload, and
``"sig"``: the signature over the same bytes a person's Ed25519 signature
covers (``ledger.signed_bytes``). RSA keys sign PKCS#1 v1.5 / SHA-256, EC
keys ECDSA / SHA-256, Ed25519 keys plain Ed25519. A checker needs only the
project's trust root (the CA certificate): the certificate must chain to it
and be valid at the record's time.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa


@dataclass(frozen=True)
class OrgKey:
    """What signing a record needs: the private key and the DER certificates (signer first)."""

    private_key: object  # cryptography private key of the signing certificate
    certificate: bytes  # DER
    chain: tuple[bytes, ...] = ()  # DER of intermediates / the CA, as bundled in the PKCS#12

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.certificate).hexdigest()


def payload_fields(key: OrgKey) -> dict:
    """The certificate fields a signed record's payload carries."""
    return {"certificate": base64.b64encode(key.certificate).decode("ascii"),
            "chain": [base64.b64encode(c).decode("ascii") for c in key.chain]}


def sign(key: OrgKey, data: bytes) -> str:
    """Base64 signature of ``data`` with the organisation's key."""
    k = key.private_key
    if isinstance(k, rsa.RSAPrivateKey):
        raw = k.sign(data, padding.PKCS1v15(), hashes.SHA256())
    elif isinstance(k, ec.EllipticCurvePrivateKey):
        raw = k.sign(data, ec.ECDSA(hashes.SHA256()))
    elif isinstance(k, ed25519.Ed25519PrivateKey):
        raw = k.sign(data)
    else:
        raise TypeError(f"unsupported signing key type {type(k).__name__}")
    return base64.b64encode(raw).decode("ascii")


def load_trust_roots(path: Path) -> list[x509.Certificate]:
    """Certificates of a PEM (or DER) trust root file; ``OSError``/``ValueError`` when unreadable."""
    data = Path(path).read_bytes()
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def _verify_with(cert: x509.Certificate, signature: bytes, data: bytes) -> bool:
    pub = cert.public_key()
    try:
        if isinstance(pub, rsa.RSAPublicKey):
            pub.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(pub, ec.EllipticCurvePublicKey):
            pub.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(pub, ed25519.Ed25519PublicKey):
            pub.verify(signature, data)
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
        return True
    except (ValueError, TypeError, InvalidSignature):
        return False


def _chains_to(cert: x509.Certificate, chain: list[x509.Certificate], roots: list[x509.Certificate]) -> bool:
    root_fps = {r.fingerprint(hashes.SHA256()) for r in roots}
    current = cert
    for _ in range(len(chain) + 2):
        if current.fingerprint(hashes.SHA256()) in root_fps:
            return True
        if any(_issued_by(current, r) for r in roots):
            return True
        nxt = next((c for c in chain if c is not current and _issued_by(current, c)), None)
        if nxt is None or nxt is current:
            return False
        current = nxt
    return False


def check(payload: dict, signature: object, data: bytes, when: datetime,
          roots: list[x509.Certificate] | None) -> str | None:
    """``None`` when ``signature`` over ``data`` is the organisation's, else the problem.

    ``roots`` ``None`` means the trust root is not available: the signature is
    still checked against the certificate in the record, and the missing
    trust decision is the problem reported.
    """
    try:
        cert = x509.load_der_x509_certificate(base64.b64decode(payload.get("certificate", ""), validate=True))
        chain = [x509.load_der_x509_certificate(base64.b64decode(c, validate=True))
                 for c in payload.get("chain") or []]
        sig = base64.b64decode(signature if isinstance(signature, str) else "", validate=True)
    except (ValueError, TypeError):
        return "the organisation's certificate or signature in the record is malformed"
    if not _verify_with(cert, sig, data):
        return "the organisation's signature does not verify (record altered, or signed with another key)"
    if roots is None:
        return "the trust root is missing, so the organisation's certificate cannot be checked"
    if not _chains_to(cert, chain, roots):
        return (f"signed by {cert.subject.rfc4514_string()}, which does not chain to the trust root "
                f"({roots[0].subject.rfc4514_string() if roots else '?'})")
    if not (cert.not_valid_before_utc <= when <= cert.not_valid_after_utc):
        return (f"the organisation's certificate was not valid at the record's time {when.isoformat()} "
                f"(valid {cert.not_valid_before_utc.date()} – {cert.not_valid_after_utc.date()})")
    return None


def subject_of(payload: dict) -> str:
    """Human-readable subject of the certificate in a signed record ('' if unreadable)."""
    try:
        cert = x509.load_der_x509_certificate(base64.b64decode(payload.get("certificate", ""), validate=True))
    except (ValueError, TypeError):
        return ""
    return cert.subject.rfc4514_string()
