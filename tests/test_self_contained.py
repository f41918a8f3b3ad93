"""The suite needs nothing outside the repository: a copy of it with no ``../shared`` beside it collects
every test and runs the ones that read the corpora."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

# Tests that read tests/data (the bounce corpus, the reference registry, the real Postfix run's log).
CORPUS_TESTS = [
    "tests/codes/test_data_files.py",
    "tests/bounces/test_corpus.py",
    "tests/integration/test_shared_corpus.py",
    "tests/logs/test_grok_cases.py",
    "tests/logs/test_other_mtas.py",
]


def repository_files() -> list[str]:
    """What a clone has: the tracked files, and new ones not yet committed (but not ignored ones)."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in out.split("\0") if name and (REPO / name).is_file()]


def copy_of_repository(dest: Path) -> Path:
    for name in repository_files():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    return dest


def run_pytest(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=repo,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_no_test_refers_to_the_folder_beside_the_repository() -> None:
    beside = re.compile(r"""\.\./shared|parent\s*/\s*["']shared["']|parents\[\d\]\s*/\s*["']shared["']""")
    offenders = [
        name
        for name in repository_files()
        if name.endswith(".py")
        and name.startswith(("tests/", "benchmarks/"))
        and name != "tests/test_self_contained.py"
        if beside.search((REPO / name).read_text(encoding="utf-8", errors="replace"))
    ]
    assert offenders == []


def test_suite_collects_and_corpus_tests_pass_without_shared(tmp_path: Path) -> None:
    repo = copy_of_repository(tmp_path / "clone")
    assert not (repo.parent / "shared").exists()

    collected = run_pytest(repo, "--collect-only", "-q")
    assert collected.returncode == 0, collected.stdout[-3000:] + collected.stderr[-3000:]
    count = re.search(r"(\d+) tests? collected", collected.stdout)
    assert count is not None and int(count.group(1)) > 1000, collected.stdout[-500:]

    ran = run_pytest(repo, "-q", "-x", *CORPUS_TESTS)
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    assert re.search(r"\d+ passed", ran.stdout)
    assert "skipped" not in ran.stdout.splitlines()[-1]
