"""PDF signatures for published copies (PAdES via pyHanko) and their verification.

Trust model (see ``docs/signing.md``):

* The organisation's document-signing identity is a PKCS#12 file that never
  lives in the project: either the production file named by
  ``[signing] pkcs12`` in ``policydocs.toml`` or the demo identity that
  ``policydocs keys init-org`` writes to ``$XDG_CONFIG_HOME/policydocs/org/``.
  Only the *public* CA certificate (``[signing] trust_root``) is in the
  project, so anyone with the repository can check a copy.
* ``sign_pdf`` appends one invisible PAdES signature as an incremental update,
  so the unsigned PDF is a byte prefix of the signed file. The build records
  the hash of that prefix (``unsigned_sha256``) in ``build/manifest.json``; an
  auditor can re-render and compare without any key.
* ``validate_pdf`` accepts a file only when its single signature is intact,
  cryptographically valid, chains to the given trust root and covers the whole
  file (nothing appended after signing).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import logging
import os
import re
import shutil
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import pem
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from .. import __version__
from ..core.errors import PolicyError
from ..core.fsutil import atomic_write_bytes
from ..core.manifest import Artifact, Manifest, read_manifest
from ..read.config import Config, user_config_dir
from . import clock
from .orgsig import OrgKey
from .records import LedgerHead

#: Catalog entry of a published PDF naming the ledger head it was published under
#: (``"<seq> <sha256>"``), written in the signature's own revision so the signature covers it.
LEDGER_HEAD_KEY = "/PolicydocsLedgerHead"

#: Passphrase of the demo identity when ``$POLICYDOCS_SIGNING_PASSPHRASE`` (or
#: the configured variable) is not set. Only ever used for the demo identity
#: made by ``keys init-org``; a production PKCS#12 always needs the variable.
DEMO_PASSPHRASE = "policydocs-demo"

#: Name of the signature form field we create in every published PDF.
FIELD_NAME = "PolicydocsSignature"

#: CRL distribution point written into demo certificates (nothing is served there).
DEMO_CRL_URL = "http://localhost/policydocs-demo-ca.crl"

ORG_DIR_NAME = "org"
DEMO_P12_NAME = "org-signing.p12"

_REASON_RE = re.compile(r"^(?:发布|發布) (?P<policy_id>\S+) (?P<version>\S+) (?P<locale>\S+)$")


class SigningError(PolicyError):
    """A problem with the signing identity or with signing itself (CLI exit 2)."""

    def __init__(self, path: str | Path, message: str, line: int = 0):
        super().__init__(path, line, message)

    def __reduce__(self):  # survive the trip back from a build worker process
        d = self.diagnostic
        return (SigningError, (d.path, d.message, d.line))


# --------------------------------------------------------------------------- identity


def demo_identity_dir() -> Path:
    """Where ``keys init-org`` keeps the demo PKCS#12 (outside any repository)."""
    return user_config_dir() / ORG_DIR_NAME


def demo_identity_path() -> Path:
    return demo_identity_dir() / DEMO_P12_NAME


def _fast_signer_class():
    """A ``SimpleSigner`` that keeps the parsed private key.

    pyHanko's ``SimpleSigner.sign_raw`` re-parses the DER key on every
    signature; for RSA, ``cryptography`` then re-runs its key consistency
    checks, ~30 ms per PDF. Keeping the loaded key halves signing time.
    """
    # lazy: pyHanko's signer stack ≈ 200 ms at start-up; every command imports this module (through
    # the ledger and the publication record), only signing and validating a PDF need pyHanko
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.util import (
        get_pyca_cryptography_hash,
        process_pss_params,
    )

    class _KeptKeySigner(SimpleSigner):
        _pyca_key = None

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            key = self._pyca_key
            if key is None:
                return super().sign_raw(data, digest_algorithm)
            mech = self.get_signature_mechanism_for_digest(digest_algorithm)
            try:
                algo = mech.signature_algo
            except ValueError:
                algo = mech["algorithm"].native
            if algo == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
                return key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
            if algo == "rsassa_pss" and isinstance(key, RSAPrivateKey):
                padding, hash_algo = process_pss_params(mech["parameters"])
                return key.sign(data, padding, hash_algo)
            if algo == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
                return key.sign(data, ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
            return super().sign_raw(data, digest_algorithm)

    return _KeptKeySigner


@dataclass
class SigningIdentity:
    """A loaded signer: private key, its certificate and the chain above it."""

    signer: object  # pyhanko.sign.signers.SimpleSigner
    cert: object  # asn1crypto.x509.Certificate of the signer
    chain: list  # asn1crypto certificates from the PKCS#12 (CA first or any order)
    source: Path
    demo: bool = False
    private_key: object = None  # the cryptography private key (signs publish records, see orgsig.py)

    @property
    def subject(self) -> str:
        return self.cert.subject.human_friendly

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.cert.dump()).hexdigest()

    def org_key(self) -> OrgKey:
        """The key and certificates that sign ledger records in the organisation's name."""
        return OrgKey(self.private_key, self.cert.dump(), tuple(c.dump() for c in self.chain))


