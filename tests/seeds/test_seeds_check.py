"""``seeds check`` against a real Dovecot: folders and roles, and one clear error per broken seed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inboxtrace.cli import get_app
from inboxtrace.model.placement import SeedErrorKind
from inboxtrace.seeds import check_seeds, load_seeds
from tests.rigs import closed_port
from tests.rigs.dovecot import DovecotRig
from tests.seeds.conftest import SEED_PASSWORD, SEEDS, seed_toml

pytestmark = pytest.mark.dovecot


def test_every_seed_lists_its_folders_with_roles(dovecot: DovecotRig, workdir: Path) -> None:
    f = workdir / "seeds.toml"
    f.write_text(seed_toml(dovecot, SEEDS))
    results = check_seeds(load_seeds(f), environ={"SEED_PW": SEED_PASSWORD})
    assert [r.seed.address for r in results] == list(SEEDS)
    assert all(r.ok for r in results), [r.error for r in results]
    roles = {f.name: f.role for f in results[0].folders}
    assert roles["INBOX"] == "inbox"
    assert roles["Junk"] == "spam"
    assert roles["Trash"] == "trash"
    assert roles["Archive"] == "archive"
    assert roles["Sent"] == "sent"
    assert roles["Promotions"] == "other"  # no flag, no known name: only an override makes it a tab
    promo = next(r for r in results if r.seed.provider == "promomail")
    assert {f.name: f.role for f in promo.folders}["Promotions"] == "tab:promotions"


def test_starttls_works_and_plain_refused_without_permission(dovecot: DovecotRig, workdir: Path) -> None:
    f = workdir / "seeds.toml"
    f.write_text(seed_toml(dovecot, {"alice@inbox.test": "inboxmail"}, security="starttls"))
    (r,) = check_seeds(load_seeds(f), environ={"SEED_PW": SEED_PASSWORD})
    assert r.ok, r.error


def test_each_failure_has_its_own_kind(fresh_dovecot: DovecotRig, workdir: Path) -> None:
    wrong_pw = workdir / "wrong.txt"
    wrong_pw.write_text("not-the-password\n")
    f = workdir / "seeds.toml"
    f.write_text(
        seed_toml(
            fresh_dovecot,
            {
                "alice@inbox.test": "inboxmail",
                "bob@inbox.test": "inboxmail",
                "ghost@inbox.test": "inboxmail",
                "carol@junk.test": "junkmail",
                "erin@bulk.test": "bulkmail",
            },
            per_seed={
                "bob@inbox.test": f'password_file = "{wrong_pw}"',
                "carol@junk.test": 'ca_file = ""',  # the system trust store does not know the test CA
                "erin@bulk.test": f"port = {closed_port()}",
            },
        )
    )
    results = {r.seed.address: r for r in check_seeds(load_seeds(f), environ={"SEED_PW": SEED_PASSWORD})}
    assert results["alice@inbox.test"].ok
    assert results["bob@inbox.test"].error_kind is SeedErrorKind.AUTH
    assert results["ghost@inbox.test"].error_kind is SeedErrorKind.AUTH
    assert results["carol@junk.test"].error_kind is SeedErrorKind.TLS
    assert "certificate" in (results["carol@junk.test"].error or "")
    assert results["erin@bulk.test"].error_kind is SeedErrorKind.UNREACHABLE
    assert "refused" in (results["erin@bulk.test"].error or "")
    for r in results.values():
        assert "not-the-password" not in (r.error or "") and SEED_PASSWORD not in (r.error or "")


def test_cli_seeds_check_json_and_exit_status(
    fresh_dovecot: DovecotRig, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = workdir / "seeds.toml"
    f.write_text(
        seed_toml(fresh_dovecot, {"alice@inbox.test": "inboxmail", "nobody@inbox.test": "inboxmail"})
    )
    monkeypatch.setenv("SEED_PW", SEED_PASSWORD)
    res = CliRunner().invoke(get_app(), ["seeds", "check", str(f), "--json"])
    assert res.exit_code == 1, res.output
    data = json.loads(res.stdout)
    assert data["ok"] == 1 and data["failed"] == 1
    assert data["seeds"][1]["error_kind"] == "auth-failed"
    assert SEED_PASSWORD not in res.output
    assert data["seeds"][0]["seed"]["password_source"] == "env:SEED_PW"
    res = CliRunner().invoke(get_app(), ["seeds", "check", str(f)])
    assert "auth-failed" in res.stdout and "INBOX (inbox)" in res.stdout


def test_per_host_cap_is_respected(dovecot: DovecotRig, workdir: Path) -> None:
    """With a cap of 1 the seeds of one host are checked one after another (no overlap)."""
    from inboxtrace.seeds import pool

    f = workdir / "seeds.toml"
    f.write_text(seed_toml(dovecot, SEEDS))
    seeds = load_seeds(f)
    active = 0
    peak = 0

    def job(seed: object) -> None:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        time.sleep(0.02)
        active -= 1

    pool.run_per_seed(seeds, job, per_host=1)
    assert peak == 1
    pool.run_per_seed(seeds, job, per_host=4)
    assert peak > 1
