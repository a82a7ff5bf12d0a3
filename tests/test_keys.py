"""Keys (private key files, people.yaml, signatures) and version schemes."""

from __future__ import annotations

import stat

import pytest
from test_ledger_support import isolate_env

from policydocs.core import versioning
from policydocs.core.errors import PolicyError
from policydocs.trust import keys as keymod


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    isolate_env(monkeypatch, tmp_path)


def test_private_key_location_and_mode(tmp_path):
    k = keymod.generate_private_key()
    path = keymod.save_private_key(k, "张三")
    assert path == tmp_path / "xdg" / "policydocs" / "keys" / "张三.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keymod.public_key_text(keymod.load_private_key("张三")) == keymod.public_key_text(k)
    with pytest.raises(PolicyError, match="refusing to overwrite"):
        keymod.save_private_key(keymod.generate_private_key(), "张三")


def test_passphrase(monkeypatch):
    k = keymod.generate_private_key()
    keymod.save_private_key(k, "李四", b"secret")
    with pytest.raises(PolicyError, match="encrypted"):
        keymod.load_private_key("李四")  # no env, no terminal
    monkeypatch.setenv(keymod.PASSPHRASE_ENV, "secret")
    assert keymod.public_key_text(keymod.load_private_key("李四")) == keymod.public_key_text(k)


@pytest.mark.parametrize("bad", ["../x", "a/b", ".hidden", "", "x" * 65, "tab\there"])
def test_person_names_cannot_escape_key_dir(bad):
    with pytest.raises(PolicyError):
        keymod.key_path(bad)


def test_signatures_and_fingerprints():
    k = keymod.generate_private_key()
    pub = keymod.parse_public_key(keymod.public_key_text(k))
    sig = keymod.sign(k, b"data")
    assert keymod.verify_signature(pub, sig, b"data")
    assert not keymod.verify_signature(pub, sig, b"datA")
    assert not keymod.verify_signature(pub, "not base64!", b"data")
    fp = keymod.fingerprint(keymod.public_key_text(k))
    assert fp.startswith("SHA256:") and len(fp) == 7 + 64


def test_people_yaml_roundtrip(tmp_path):
    k = keymod.generate_private_key()
    p = keymod.Person("张三", ["编制", "审核"], keymod.public_key_text(k), record=3)
    keymod.write_people(tmp_path, [p])
    back = keymod.read_people(tmp_path)["张三"]
    assert back.roles == ["编制", "审核"] and back.public_key == p.public_key and back.record == 3
    assert back.line > 1


def test_people_yaml_errors_name_the_line(tmp_path):
    (tmp_path / "people.yaml").write_text("people:\n  - name: 张三\n    roles: [编制\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="people.yaml:"):
        keymod.read_people(tmp_path)


def test_role_aliases():
    roles = ["编制", "审核", "批准"]
    assert keymod.normalize_role("制定", roles) == "编制"
    assert keymod.normalize_role("核准", roles) == "批准"
    assert keymod.normalize_role("審核", roles) == "审核"
    with pytest.raises(PolicyError, match="unknown role"):
        keymod.normalize_role("会签", roles)


# ---------------------------------------------------------------- versions


def test_a0_scheme():
    nv = versioning.next_version
    assert nv(None, "A/0") == "A/0"
    assert nv("A/0", "A/0") == "A/1"
    assert nv("A/9", "A/0") == "A/10"
    assert nv("A/3", "A/0", major=True) == "B/0"
    assert nv("H/2", "A/0", major=True) == "J/0"  # I is skipped
    assert nv("N/0", "A/0", major=True) == "P/0"  # O is skipped
    assert nv("Z/0", "A/0", major=True) == "AA/0"
    assert nv(None, "A/0", major=True) == "A/0"


def test_v10_scheme():
    nv = versioning.next_version
    assert nv(None, "V1.0") == "V1.0"
    assert nv("V1.0", "V1.0") == "V1.1"
    assert nv("V1.9", "V1.0") == "V1.10"
    assert nv("V1.3", "V1.0", major=True) == "V2.0"


def test_versions_of_the_wrong_scheme_rejected():
    with pytest.raises(versioning.VersionError):
        versioning.next_version("V1.0", "A/0")
    with pytest.raises(versioning.VersionError):
        versioning.next_version("I/0", "A/0")
    assert sorted(["A/10", "B/0", "A/2"], key=versioning.sort_key) == ["A/2", "A/10", "B/0"]