def load_pkcs12_identity(path: str | Path, passphrase: str | bytes | None, *, demo: bool = False) -> SigningIdentity:
    """Load a PKCS#12 file; ``SigningError`` naming the file when that fails."""
    from pyhanko.sign.signers import SimpleSigner  # lazy: pyHanko ≈ 200 ms, see _fast_signer_class

    path = Path(path)
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise SigningError(path, f"cannot read signing identity: {exc.strerror or exc}") from None
    pw = passphrase.encode("utf-8") if isinstance(passphrase, str) else passphrase
    try:
        key, cert, _ = pkcs12.load_key_and_certificates(blob, pw or None)
        base = SimpleSigner.load_pkcs12_data(blob, other_certs=[], passphrase=pw or None)
    except Exception:  # wrong passphrase, corrupt file
        raise SigningError(path, "cannot open the PKCS#12 file: wrong passphrase or not a PKCS#12 file") from None
    if key is None or cert is None:
        raise SigningError(path, "the PKCS#12 file holds no private key and certificate")
    signer = _fast_signer_class()(
        signing_cert=base.signing_cert,
        signing_key=base.signing_key,
        cert_registry=base.cert_registry,
    )
    signer._pyca_key = key
    asn_cert = base.signing_cert
    chain = [c for c in base.cert_registry if c != asn_cert]
    return SigningIdentity(signer=signer, cert=asn_cert, chain=chain, source=path, demo=demo, private_key=key)


def configured_pkcs12_path(config: Config) -> Path | None:
    """The production PKCS#12 named in ``policydocs.toml`` (``~`` expanded, relative to the project)."""
    if not config.signing.pkcs12:
        return None
    p = Path(os.path.expanduser(config.signing.pkcs12))
    return p if p.is_absolute() else config.root / p


def trust_root_path(config: Config) -> Path:
    p = Path(os.path.expanduser(config.signing.trust_root))
    return p if p.is_absolute() else config.root / p


def load_identity(config: Config) -> SigningIdentity | None:
    """The organisation's signing identity, or ``None`` when none exists.

    * ``[signing] pkcs12`` set: that file; its passphrase must be in the
      environment variable ``[signing] passphrase_env``. A configured file that
      is missing or does not open is an error (never a silent unsigned build).
    * otherwise the demo identity from ``keys init-org`` in the user config dir;
      passphrase from the variable, else :data:`DEMO_PASSPHRASE`.
    * ``None`` when neither exists: the build publishes unsigned and warns.
    """
    env = config.signing.passphrase_env
    passphrase = os.environ.get(env) if env else None
    path = configured_pkcs12_path(config)
    if path is not None:
        if not path.exists():
            raise SigningError(config.path, f"signing.pkcs12 points at {path}, which does not exist")
        if passphrase is None:
            raise SigningError(path, f"set the passphrase of the signing identity in ${env}")
        return load_pkcs12_identity(path, passphrase)
    path = demo_identity_path()
    if not path.exists():
        return None
    if passphrase is None:
        try:
            return load_pkcs12_identity(path, DEMO_PASSPHRASE, demo=True)
        except SigningError:
            raise SigningError(path, f"cannot open the demo signing identity: set its passphrase in ${env}") from None
    return load_pkcs12_identity(path, passphrase, demo=True)


