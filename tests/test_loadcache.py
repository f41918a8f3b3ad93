"""The cache of loaded knowledge (``inboxtrace.loadcache``): same results as working them out, and
never stale, shown on a copy of the package whose data files and deriving code are edited."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import inboxtrace
from inboxtrace import loadcache
from inboxtrace.codes.needles import _needles_of, needles_of
from inboxtrace.codes.rules import all_patterns
from inboxtrace.datafiles import package_path

_PACKAGE = Path(inboxtrace.__file__).parent
_CACHE = f"__pycache__/loadcache.{sys.implementation.cache_tag}.marshal"


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The module with nothing loaded, reading and writing ``tmp_path`` only."""
    target = tmp_path / "loadcache.marshal"
    monkeypatch.setattr(loadcache, "places", lambda: [str(target)])
    monkeypatch.setattr(loadcache, "_entries", None)
    monkeypatch.setattr(loadcache, "_used", {})
    monkeypatch.setattr(loadcache, "_added", False)
    monkeypatch.setattr(loadcache, "_loaded_from", None)
    monkeypatch.setattr(loadcache, "_route_checked", None)
    return target


def _reload(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget what this process holds, as a new process would start."""
    monkeypatch.setattr(loadcache, "_entries", None)
    monkeypatch.setattr(loadcache, "_used", {})
    monkeypatch.setattr(loadcache, "_added", False)


def _data_patterns() -> list[tuple[str, int]]:
    return sorted({(p.pattern, int(p.flags)) for p in all_patterns()})


def test_every_data_file_pattern_comes_back_equal_to_re_compile(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    patterns = _data_patterns()
    assert len(patterns) > 300
    first = [loadcache.compile_regex(p, f) for p, f in patterns]  # worked out and kept
    # the first was compiled by re and its program checked; the others built by the same steps
    assert loadcache._route_checked is True
    loadcache.save()
    assert fresh.is_file()
    _reload(monkeypatch)
    again = [loadcache.compile_regex(p, f) for p, f in patterns]  # rebuilt from the stored programs
    assert loadcache._added is False  # nothing was missing
    for (pattern, flags), a, b in zip(patterns, first, again, strict=True):
        want = re.compile(pattern, flags)
        # Pattern objects compare their pattern, flags and compiled program
        assert a == want and b == want, pattern
        assert b.groupindex == want.groupindex and b.groups == want.groups


def test_a_rebuilt_pattern_matches_like_the_compiled_one(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pattern = r"(?P<code>[245]\d\d)[ -](?P<status>\d\.\d{1,3}\.\d{1,3})\s+(?P<text>.*)"
    loadcache.compile_regex(pattern, re.I)
    loadcache.save()
    _reload(monkeypatch)
    rebuilt = loadcache.compile_regex(pattern, re.I)
    assert loadcache._added is False
    match = rebuilt.search("host said: 550 5.1.1 User Unknown")
    assert match is not None and match.groupdict() == {
        "code": "550",
        "status": "5.1.1",
        "text": "User Unknown",
    }


@pytest.mark.parametrize("checked", [None, True], ids=["first", "after-a-check"])
def test_a_bad_pattern_still_raises_and_is_not_kept(
    fresh: Path, monkeypatch: pytest.MonkeyPatch, checked: bool | None
) -> None:
    monkeypatch.setattr(loadcache, "_route_checked", checked)
    with pytest.raises(re.error, match="missing \\), unterminated subpattern at position 0"):
        loadcache.compile_regex("(unclosed", 0)
    assert not loadcache._added


def test_a_route_that_differs_from_re_compile_is_not_used_again(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the steps taken here ever stop giving re.compile's program (other ``re`` internals), the
    check fails once and every pattern is then compiled by re alone, and nothing is kept."""
    real = loadcache._program

    def other_program(pattern: str, flags: int) -> tuple[object, ...] | None:
        program = real(pattern, flags)
        assert program is not None
        return (program[0], program[1][:-4], *program[2:])  # the program without its last word

    monkeypatch.setattr(loadcache, "_program", other_program)
    patterns = _data_patterns()[:20]
    got = [loadcache.compile_regex(p, f) for p, f in patterns]
    assert loadcache._route_checked is False and not loadcache._added
    assert got == [re.compile(p, f) for p, f in patterns]


def test_toml_comes_back_as_tomllib_parses_it_and_a_new_object_each_time(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folders = [
        package_path("codes", "data"),
        package_path("bounces", "data"),
        package_path("i18n", "catalogs"),
    ]
    texts = [
        (Path(folder) / name).read_text(encoding="utf-8")
        for folder in folders
        for name in sorted(os.listdir(folder))
        if name.endswith(".toml")
    ]
    assert len(texts) >= 10
    for text in texts:
        assert loadcache.parse_toml(text) == tomllib.loads(text)
    loadcache.save()
    _reload(monkeypatch)
    for text in texts:
        got = loadcache.parse_toml(text)
        assert got == tomllib.loads(text)
        got.clear()  # a caller may change what it got: the next caller still gets the whole document
        assert loadcache.parse_toml(text) == tomllib.loads(text)
    assert loadcache._added is False
    with pytest.raises(tomllib.TOMLDecodeError):
        loadcache.parse_toml("a = = 1")
    dated = loadcache.parse_toml("when = 2026-01-02")  # a date is not a plain value: parsed, not kept
    assert str(dated["when"]) == "2026-01-02"
    assert "when = 2026-01-02" not in loadcache._table("toml")


def test_needles_come_back_as_worked_out(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    patterns = _data_patterns()
    first = [needles_of(p, f) for p, f in patterns]
    loadcache.save()
    _reload(monkeypatch)
    assert [needles_of(p, f) for p, f in patterns] == first == [_needles_of(p, f) for p, f in patterns]
    assert loadcache._added is False


def test_a_damaged_or_foreign_file_is_ignored_and_replaced(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh.write_bytes(b"\xe3not marshal at all")
    assert loadcache.parse_toml("a = 1") == {"a": 1}
    loadcache.save()
    _reload(monkeypatch)
    loadcache.parse_toml("a = 1")
    assert loadcache._added is False  # the replaced file is read back
    import marshal

    header, entries = marshal.loads(fresh.read_bytes())
    fresh.write_bytes(marshal.dumps((("other", *header[1:]), entries)))  # written by another version
    _reload(monkeypatch)
    loadcache.parse_toml("a = 1")
    assert loadcache._added is True


def test_an_unwritable_place_falls_back_to_the_next(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    target = tmp_path / "cache" / "loadcache.marshal"
    monkeypatch.setattr(loadcache, "places", lambda: [str(blocked / "x.marshal"), str(target)])
    monkeypatch.setattr(loadcache, "_entries", None)
    monkeypatch.setattr(loadcache, "_used", {})
    monkeypatch.setattr(loadcache, "_added", False)
    loadcache.parse_toml("b = 2")
    loadcache.save()
    assert target.is_file() and not loadcache._added


# -- never stale: a copy of the package, edited between runs --------------------------------------

_PROBE = r"""
import json, sys
from inboxtrace.codes import classify
from inboxtrace.codes.needles import needles_of
print(json.dumps([classify("550 the zorblax quux gave up").reason, needles_of("zorblax (?:quux|frob)")]))
"""


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(_PACKAGE, root / "inboxtrace", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _probe(root: Path) -> list[object]:
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True, cwd=root
    )
    assert done.stderr == ""
    result = json.loads(done.stdout)
    assert isinstance(result, list)
    return result


def test_an_edited_data_file_is_read_as_edited(package_copy: Path) -> None:
    cache = package_copy / "inboxtrace" / _CACHE
    before = _probe(package_copy)
    assert before[0] != "mailboxfull"
    assert cache.is_file()  # the first run kept what it worked out
    stamp = cache.stat().st_mtime_ns
    assert _probe(package_copy) == before
    assert cache.stat().st_mtime_ns == stamp  # a run that found everything writes nothing

    phrases = package_copy / "inboxtrace" / "codes" / "data" / "phrases.toml"
    text = phrases.read_text(encoding="utf-8")
    phrases.write_text(
        text.replace("[mailboxfull]\nphrases = [\n", "[mailboxfull]\nphrases = [\n  'zorblax quux',\n")
    )
    assert _probe(package_copy)[0] == "mailboxfull"  # the edited file, not the kept one
    phrases.write_text(text)
    assert _probe(package_copy) == before


def test_edited_deriving_code_makes_the_file_be_worked_out_again(package_copy: Path) -> None:
    cache = package_copy / "inboxtrace" / _CACHE
    before = _probe(package_copy)
    assert before[1] == ["zorblax "]
    needles = package_copy / "inboxtrace" / "codes" / "needles.py"
    source = needles.read_text(encoding="utf-8")
    # the needles' minimum length changes what needles_of answers: a kept answer would be wrong now
    needles.write_text(source.replace("_MIN_NEEDLE = 3", "_MIN_NEEDLE = 9"))
    old = cache.read_bytes()
    assert _probe(package_copy)[1] == []  # "zorblax " is 8 characters: no needle of 9
    assert cache.read_bytes() != old


def test_kept_entries_of_the_wrong_shape_are_worked_out_again(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import marshal

    loadcache.parse_toml("c = 3")
    loadcache.compile_regex("ab+c", 0)
    loadcache.save()
    header, entries = marshal.loads(fresh.read_bytes())
    entries["toml"]["c = 3"] = b"\x00not marshal"
    entries["sre"][("ab+c", 0)] = (0, b"\x01\x02\x03", "x")
    import array

    invalid = array.array("I", [1, 0, 0, 99, 99]).tobytes()  # the engine refuses this program
    loadcache.compile_regex("xy+z", 0)
    entries["sre"][("xy+z", 0)] = (0, invalid, 0, {}, (None,))
    fresh.write_bytes(marshal.dumps((header, entries)))
    _reload(monkeypatch)
    assert loadcache.parse_toml("c = 3") == {"c": 3}
    assert loadcache.compile_regex("ab+c", 0) == re.compile("ab+c")
    assert loadcache.compile_regex("xy+z", 0) == re.compile("xy+z")
