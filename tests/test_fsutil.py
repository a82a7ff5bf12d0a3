"""One atomic write (core/fsutil.py) for every file policydocs writes (issue 12).

The hand-written copies drifted: a fixed ``NAME.tmp`` beside the target (two
writers collide, and a file of that name is overwritten), a temp file left
behind when writing failed, permissions that differ from one writer to the next.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from policydocs.convert.conversion import ConversionReport
from policydocs.core import fsutil
from policydocs.products.forms import write_outputs
from policydocs.products.site.output import KEYS_FILE, SiteOutput


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_several_files_are_written_all_or_nothing(tmp_path):
    a, b = tmp_path / "a.pdf", tmp_path / "sub" / "b.docx"
    a.write_bytes(b"old a")
    with pytest.raises(TypeError):
        fsutil.atomic_write_files({a: b"new a", b: "not bytes"}, mode=0o644)  # fails while writing b
    assert a.read_bytes() == b"old a" and not b.exists()
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["a.pdf"]  # no temp file left
    assert fsutil.atomic_write_files({a: b"new a", b: b"b"}, mode=0o644) == [a, b]
    assert a.read_bytes() == b"new a" and _mode(a) == _mode(b) == 0o644


def test_forms_write_through_the_one_helper(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr("policydocs.products.forms.atomic_write_files",
                        lambda outputs, mode: seen.append(mode) or list(outputs))
    write_outputs({tmp_path / "register.pdf": b"%PDF"})
    assert seen == [0o644]


def test_a_conversion_report_never_touches_a_file_named_like_a_temp_file(tmp_path):
    target = tmp_path / "reports" / "HR-1.zh-Hant-TW.conversion.txt"
    target.parent.mkdir()
    bystander = target.with_name(target.name + ".tmp")  # the old fixed temp name
    bystander.write_text("someone else's file", encoding="utf-8")
    ConversionReport("HR-1", "zh-Hant-TW", "zh-Hans").write(target)
    assert target.read_text(encoding="utf-8").startswith("Conversion report: HR-1")
    assert bystander.read_text(encoding="utf-8") == "someone else's file"
    assert _mode(target) == 0o644
    assert sorted(p.name for p in target.parent.iterdir()) == sorted([target.name, bystander.name])


def test_the_portal_keys_file_is_written_atomically(tmp_path, monkeypatch):
    site = tmp_path / "build" / "site"
    written = []
    real = fsutil.atomic_write_bytes
    monkeypatch.setattr("policydocs.products.site.output.atomic_write_bytes",
                        lambda path, data, **kw: written.append(path) or real(path, data, **kw))
    out = SiteOutput(site)
    out.want("index.html", "k1", lambda: "<p>1</p>")
    out.commit()
    assert written == [site / KEYS_FILE]
    assert sorted(p.name for p in site.iterdir()) == [KEYS_FILE, "index.html"]


def test_a_process_temp_dir_is_removed_when_a_pool_worker_ends():
    """A LibreOffice profile or an empty Typst root made in a build worker is gone when the pool
    closes (atexit never runs in a worker: every handbook DOCX build left a 550 KB profile in /tmp)."""
    from policydocs.core.workers import local_executor

    pool = local_executor(2)
    try:
        made = pool.map(_make_temp_dir, ["a", "b"])
    finally:
        pool.close()
    assert made and all(isinstance(p, str) for p in made)
    assert not any(os.path.exists(p) for p in made), made


def _make_temp_dir(tag: str) -> str:
    from policydocs.core.fsutil import process_temp_dir

    return str(process_temp_dir(f"policydocs-test-{tag}-"))