def _is_inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def init_org(config: Config, *, passphrase: str, force: bool = False, days: int = 825) -> tuple[Path, Path]:
    """Create a demo CA and a document-signing certificate for trying things out.

    Writes the PKCS#12 (key + certificate + CA certificate, encrypted with
    ``passphrase``, mode 600) to ``user_config_dir()/org/org-signing.p12`` and
    the *public* CA certificate to the project at ``[signing] trust_root``.
    The CA private key is discarded after issuing the certificate: the demo CA
    can never issue anything else. Refuses to overwrite either file unless
    ``force``; refuses to write private material inside the project.
    Returns ``(p12_path, trust_root_path)``.
    """
    _OID_DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
    p12_path = demo_identity_path()
    root_path = trust_root_path(config)
    if _is_inside(p12_path, config.root):
        raise SigningError(p12_path, "refusing to write a private key inside the project; "
                                     "point XDG_CONFIG_HOME outside the repository")
    if not force:
        if root_path.exists():
            raise SigningError(root_path, "already exists; use --force to replace the organisation signing identity")
        if p12_path.exists():
            # the demo identity is per user, shared by their projects: give this project its CA certificate
            identity = load_pkcs12_identity(p12_path, passphrase, demo=True)
            ca = _root_of(identity)
            if ca is None:
                raise SigningError(p12_path, "already exists but holds no CA certificate; use --force to replace it")
            atomic_write_bytes(root_path, _pem(ca), mode=0o644, fsync=True)
            return p12_path, root_path
    if not passphrase:
        raise SigningError(p12_path, "an empty passphrase is not allowed")

    org = config.organisation.name or "policydocs"
    now = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
    # valid from the trust clock's "now" when that is earlier ($POLICYDOCS_NOW: demo seeding, tests), so records
    # the organisation signs at that time verify; the end stays relative to the real time
    start = min(now, clock.now().astimezone(_dt.timezone.utc)) - _dt.timedelta(hours=1)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, org), x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = name(f"{org} Demo Root CA (policydocs)")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(now + _dt.timedelta(days=days + 365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name(f"{org} 文件签章 (demo)")).issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(now + _dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        # emailProtection is what NSS (poppler's pdfsig, Firefox) and Adobe
        # accept for document signatures; id-kp-documentSigning (RFC 9336)
        # states the purpose for newer validators.
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, _OID_DOCUMENT_SIGNING]),
                       critical=False)
        # poppler 22.x reads NSS's *last* error code instead of the verify
        # result; without a CRL distribution point a harmless failed lookup
        # of that extension makes pdfsig report "Unknown issue" for a
        # certificate that NSS actually trusts. The demo CA publishes no CRL;
        # validators here run offline with soft-fail revocation checking.
        .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            [x509.UniformResourceIdentifier(DEMO_CRL_URL)], None, None, None)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    del ca_key  # the demo CA issues exactly one certificate
    p12 = pkcs12.serialize_key_and_certificates(
        f"{org} document signing".encode("utf-8"), key, cert, [ca_cert],
        serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
    )
    p12_path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(p12_path.parent, 0o700)
    atomic_write_bytes(p12_path, p12, mode=0o600, fsync=True)
    atomic_write_bytes(root_path, ca_cert.public_bytes(serialization.Encoding.PEM), mode=0o644, fsync=True)
    return p12_path, root_path


def _pem(cert) -> bytes:
    return pem.armor("CERTIFICATE", cert.dump())


def _root_of(identity: SigningIdentity):
    """The self-signed certificate at the top of the identity's chain, if the PKCS#12 holds it."""
    for c in identity.chain:
        if c.self_signed in ("maybe", "yes") and c.subject == c.issuer:
            return c
    return None


def identity_matches_trust_root(identity: SigningIdentity, config: Config) -> str | None:
    """``None`` when the identity's certificate is issued under the project's trust root, else why not.

    The build can warn before publishing copies that ``verify`` would reject
    (e.g. the demo identity was replaced with ``--force`` for another project).
    """
    path = trust_root_path(config)
    try:
        roots = _load_certs(path)
    except (OSError, ValueError):
        return f"trust root {path} is missing or unreadable"
    fps = {hashlib.sha256(r.dump()).digest() for r in roots}
    names = [r.subject for r in roots]
    if any(hashlib.sha256(c.dump()).digest() in fps for c in [identity.cert, *identity.chain]):
        return None
    if identity.cert.issuer in names and not identity.chain:
        return None  # chain not bundled; issuer name matches (signature checked at validation)
    return f"the signing certificate ({identity.subject}) is not issued under the trust root {path}"


