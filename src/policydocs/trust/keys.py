"""People and their Ed25519 keys.

- The **private key** of a person lives outside every repository, in
  ``$XDG_CONFIG_HOME/policydocs/keys/<name>.key`` (PKCS#8 PEM, file mode 600,
  directory mode 700), optionally encrypted with a passphrase.  The passphrase
  comes from ``$POLICYDOCS_KEY_PASSPHRASE`` or, on a terminal, a prompt.
- The **public key**, the person's name and roles are registered in the
  repository twice: as a signed ``key`` record in the ledger (authoritative,
  hash-chained) and in ``people.yaml`` (readable; ``verify`` checks that the
  two agree, so replacing a public key after the fact is reported).

See docs/ledger.md for the trust model.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import os
import re
import stat
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ..core.errors import PolicyError
from ..core.fsutil import atomic_write_bytes
from ..core.locales import LOCALES
from ..core.yamlload import safe_load
from ..read.config import user_config_dir

PASSPHRASE_ENV = "POLICYDOCS_KEY_PASSPHRASE"
PEOPLE_FILE = "people.yaml"
KEY_PREFIX = "ed25519:"

_NAME_RE = re.compile(r"^[^\x00-\x1f\x7f/\\:*?\"<>|]{1,64}$")


# --------------------------------------------------------------------------
# names and roles
# --------------------------------------------------------------------------


def check_person_name(name: str) -> str:
    """A person's name as used in the ledger and in the key file name."""
    name = name.strip()
    if not _NAME_RE.match(name) or name in (".", "..") or name.startswith("."):
        raise PolicyError("--person", 0, f"invalid person name {name!r}: 1–64 characters, no path or control characters")
    return name


def role_aliases() -> dict[str, str]:
    """Every display name of a role in any locale (制定, 審核, 核准 …) → canonical key."""
    out: dict[str, str] = {}
    for loc in LOCALES.values():
        for key, shown in loc.roles.items():
            out[shown] = key
            out[key] = key
    return out


def normalize_role(role: str, configured: list[str]) -> str:
    """Canonical role key for ``role`` (accepts locale display names), checked against the config."""
    role = role.strip()
    canonical = role_aliases().get(role, role)
    if canonical not in configured:
        raise PolicyError("--role", 0, f"unknown role {role!r}; configured roles (versions.roles): {', '.join(configured)}")
    return canonical


# --------------------------------------------------------------------------
# private keys (outside the repository)
# --------------------------------------------------------------------------


def keys_dir() -> Path:
    return user_config_dir() / "keys"


def key_path(person: str) -> Path:
    return keys_dir() / f"{check_person_name(person)}.key"


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def save_private_key(key: Ed25519PrivateKey, person: str, passphrase: bytes | None = None,
                     path: Path | None = None) -> Path:
    """Write the key atomically with mode 600 (never overwrites an existing key)."""
    path = path or key_path(person)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    if path.exists():
        raise PolicyError(path, 0, f"a private key for {person} already exists; refusing to overwrite it")
    enc = serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".key")  # mkstemp: mode 600
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, pem)
        os.fsync(fd)
        os.close(fd)
        os.link(tmp, path)  # fails if the name appeared meanwhile: never overwrite
    finally:
        os.unlink(tmp)
    return path


def retire_private_key(person: str, pending: Path) -> Path:
    """After a rotation is recorded: keep the old key as ``<name>.<fingerprint>.retired`` and put
    the new one (written to ``pending`` beforehand) in its place."""
    path = key_path(person)
    old = load_private_key(person) if path.exists() else None
    retired = path.with_name(f"{path.stem}.{fingerprint(public_key_text(old))[7:23]}.retired") if old else None
    if retired is not None:
        os.replace(path, retired)
    os.replace(pending, path)
    return retired or path


def read_passphrase(prompt: str, *, confirm: bool = False) -> bytes | None:
    """The passphrase from $POLICYDOCS_KEY_PASSPHRASE, else a terminal prompt, else None."""
    env = os.environ.get(PASSPHRASE_ENV)
    if env:
        return env.encode("utf-8")
    if not sys.stdin.isatty():
        return None
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("again: ") != first:
        raise PolicyError("passphrase", 0, "the two passphrases differ")
    return first.encode("utf-8") or None


