"""Signed copies (issue #6): identity, signing, validation with pyHanko and pdfsig, tampering.

Every test makes its own demo CA under a tmp XDG_CONFIG_HOME; nothing touches
the real home. Sample PDFs come from our Typst engine directly (no dependency on the
project's renderer).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from policydocs.core.manifest import Artifact
from policydocs.read.config import load_config
from policydocs.trust import signing

PDFSIG = shutil.which("pdfsig")
CERTUTIL = shutil.which("certutil")
needs_pdfsig = pytest.mark.skipif(not PDFSIG, reason="poppler-utils (pdfsig) not installed")


# --------------------------------------------------------------------------- fixtures


def _render(*pages: str) -> bytes:
    """A PDF/A-2b from our PDF engine, one page per text."""
    from policydocs.render.typst.engine import engine_for
    from policydocs.render.typst.escape import markup

    body = "\n#pagebreak()\n".join(markup(p) for p in pages)
    return engine_for(None).compile((), f'#set text(font: "Noto Sans CJK SC", lang: "zh")\n{body}\n')


@pytest.fixture(scope="module")
def unsigned_pdf() -> bytes:
    return _render("考勤管理制度　第一条　为加强考勤管理，维护工作秩序，特制定本制度。",
                   "第二条　上班时间开始后五分钟至三十分钟内到岗的，按迟到处理。")


@pytest.fixture(scope="module")
def other_pdf() -> bytes:
    return _render("另一份文件：请假管理制度")


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    """A project with a demo identity made by init_org (module-scoped: key generation costs ~0.1 s)."""
    base = tmp_path_factory.mktemp("org")
    project = base / "project"
    project.mkdir()
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_CONFIG_HOME", str(base / "xdg"))
    mp.delenv("POLICYDOCS_SIGNING_PASSPHRASE", raising=False)
    config = load_config(project)
    p12, root = signing.init_org(config, passphrase=signing.DEMO_PASSPHRASE)
    identity = signing.load_identity(config)
    yield {"project": project, "config": config, "p12": p12, "root": root, "identity": identity, "base": base}
    mp.undo()


@pytest.fixture(scope="module")
def signed_pdf(org, unsigned_pdf) -> bytes:
    return signing.sign_pdf(unsigned_pdf, org["identity"], policy_id="HR-ATT-002", version="A/1",
                            locale="zh-Hans", location="上海", contact="hr@example.com")


@pytest.fixture(scope="module")
def nssdir(org, tmp_path_factory):
    """An NSS database trusting the demo CA, so pdfsig can judge the certificate too."""
    if not CERTUTIL:
        pytest.skip("certutil (libnss3-tools) not installed: pdfsig cannot be given a trust root")
    d = tmp_path_factory.mktemp("nss")
    subprocess.run(["certutil", "-N", "-d", f"sql:{d}", "--empty-password"], check=True, capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{d}", "-n", "org-ca", "-t", "C,C,C", "-i", str(org["root"])],
                   check=True, capture_output=True)
    return d


@pytest.fixture
def fresh_xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("POLICYDOCS_SIGNING_PASSPHRASE", raising=False)
    project = tmp_path / "project"
    project.mkdir()
    return project


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


# --------------------------------------------------------------------------- identity


def test_init_org_keeps_private_key_out_of_project(org):
    p12, root = org["p12"], org["root"]
    assert p12 == Path(os.environ["XDG_CONFIG_HOME"]) / "policydocs" / "org" / "org-signing.p12"
    assert stat.S_IMODE(p12.stat().st_mode) == 0o600
    assert stat.S_IMODE(p12.parent.stat().st_mode) == 0o700
    assert root == org["project"] / "keys" / "org-ca.pem"
    text = root.read_text()
    assert "BEGIN CERTIFICATE" in text and "PRIVATE" not in text
    # nothing private anywhere in the project
    for f in org["project"].rglob("*"):
        if f.is_file():
            assert b"PRIVATE KEY" not in f.read_bytes() and f.suffix not in (".p12", ".pfx", ".key")
    ident = org["identity"]
    assert ident.demo and "示例公司" in ident.subject
    assert len(ident.chain) == 1  # the demo CA certificate travels in the PKCS#12


def test_init_org_refuses_to_overwrite_without_force(fresh_xdg):
    config = load_config(fresh_xdg)
    p12, root = signing.init_org(config, passphrase="s3cret")
    first = root.read_bytes()
    with pytest.raises(signing.SigningError, match="already exists"):
        signing.init_org(config, passphrase="s3cret")
    assert root.read_bytes() == first
    signing.init_org(config, passphrase="s3cret", force=True)
    assert root.read_bytes() != first  # a new CA


def test_init_org_refuses_private_key_inside_project(tmp_path, monkeypatch):
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(project / ".config"))
    with pytest.raises(signing.SigningError, match="inside the project"):
        signing.init_org(load_config(project), passphrase="x")
    assert not (project / ".config").exists()


def test_load_identity_none_when_nothing_configured(fresh_xdg):
    assert signing.load_identity(load_config(fresh_xdg)) is None


def test_load_identity_passphrase_from_environment(fresh_xdg, monkeypatch):
    config = load_config(fresh_xdg)
    signing.init_org(config, passphrase="correct horse")
    with pytest.raises(signing.SigningError, match="POLICYDOCS_SIGNING_PASSPHRASE"):
        signing.load_identity(config)  # demo default does not open it
    monkeypatch.setenv("POLICYDOCS_SIGNING_PASSPHRASE", "wrong")
    with pytest.raises(signing.SigningError, match="wrong passphrase"):
        signing.load_identity(config)
    monkeypatch.setenv("POLICYDOCS_SIGNING_PASSPHRASE", "correct horse")
    assert signing.load_identity(config).demo


def test_configured_pkcs12_relative_to_project(org, tmp_path, monkeypatch):
    project = tmp_path / "prod"
    project.mkdir()
    (project / "policydocs.toml").write_text('[signing]\npkcs12 = "../secret/org.p12"\npassphrase_env = "ORG_P12_PW"\n',
                                             encoding="utf-8")
    config = load_config(project)
    monkeypatch.delenv("ORG_P12_PW", raising=False)
    with pytest.raises(signing.SigningError, match="does not exist"):
        signing.load_identity(config)
    (tmp_path / "secret").mkdir()
    shutil.copy(org["p12"], tmp_path / "secret" / "org.p12")
    with pytest.raises(signing.SigningError, match="ORG_P12_PW"):
        signing.load_identity(config)  # production files never fall back to the demo passphrase
    monkeypatch.setenv("ORG_P12_PW", signing.DEMO_PASSPHRASE)
    ident = signing.load_identity(config)
    assert not ident.demo and ident.fingerprint == org["identity"].fingerprint


# --------------------------------------------------------------------------- signing + validation


def test_signed_pdf_validates_with_pyhanko(org, unsigned_pdf, signed_pdf):
    check = signing.validate_pdf(signed_pdf, org["root"])
    assert check.problems == []
    assert check.valid and check.intact and check.crypto_valid and check.trusted and check.covers_whole
    assert check.reason == "发布 HR-ATT-002 A/1 zh-Hans"
    assert check.ident == ("HR-ATT-002", "A/1", "zh-Hans")
    assert check.location == "上海" and check.contact == "hr@example.com"
    assert check.field_name == signing.FIELD_NAME
    assert "示例公司" in check.signer
    assert check.timestamp is None  # B-B: no timestamp server configured
    assert b"/ETSI.CAdES.detached" in signed_pdf  # PAdES subfilter


def test_signing_never_changes_page_content(unsigned_pdf, signed_pdf, org):
    # incremental update: the unsigned PDF is a byte prefix of the signed one
    assert signed_pdf[: len(unsigned_pdf)] == unsigned_pdf
    check = signing.validate_pdf(signed_pdf, org["root"])
    assert check.signed_prefix_size == len(unsigned_pdf)
    assert check.signed_prefix_sha256 == signing.sha256_hex(unsigned_pdf)


def test_refuses_to_sign_twice_or_non_pdf(org, signed_pdf):
    with pytest.raises(signing.SigningError, match="already signed"):
        signing.sign_pdf(signed_pdf, org["identity"], policy_id="X", version="A/0", locale="zh-Hans")
    with pytest.raises(signing.SigningError, match="not a PDF"):
        signing.sign_pdf(b"hello", org["identity"], policy_id="X", version="A/0", locale="zh-Hans")


def test_untrusted_root_is_reported(signed_pdf, tmp_path, monkeypatch):
    # a second, unrelated demo CA
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    other = tmp_path / "other"
    other.mkdir()
    _, other_root = signing.init_org(load_config(other), passphrase="x")
    check = signing.validate_pdf(signed_pdf, other_root)
    assert check.intact and check.covers_whole
    assert not check.trusted and not check.valid
    assert any("trust root" in p for p in check.problems)


def test_unsigned_pdf_is_not_authentic(org, unsigned_pdf):
    check = signing.validate_pdf(unsigned_pdf, org["root"])
    assert not check.valid and not check.signed
    assert check.problems == ["no signature: this is not a signed copy"]


@needs_pdfsig
def test_pdfsig_accepts_signed_pdf(signed_pdf, tmp_path):
    res = signing.pdfsig_check(_write(tmp_path, "signed.pdf", signed_pdf))
    assert res.signatures == 1, res.output
    assert res.valid and "Signature Validation: Signature is Valid." in res.output
    assert res.total_document_signed and "Total document signed" in res.output
    assert "ETSI.CAdES.detached" in res.output


@needs_pdfsig
def test_pdfsig_trusts_demo_ca_given_nss_db(signed_pdf, tmp_path, nssdir):
    res = signing.pdfsig_check(_write(tmp_path, "signed.pdf", signed_pdf), nssdir=nssdir)
    assert res.valid and res.total_document_signed, res.output
    assert res.trusted, res.output  # "Certificate Validation: Certificate is Trusted."


@needs_pdfsig
def test_pdfsig_parser_sees_unsigned(unsigned_pdf, tmp_path):
    res = signing.pdfsig_check(_write(tmp_path, "u.pdf", unsigned_pdf))
    assert res.signatures == 0 and not res.valid and not res.total_document_signed


# --------------------------------------------------------------------------- tampering


def _flip(data: bytes, pos: int, new: bytes | None = None) -> bytes:
    b = bytearray(data)
    b[pos] = new[0] if new else b[pos] ^ 0x01
    return bytes(b)


def _tamper_cases(unsigned: bytes, signed: bytes) -> dict[str, bytes]:
    contents = signed.index(b"/Contents <", len(unsigned)) + len(b"/Contents <")
    reason = signed.index("发布".encode("utf-16-be")[:2], len(unsigned)) if "发布".encode("utf-16-be")[:2] in signed[len(unsigned):] else None
    der = bytes.fromhex(signed[contents:signed.index(b">", contents)].decode())
    assert der[0] == 0x30 and der[1] & 0x80
    n = der[1] & 0x7F
    der_len = 2 + n + int.from_bytes(der[2:2 + n], "big")
    sigval = contents + 2 * (der_len - 20)
    cases = {
        # a byte of the page content stream (compressed) in the original document
        "page content": _flip(signed, len(unsigned) // 2),
        # the PDF header comment / first object
        "start of file": _flip(signed, 20),
        # the signature value itself: the last bytes of the DER CMS blob (hex digit → another hex digit)
        "signature value": _flip(signed, sigval, b"0" if signed[sigval:sigval + 1] != b"0" else b"1"),
        # the signature dictionary, after /Contents (covered by the second byte range)
        "signature dictionary": _flip(signed, signed.index(b"/M ", contents) + 5),
        # the very last byte (trailer %%EOF area)
        "last byte": _flip(signed, len(signed) - 3),
    }
    if reason is not None:
        cases["reason"] = _flip(signed, reason)
    return cases


def test_flipped_bytes_are_caught_by_pyhanko(org, unsigned_pdf, signed_pdf):
    for name, data in _tamper_cases(unsigned_pdf, signed_pdf).items():
        check = signing.validate_pdf(data, org["root"])
        assert not check.valid, name
        assert check.problems, name


@needs_pdfsig
def test_flipped_bytes_are_caught_by_pdfsig(org, unsigned_pdf, signed_pdf, tmp_path):
    for name, data in _tamper_cases(unsigned_pdf, signed_pdf).items():
        res = signing.pdfsig_check(_write(tmp_path, "t.pdf", data))
        assert not (res.valid and res.total_document_signed), f"{name}: {res.output}"


def _append_page_incrementally(signed: bytes) -> bytes:
    """What a PDF editor does when it adds a page and saves: an incremental update."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    w = IncrementalPdfFileWriter(io.BytesIO(signed))
    content = generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 720 Td (APPENDED) Tj ET")
    page = generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/Page"),
        generic.pdf_name("/MediaBox"): generic.ArrayObject([generic.NumberObject(x) for x in (0, 0, 595, 842)]),
        generic.pdf_name("/Resources"): generic.DictionaryObject(),
        generic.pdf_name("/Contents"): w.add_object(content),
    })
    w.insert_page(page)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def test_appended_page_is_caught(org, signed_pdf, tmp_path):
    data = _append_page_incrementally(signed_pdf)
    check = signing.validate_pdf(data, org["root"])
    assert check.intact  # the signed revision is untouched …
    assert not check.covers_whole and not check.valid  # … but something was added after it
    assert any("modified after signing" in p for p in check.problems)
    if PDFSIG:
        res = signing.pdfsig_check(_write(tmp_path, "appended.pdf", data))
        assert res.signatures == 1 and not res.total_document_signed, res.output
        assert "Total document signed" not in res.output