def _project_rel(path: Path, config: Config) -> str:
    try:
        return str(path.relative_to(config.root))
    except ValueError:
        return str(path)


def require_identity(config: Config, identity: SigningIdentity | None = None) -> SigningIdentity:
    """The signing identity, checked against the project's trust root, or ``SigningError`` (exit 2)
    naming the command that fixes it. Publishing calls this before signing anything;
    previews (drafts, ``--no-sign``) never need it.

    ``identity`` is one already loaded with :func:`load_identity` (loaded here when ``None``).
    """
    identity = identity if identity is not None else load_identity(config)
    root = trust_root_path(config)
    shown = _project_rel(root, config)
    if identity is None:
        raise SigningError(config.path, "cannot publish signed copies: no signing identity. For trying things out run "
                           "`policydocs keys init-org` (a demo CA; its certificate goes to "
                           f"{shown}); in production set [signing] pkcs12 to the organisation's PKCS#12 and its "
                           f"passphrase in ${config.signing.passphrase_env}. Previews build with `--no-sign`.")
    if not root.exists():
        fix = ("`policydocs keys init-org` (writes the demo identity's CA certificate there)" if identity.demo
               else f"copying the CA certificate that issued {identity.subject} there")
        raise SigningError(root, f"cannot publish signed copies: the trust root {shown} is missing, so nobody could "
                                 f"check them. Fix it by {fix}, and commit it.")
    reason = identity_matches_trust_root(identity, config)
    if reason:
        fix = ("the demo identity on this computer was made for another project or replaced: run "
               "`policydocs keys init-org --force` only if this project should trust a new demo CA "
               "(copies signed before will no longer verify), or set [signing] pkcs12 to the identity issued under "
               f"{shown}" if identity.demo else
               f"set [signing] pkcs12 to the identity issued under {shown}, or, if the organisation's CA changed, "
               f"replace {shown} with the new CA certificate")
        raise SigningError(root, f"cannot publish signed copies: {reason}; copies signed now would fail "
                                 f"`policydocs verify`. Fix: {fix}.")
    return identity


# --------------------------------------------------------------------------- signing


def signing_reason(policy_id: str, version: str, locale: str) -> str:
    """``发布 HR-ATT-002 A/1 zh-Hans`` (``發布`` for Traditional locales); machine-readable, see :func:`parse_reason`."""
    verb = "發布" if locale.startswith("zh-Hant") else "发布"
    return f"{verb} {policy_id} {version} {locale}"


def parse_reason(reason: str | None) -> tuple[str, str, str] | None:
    """``(policy_id, version, locale)`` from a reason made by :func:`signing_reason`."""
    m = _REASON_RE.match(reason or "")
    return (m["policy_id"], m["version"], m["locale"]) if m else None


def _reserve_bytes(identity: SigningIdentity) -> int:
    """Room for the CMS blob: certificates + signature + signed attributes, with margin."""
    certs = sum(len(c.dump()) for c in [identity.cert, *identity.chain])
    return 2 * (certs + 1024) + 2048