def load_private_key(person: str, passphrase: bytes | None = None) -> Ed25519PrivateKey:
    """Load ``person``'s private key; refuses a key file readable by others (like ssh)."""
    path = key_path(person)
    if not path.exists():
        raise PolicyError(path, 0, f"no private key for {person} on this computer; "
                          f"create one with `policydocs keys new --person {person}`")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise PolicyError(path, 0, f"permissions {mode:04o} are too open; run `chmod 600 {path}`")
    data = path.read_bytes()
    encrypted = b"ENCRYPTED" in data.split(b"\n", 1)[0]
    if encrypted and passphrase is None:
        passphrase = read_passphrase(f"passphrase for {person}'s key: ")
        if passphrase is None:
            raise PolicyError(path, 0, f"the key is encrypted; set ${PASSPHRASE_ENV} or run on a terminal")
    try:
        key = serialization.load_pem_private_key(data, password=passphrase if encrypted else None)
    except (ValueError, TypeError) as exc:
        raise PolicyError(path, 0, f"cannot read the private key (wrong passphrase?): {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise PolicyError(path, 0, "not an Ed25519 private key")
    return key


# --------------------------------------------------------------------------
# public keys and signatures
# --------------------------------------------------------------------------


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """``ed25519:<base64 of the 32 raw bytes>``."""
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return KEY_PREFIX + base64.b64encode(raw).decode("ascii")


def parse_public_key(text: str) -> Ed25519PublicKey:
    if not isinstance(text, str) or not text.startswith(KEY_PREFIX):
        raise ValueError(f"public key must start with {KEY_PREFIX!r}")
    raw = base64.b64decode(text[len(KEY_PREFIX):], validate=True)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key has 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def fingerprint(public_key: str) -> str:
    """``SHA256:<hex>`` of the raw public key bytes (shown shortened in messages)."""
    raw = base64.b64decode(public_key[len(KEY_PREFIX):]) if public_key.startswith(KEY_PREFIX) else public_key.encode()
    return "SHA256:" + hashlib.sha256(raw).hexdigest()


def short_fp(fp: str) -> str:
    return fp[:7 + 16]


def sign(key: Ed25519PrivateKey, data: bytes) -> str:
    return base64.b64encode(key.sign(data)).decode("ascii")


def verify_signature(public: Ed25519PublicKey, signature: str, data: bytes) -> bool:
    try:
        public.verify(base64.b64decode(signature, validate=True), data)
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False


# --------------------------------------------------------------------------
# people.yaml (in the repository)
# --------------------------------------------------------------------------


@dataclass
class Person:
    name: str
    roles: list[str]
    public_key: str
    fingerprint: str = ""
    record: int = 0  # seq of the ledger record that registered the key
    line: int = 0  # line in people.yaml (for messages)
    extra: dict = field(default_factory=dict, repr=False)


def people_path(root: Path) -> Path:
    return Path(root) / PEOPLE_FILE


def read_people(root: Path) -> dict[str, Person]:
    """people.yaml → {name: Person}; malformed entries are errors naming the line."""
    path = people_path(root)
    if not path.exists():
        return {}
    text = path.read_text(encoding="utf-8")
    try:
        data = safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PolicyError(path, (mark.line + 1) if mark else 1, f"YAML syntax error: {exc}") from None
    entries = data.get("people", []) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise PolicyError(path, 1, "expected a mapping with a list `people:`")
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if re.match(r"\s*-\s*name:", line)]
    out: dict[str, Person] = {}
    for i, e in enumerate(entries):
        line = lines[i] if i < len(lines) else 1
        if not isinstance(e, dict) or not isinstance(e.get("name"), str) or not isinstance(e.get("public_key"), str):
            raise PolicyError(path, line, "each person needs `name` and `public_key`")
        roles = e.get("roles") or []
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise PolicyError(path, line, f"roles of {e['name']} must be a list of role names")
        if e["name"] in out:
            raise PolicyError(path, line, f"{e['name']} is listed twice")
        out[e["name"]] = Person(e["name"], list(roles), e["public_key"], str(e.get("fingerprint", "")),
                                int(e.get("record", 0) or 0), line)
    return out


def write_people(root: Path, people: list[Person]) -> None:
    """Rewrite people.yaml atomically (called under the ledger lock)."""
    path = people_path(root)
    data = {"people": [
        {"name": p.name, "roles": list(p.roles), "public_key": p.public_key,
         "fingerprint": p.fingerprint or fingerprint(p.public_key), "record": p.record}
        for p in people
    ]}
    header = ("# People who may approve policies, with their Ed25519 public keys.\n"
              "# Written by `policydocs keys new`; the signed `key` records in ledger/records.jsonl\n"
              "# are authoritative and `policydocs verify` reports any difference. Do not edit.\n")
    body = header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=200)
    atomic_write_bytes(path, body.encode("utf-8"), mode=0o644, fsync=True)