@needs_pdfsig
def test_page_appended_with_pdfunite_is_caught(org, signed_pdf, other_pdf, tmp_path):
    a = _write(tmp_path, "signed.pdf", signed_pdf)
    b = _write(tmp_path, "other.pdf", other_pdf)
    out = tmp_path / "merged.pdf"
    subprocess.run(["pdfunite", str(a), str(b), str(out)], check=True, capture_output=True)
    data = out.read_bytes()
    check = signing.validate_pdf(data, org["root"])
    assert not check.valid and check.problems
    res = signing.pdfsig_check(out)
    assert not (res.valid and res.total_document_signed), res.output


def test_trailing_garbage_is_caught(org, signed_pdf):
    check = signing.validate_pdf(signed_pdf + b"\n% appended\n", org["root"])
    assert not check.valid and not check.covers_whole


# --------------------------------------------------------------------------- B-T


@functools.lru_cache(maxsize=1)
def _test_tsa():
    """A throw-away CA + TSA certificate for pyHanko's DummyTimeStamper (RSA-only)."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.timezone.utc)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA Root")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")]))
           .issuer_name(ca_name).public_key(tsa_key.public_key()).serial_number(2)
           .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
           .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
           .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
           .sign(ca_key, hashes.SHA256()))
    der = serialization.Encoding.DER
    key_der = tsa_key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return (asn1_x509.Certificate.load(tsa.public_bytes(der)), asn1_keys.PrivateKeyInfo.load(key_der),
            asn1_x509.Certificate.load(ca.public_bytes(der)), ca.public_bytes(serialization.Encoding.PEM))


def test_pades_b_t_with_timestamper(org, unsigned_pdf, tmp_path):
    from pyhanko.sign.timestamps import DummyTimeStamper

    tsa_cert, tsa_key, tsa_root, tsa_root_pem = _test_tsa()
    ts = DummyTimeStamper(tsa_cert=tsa_cert, tsa_key=tsa_key, certs_to_embed=[tsa_root])
    data = signing.sign_pdf(unsigned_pdf, org["identity"], policy_id="HR-ATT-002", version="A/1",
                            locale="zh-Hant-TW", timestamper=ts)
    check = signing.validate_pdf(data, org["root"], timestamp_roots=tsa_root_pem)
    assert check.valid, check.problems
    assert check.reason == "發布 HR-ATT-002 A/1 zh-Hant-TW"
    assert check.ident == ("HR-ATT-002", "A/1", "zh-Hant-TW")
    assert check.timestamp is not None
    assert abs((check.timestamp - dt.datetime.now(dt.timezone.utc)).total_seconds()) < 120
    # a TSA the verifier does not trust is reported
    untrusted = signing.validate_pdf(data, org["root"])
    assert not untrusted.valid and any("time-stamp" in p for p in untrusted.problems)
    if PDFSIG:
        res = signing.pdfsig_check(_write(tmp_path, "bt.pdf", data))
        assert res.valid and res.total_document_signed, res.output


def test_timestamp_url_selects_http_timestamper(org, unsigned_pdf, monkeypatch):
    """B-T is requested from the configured server (no network here: the client is intercepted)."""
    from pyhanko.sign import timestamps

    seen = {}

    class FakeHTTP(timestamps.DummyTimeStamper):
        def __init__(self, url, *a, **kw):
            seen["url"] = url
            cert, key, root, _ = _test_tsa()
            super().__init__(tsa_cert=cert, tsa_key=key, certs_to_embed=[root])

    monkeypatch.setattr(timestamps, "HTTPTimeStamper", FakeHTTP)
    data = signing.sign_pdf(unsigned_pdf, org["identity"], policy_id="A", version="A/0", locale="zh-Hans",
                            timestamp_url="http://tsa.example/tsr")
    assert seen["url"] == "http://tsa.example/tsr"
    assert signing.validate_pdf(data, org["root"]).timestamp is not None


def test_damaged_signature_dictionary_reported_quietly(org, signed_pdf, capfd):
    i = signed_pdf.index(b"/ETSI.CAdES.detached")
    data = signed_pdf[:i + 7] + b"X" + signed_pdf[i + 8:]  # /ETSI.CXdES.detached: same length
    check = signing.validate_pdf(data, org["root"])
    assert not check.valid
    assert any(p.startswith("damaged signature") for p in check.problems), check.problems
    out, err = capfd.readouterr()
    assert "Traceback" not in err and "Traceback" not in out  # pyHanko's warning goes into problems


@pytest.mark.parametrize("variant", ["xref stream", "no final EOL", "CRLF", "blank lines after EOF"])
def test_unsigned_prefix_found_in_pdf_variants(org, unsigned_pdf, variant):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PdfFileWriter

    if variant == "xref stream":
        w = PdfFileWriter(stream_xrefs=True)
        w.insert_page(generic.DictionaryObject({
            generic.pdf_name("/Type"): generic.pdf_name("/Page"),
            generic.pdf_name("/MediaBox"): generic.ArrayObject([generic.NumberObject(x) for x in (0, 0, 595, 842)]),
            generic.pdf_name("/Resources"): generic.DictionaryObject()}))
        buf = io.BytesIO()
        w.write(buf)
        pdf = buf.getvalue()
    else:
        body = unsigned_pdf.rstrip(b"\r\n")
        pdf = body + {"no final EOL": b"", "CRLF": b"\r\n", "blank lines after EOF": b"\n\n\n"}[variant]
    signed = signing.sign_pdf(pdf, org["identity"], policy_id="HR-ATT-002", version="A/1", locale="zh-Hans")
    check = signing.validate_pdf(signed, org["root"])
    assert check.valid, check.problems
    entry = {"policy_id": "HR-ATT-002", "version": "A/1", "locale": "zh-Hans", "kind": "policy",
             "unsigned_sha256": signing.sha256_hex(pdf), "unsigned_size": len(pdf)}
    assert signing.check_against_entry(signed, check, Artifact.from_json(entry)) == []
    wrong = dict(entry, unsigned_sha256=signing.sha256_hex(pdf + b"x"))
    assert signing.check_against_entry(signed, check, Artifact.from_json(wrong))


def test_unreachable_timestamp_server_is_a_clear_error(org, unsigned_pdf):
    with pytest.raises(signing.SigningError, match="time-stamp server http://127.0.0.1:9/tsr failed"):
        signing.sign_pdf(unsigned_pdf, org["identity"], policy_id="A", version="A/0", locale="zh-Hans",
                         timestamp_url="http://127.0.0.1:9/tsr")


def test_too_small_reservation_falls_back_to_pyhanko_estimate(org, unsigned_pdf, monkeypatch):
    monkeypatch.setattr(signing, "_reserve_bytes", lambda identity: 64)
    data = signing.sign_pdf(unsigned_pdf, org["identity"], policy_id="A", version="A/0", locale="zh-Hans")
    assert signing.validate_pdf(data, org["root"]).valid


def test_second_project_reuses_the_users_identity(fresh_xdg, tmp_path):
    a = load_config(fresh_xdg)
    p12, root_a = signing.init_org(a, passphrase="pw-1")
    b_dir = tmp_path / "project-b"
    b_dir.mkdir()
    b = load_config(b_dir)
    with pytest.raises(signing.SigningError, match="wrong passphrase"):
        signing.init_org(b, passphrase="other")
    p12_b, root_b = signing.init_org(b, passphrase="pw-1")
    assert p12_b == p12 and root_b.read_bytes() == root_a.read_bytes()
    ident = signing.load_pkcs12_identity(p12, "pw-1")
    assert signing.identity_matches_trust_root(ident, a) is None
    assert signing.identity_matches_trust_root(ident, b) is None
    # replacing the identity for B leaves A's trust root behind: the build can warn
    signing.init_org(b, passphrase="pw-2", force=True)
    new = signing.load_pkcs12_identity(p12, "pw-2")
    assert signing.identity_matches_trust_root(new, b) is None
    assert "not issued under the trust root" in signing.identity_matches_trust_root(new, a)
    (fresh_xdg / "keys" / "org-ca.pem").unlink()
    assert "missing" in signing.identity_matches_trust_root(new, a)