def sign_pdf(
    pdf_bytes: bytes,
    identity: SigningIdentity,
    *,
    policy_id: str,
    version: str,
    locale: str,
    reason: str | None = None,
    location: str = "",
    contact: str = "",
    timestamp_url: str = "",
    timestamper=None,
    ledger_head: LedgerHead | None = None,
) -> bytes:
    """Sign a finished PDF (PAdES B-B; B-T with ``timestamp_url``/``timestamper``).

    The signature is an incremental update: the result starts with exactly
    ``pdf_bytes``. Page content is never touched. ``timestamper`` (a pyHanko
    ``TimeStamper``) overrides ``timestamp_url``; tests use it with pyHanko's
    ``DummyTimeStamper``. ``ledger_head`` (``publication.ledger_head(root)``)
    is written into the document catalog in the signature's revision, so the
    copy names the ledger record it was published under and the signature
    covers that.
    """
    # lazy: pyHanko ≈ 200 ms at start-up, see _fast_signer_class
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers.pdf_byterange import BuildProps
    from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
    from pyhanko.version import __version__ as pyhanko_version

    where = f"{policy_id} {version} {locale}"
    if not pdf_bytes.startswith(b"%PDF-"):
        raise SigningError(where, "cannot sign: not a PDF")

    def new_writer():
        try:
            return IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
        except (PdfReadError, ValueError) as exc:
            raise SigningError(where, f"cannot sign: unreadable PDF ({exc})") from None

    def prepared_writer():
        w = new_writer()
        if ledger_head is not None:
            w.root[LEDGER_HEAD_KEY] = generic.TextStringObject(ledger_head.text())
            w.update_root()
        return w

    writer = prepared_writer()
    if writer.prev.embedded_signatures:
        raise SigningError(where, "cannot sign: the PDF is already signed")
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or signing_reason(policy_id, version, locale),
        location=location or None,
        contact_info=contact or None,
        app_build_props=BuildProps(name="policydocs", revision=f"{__version__} (pyHanko {pyhanko_version})"),
    )
    if timestamper is None and timestamp_url:
        timestamper = HTTPTimeStamper(timestamp_url)
    pdf_signer = signers.PdfSigner(meta, identity.signer, timestamper=timestamper)
    # A fixed reservation avoids pyHanko's dry-run signature (half the time);
    # timestamp tokens vary in size, so let pyHanko estimate those.
    reserved = None if timestamper is not None else _reserve_bytes(identity)
    try:
        try:
            signed = pdf_signer.sign_pdf(writer, bytes_reserved=reserved).getvalue()
        except SigningError:
            raise
        except Exception:
            if reserved is None:
                raise
            # e.g. an unusually large certificate chain: let pyHanko size the signature itself
            signed = pdf_signer.sign_pdf(prepared_writer(), bytes_reserved=None).getvalue()
    except SigningError:
        raise
    except Exception as exc:
        if timestamper is not None and (isinstance(exc, (TimestampRequestError, OSError))
                                        or "timestamp" in type(exc).__name__.lower()):
            raise SigningError(where, f"time-stamp server {timestamp_url or 'configured'} failed: {exc}") from None
        raise SigningError(where, f"signing failed: {type(exc).__name__}: {exc}") from None
    if signed[: len(pdf_bytes)] != pdf_bytes:  # pragma: no cover - pyHanko guarantees this
        raise SigningError(where, "signing changed the original bytes")
    return signed


# --------------------------------------------------------------------------- validation


@dataclass
class SignatureCheck:
    """What :func:`validate_pdf` found. ``valid`` is the overall verdict."""

    valid: bool = False  # everything below holds and ``problems`` is empty
    signed: bool = False  # a signature is present
    intact: bool = False  # the signed bytes hash to the signed digest
    crypto_valid: bool = False  # the signature over that digest verifies with the signer's key
    trusted: bool = False  # the signer's certificate chains to the trust root
    covers_whole: bool = False  # nothing was appended after signing
    signer: str = ""
    reason: str = ""
    location: str = ""
    contact: str = ""
    signing_time: _dt.datetime | None = None
    timestamp: _dt.datetime | None = None  # PAdES B-T time-stamp token time, if any
    field_name: str = ""
    signed_prefix_sha256: str = ""  # hash of the PDF as it was before signing
    signed_prefix_size: int = 0
    ledger_head: LedgerHead | None = None  # the ledger record the copy was published under, if it names one
    problems: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.valid

    @property
    def ident(self) -> tuple[str, str, str] | None:
        """``(policy_id, version, locale)`` recorded in the signature reason."""
        return parse_reason(self.reason)


def _load_certs(trust_root_pem: Path | bytes | str) -> list:
    # lazy: asn1crypto.x509 ≈ 6 ms at start-up; only validation (pyHanko loaded by then) parses certificates
    from asn1crypto import x509 as asn1_x509

    if isinstance(trust_root_pem, (str, Path)):
        data = Path(trust_root_pem).read_bytes()
    else:
        data = trust_root_pem
    if pem.detect(data):
        return [asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]
    return [asn1_x509.Certificate.load(data)]


def _unsigned_prefix_len(reader, signed_revision: int, limit: int) -> int | None:
    """Length of the file as it was before the revision holding the signature."""
    if signed_revision < 1:
        return None
    info = reader.xrefs.get_xref_container_info(signed_revision - 1)
    stream = reader.stream
    stream.seek(0)
    data = stream.read(limit)
    eof = data.find(b"%%EOF", info.end_location)
    if eof < 0:
        return None
    end = eof + 5
    if data[end:end + 2] == b"\r\n":
        end += 2
    elif data[end:end + 1] in (b"\n", b"\r"):
        end += 1
    return end if end <= limit else None


class _ListHandler(logging.Handler):
    def __init__(self, sink: list[str]):
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


@contextmanager
def _pyhanko_warnings(sink: list[str]):
    """Collect pyHanko's warnings (e.g. a signature it ignores) instead of printing tracebacks."""
    logger = logging.getLogger("pyhanko")
    handler = _ListHandler(sink)
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def validate_pdf(data: bytes, trust_root_pem: Path | bytes, *, timestamp_roots: Path | bytes | None = None) -> SignatureCheck:
    """Check a signed PDF against the organisation's trust root (offline).

    ``valid`` only when there is exactly one signature, it is intact and
    cryptographically valid, its certificate chains to ``trust_root_pem`` and
    it covers the whole file. A time-stamp token (B-T) must be intact when
    present; it is trusted against ``timestamp_roots`` (default: the trust
    root), and an untrusted TSA is reported as a problem too.
    """
    # lazy: pyHanko's validation stack ≈ 200 ms at start-up, see _fast_signer_class
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    check = SignatureCheck()
    if not data.startswith(b"%PDF-"):
        check.problems.append("not a PDF file")
        return check
    try:
        roots = _load_certs(trust_root_pem)
    except (OSError, ValueError) as exc:
        check.problems.append(f"cannot read trust root: {exc}")
        return check
    warnings: list[str] = []
    try:
        with _pyhanko_warnings(warnings):
            reader = PdfFileReader(io.BytesIO(data), strict=False)
            sigs = list(reader.embedded_signatures)
    except Exception:  # a flipped byte can break the structure anywhere; never show parser internals
        check.problems.append("the PDF's structure is damaged: it cannot be read as a PDF")
        return check
    regular = [s for s in sigs if s.sig_object_type == "/Sig"]
    if not regular:
        if warnings:
            check.problems.extend(f"damaged signature: {w}" for w in warnings)
        else:
            check.problems.append("no signature: this is not a signed copy")
        return check
    check.signed = True
    if len(regular) > 1:
        check.problems.append(f"{len(regular)} signatures found; a published copy carries exactly one")
    sig = regular[0]
    sig_obj = sig.sig_object
    check.field_name = str(sig.field_name or "")
    check.reason = str(sig_obj.get("/Reason", "") or "")
    check.location = str(sig_obj.get("/Location", "") or "")
    check.contact = str(sig_obj.get("/ContactInfo", "") or "")
    try:
        check.signer = sig.signer_cert.subject.human_friendly
    except Exception:  # damaged CMS: reported below by the validation itself
        pass
    try:
        check.ledger_head = LedgerHead.parse(str(reader.root.get(LEDGER_HEAD_KEY, "") or ""))
    except Exception:  # a damaged catalog: the signature checks below report the damage
        check.ledger_head = None

    vc = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    ts_vc = vc
    if timestamp_roots is not None:
        ts_vc = ValidationContext(trust_roots=_load_certs(timestamp_roots), allow_fetching=False,
                                  revocation_mode="soft-fail")
    try:
        with _pyhanko_warnings(warnings):
            status = validate_pdf_signature(sig, vc, ts_validation_context=ts_vc)
    except Exception:  # pyHanko raises many kinds here; the user needs the verdict, not its internals
        check.problems.append("the signature cannot be checked: its data is damaged or of an unsupported kind")
        return check
    check.intact = bool(status.intact)
    check.crypto_valid = bool(status.valid)
    check.trusted = bool(status.trusted)
    check.covers_whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    check.signing_time = status.signer_reported_dt
    if not check.intact:
        check.problems.append("content changed after signing: the signed bytes no longer match the signature")
    elif not check.crypto_valid:
        check.problems.append("the signature value does not verify")
    if not check.trusted:
        anchor = roots[0].subject.human_friendly if roots else "?"
        check.problems.append(f"signer {check.signer!r} does not chain to the trust root ({anchor})")
    if not check.covers_whole:
        level = status.modification_level
        what = f"; modification level {level.name}" if level is not None else ""
        check.problems.append(f"the file was modified after signing (signature covers {status.coverage.name}{what})")
    ts = status.timestamp_validity
    if ts is not None:
        check.timestamp = ts.timestamp
        if not (ts.intact and ts.valid):
            check.problems.append("the signature time-stamp token is invalid")
        elif not ts.trusted:
            check.problems.append("the signature time-stamp comes from an untrusted time-stamp authority")

    limit = int(sig.byte_range[1]) if len(sig.byte_range) >= 2 else len(data)
    try:
        plen = _unsigned_prefix_len(reader, sig.signed_revision, limit)
    except Exception:
        plen = None
    if plen is None:
        check.problems.append("cannot locate the unsigned document inside the signed file")
    else:
        check.signed_prefix_size = plen
        check.signed_prefix_sha256 = hashlib.sha256(data[:plen]).hexdigest()
    check.valid = not check.problems and check.intact and check.crypto_valid and check.trusted and check.covers_whole
    return check


# --------------------------------------------------------------------------- manifest


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _safe_artifact_path(build_dir: Path, rel: str) -> Path | None:
    if not isinstance(rel, str) or not rel or rel.startswith(("/", "\\")) or ".." in Path(rel).parts:
        return None
    return build_dir / rel


def check_against_entry(data: bytes, check: SignatureCheck, entry: Artifact) -> list[str]:
    """Problems binding a validated signed file to its manifest entry."""
    problems: list[str] = []
    size = entry.unsigned_size
    want = entry.unsigned_sha256
    if not isinstance(size, int) or not isinstance(want, str):
        return ["manifest entry lacks unsigned_sha256/unsigned_size"]
    detected = check.signed_prefix_size
    # the renderer may end its file with extra blank lines after %%EOF; they belong to the unsigned PDF
    if detected and size != detected and not (size > detected and data[detected:size].strip() == b""):
        problems.append(f"unsigned content is {detected} bytes, manifest says {size}")
    if sha256_hex(data[:size]) != want:
        problems.append("unsigned content does not match the manifest (unsigned_sha256 differs)")
    ident = check.ident
    expected = (entry.policy_id, entry.version, entry.locale)
    if ident is None:
        problems.append(f"signature reason {check.reason!r} does not name policy, version and locale")
    elif entry.kind == "policy" and ident != expected:
        problems.append(f"signature is for {' '.join(ident)}, manifest entry is {' '.join(map(str, expected))}")
    return problems


def verify_published(build_dir: Path, trust_root: Path, *, manifest_path: Path | None = None,
                     prefix: str = "", pdfsig: bool = False,
                     checks: dict[str, "SignatureCheck"] | None = None) -> list[str]:
    """Problems with the published PDFs listed in ``build_dir/manifest.json``.

    For each PDF artifact: the file exists and matches the manifest's sha256
    and size; a draft carries no signature; any other PDF is signed, its
    signature is valid, trusted and covers the whole file, and the unsigned
    prefix matches ``unsigned_sha256``/``unsigned_size``. An empty list means
    all is well. Problems name the artifact path from the manifest, with
    ``prefix`` in front (e.g. ``"build/"``). With ``pdfsig`` (and poppler
    installed), every signed PDF pyHanko accepts must also pass poppler's
    ``pdfsig`` — a second, independent implementation. ``checks`` (if
    given) receives the signature check of every signed policy PDF by manifest
    path, for the ledger checks of ``trust/verify.py``.
    """
    build_dir = Path(build_dir)
    manifest_path = Path(manifest_path) if manifest_path else build_dir / "manifest.json"
    try:
        manifest = read_manifest(manifest_path, missing_ok=False, any_format=True)
    except PolicyError as exc:
        return [f"cannot read manifest {manifest_path}: {exc.diagnostic.message}"]
    assert manifest is not None  # missing_ok=False
    base = manifest.base(build_dir)
    if base != build_dir:  # paths relative to the project already name the folder
        prefix = ""
    root_pem: bytes | None = None
    root_error = ""
    try:
        root_pem = Path(trust_root).read_bytes()
    except OSError as exc:
        root_error = f"{trust_root}: cannot read trust root: {exc.strerror or exc}"
    problems: list[str] = []
    for i, entry in enumerate(manifest.artifacts):
        if entry.format != "pdf":
            continue
        rel = entry.path
        where = f"{prefix}{rel}" if rel else f"artifact #{i}"
        path = _safe_artifact_path(base, rel)
        if path is None:
            problems.append(f"{where}: unsafe path in manifest")
            continue
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            problems.append(f"{where}: missing")
            continue
        except OSError as exc:
            problems.append(f"{where}: cannot read: {exc.strerror or exc}")
            continue
        if entry.sha256 != sha256_hex(data):
            problems.append(f"{where}: sha256 differs from the manifest (file changed or replaced)")
        if entry.size and entry.size != len(data):
            problems.append(f"{where}: size {len(data)} differs from the manifest ({entry.size})")
        if entry.draft:
            if entry.signed:
                problems.append(f"{where}: a draft is marked signed; drafts are never signed")
            if has_signature(data):
                problems.append(f"{where}: a draft carries a signature; drafts are never signed")
            continue
        if not entry.signed:
            problems.append(f"{where}: published without a signature")
            continue
        if root_pem is None:
            if root_error not in problems:
                problems.insert(0, root_error)
            continue
        check = validate_pdf(data, root_pem)
        if checks is not None and entry.kind == "policy":
            checks[rel] = check
        problems.extend(f"{where}: {p}" for p in check.problems)
        if check.signed:
            problems.extend(f"{where}: {p}" for p in check_against_entry(data, check, entry))
        if check.valid and pdfsig and pdfsig_available():
            res = pdfsig_check(path)
            if not (res.signatures == 1 and res.valid and res.total_document_signed):
                problems.append(f"{where}: poppler's pdfsig does not accept the signature")
    return problems


def has_signature(data: bytes) -> bool:
    """Whether a PDF carries any signature field with a value (no trust decision)."""
    if b"/ByteRange" not in data:
        return False
    from pyhanko.pdf_utils.reader import PdfFileReader  # lazy: pyHanko's PDF reader ≈ 50 ms at start-up

    try:
        return bool(PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures)
    except Exception:
        return True  # something signature-like that does not parse: treat as present


def find_manifest_entry(manifest: Manifest, data: bytes, check: SignatureCheck) -> tuple[Artifact | None, str]:
    """The manifest entry for a file: by file hash, else by unsigned hash. Returns (entry, how)."""
    digest = sha256_hex(data)
    pdfs = [a for a in manifest.artifacts if a.format == "pdf"]
    for a in pdfs:
        if a.sha256 == digest:
            return a, "file"
    if check.signed_prefix_sha256:
        for a in pdfs:
            if a.unsigned_sha256 == check.signed_prefix_sha256:
                return a, "content"
    return None, ""


# --------------------------------------------------------------------------- pdfsig


@dataclass
class PdfsigResult:
    """poppler's ``pdfsig`` verdict, parsed from its text (it exits 0 even on failure)."""

    signatures: int
    valid: bool  # every signature: "Signature Validation: Signature is Valid."
    total_document_signed: bool  # the last signature: "Total document signed"
    trusted: bool  # every signature: "Certificate Validation: Certificate is Trusted."
    output: str


def pdfsig_available() -> bool:
    return shutil.which("pdfsig") is not None


def pdfsig_check(path: Path, *, nssdir: Path | None = None) -> PdfsigResult:
    """Run ``pdfsig -no-ocsp`` offline on ``path`` and parse its report."""
    cmd = ["pdfsig", "-no-ocsp"]
    if nssdir is not None:
        cmd += ["-nssdir", f"sql:{nssdir}"]
    proc = subprocess.run([*cmd, str(path)], capture_output=True, text=True, timeout=60)
    out = proc.stdout + proc.stderr
    blocks = re.split(r"^Signature #\d+:", out, flags=re.M)[1:]
    valid = bool(blocks) and all("Signature Validation: Signature is Valid." in b for b in blocks)
    trusted = bool(blocks) and all("Certificate Validation: Certificate is Trusted." in b for b in blocks)
    whole = bool(blocks) and "Total document signed" in blocks[-1]
    return PdfsigResult(len(blocks), valid, whole, trusted, out)
