"""``inboxtrace check``: report, JSON, --from-file JSON lines, escaping, exit statuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.checks.checkhelp import GOOD_IP, LISTED_IP, Key, make_message, sign
from tests.helpers.cli import run_main
from tests.rigs.knot import KnotServer

pytestmark = pytest.mark.dns


def test_report_is_ordered_by_harm(
    knot: KnotServer, dnsbl_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_main(
        [
            "check",
            "good.test",
            "--nameserver",
            knot.nameserver,
            "--ip",
            LISTED_IP,
            "--dnsbl-file",
            dnsbl_file,
            "--no-fetch",
            "--no-probe",
        ],
        capsys,
    )
    assert code == 0
    assert "good.test" in out and "/100" in out
    assert out.index("ERROR") < out.index("WARNING") if "WARNING" in out else True
    assert "is listed on Test BL" in out
    assert "why:" in out and "fix:" in out


def test_json(knot: KnotServer, dnsbl_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(
        [
            "check",
            "good.test",
            "--nameserver",
            knot.nameserver,
            "--ip",
            GOOD_IP,
            "--json",
            "--dnsbl-file",
            dnsbl_file,
            "--no-fetch",
        ],
        capsys,
    )
    assert code == 0
    data = json.loads(out)
    assert data["domain"] == "good.test" and 0 <= data["score"] <= 100
    sev = [f["severity"] for f in data["findings"]]
    assert sev == sorted(sev, key=["error", "warning", "info"].index)
    assert {"check", "code", "severity", "title", "found", "why", "fix"} <= set(data["findings"][0])


def test_from_file(knot: KnotServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "domains.txt"
    path.write_text("good.test\n# a comment\n\nspf-none.test\nnot a domain!\nservfail.test\n")
    code, out, err = run_main(
        ["check", "--from-file", str(path), "--nameserver", knot.nameserver, "--no-fetch", "--no-blocklists"],
        capsys,
    )
    assert code == 0
    lines = [json.loads(x) for x in out.splitlines()]
    assert len(lines) == 4
    by = {x["domain"]: x for x in lines}
    assert "error" in by["not a domain!"]
    assert by["good.test"]["score"] > by["spf-none.test"]["score"]
    assert by["servfail.test"]["complete"] is False
    assert "1 line(s) were not domain names" in err


def test_hostile_records_are_not_markup(knot: KnotServer, capsys: pytest.CaptureFixture[str]) -> None:
    knot.set_zone(
        "evil.test",
        '@ TXT "v=spf1 [bold]x[/bold] \\027[31m -all"\n_dmarc TXT "v=DMARC1; p=[link=http://x]y[/link]"\n',
    )
    code, out, _ = run_main(
        [
            "check",
            "evil.test",
            "--nameserver",
            knot.nameserver,
            "--no-fetch",
            "--no-blocklists",
            "--no-probe",
        ],
        capsys,
    )
    assert code == 0
    assert "[bold]x[/bold]" in out
    assert "[link=http://x]y[/link]" in out
    assert "\x1b" not in out


def test_domain_taken_from_the_message(
    knot: KnotServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], keys: dict[int, Key]
) -> None:
    eml = tmp_path / "sample.eml"
    eml.write_bytes(sign(make_message(), keys[2048], "good.test", "k2048"))
    code, out, _ = run_main(
        [
            "check",
            "--message",
            str(eml),
            "--ip",
            GOOD_IP,
            "--nameserver",
            knot.nameserver,
            "--json",
            "--no-fetch",
            "--no-blocklists",
        ],
        capsys,
    )
    assert code == 0
    data = json.loads(out)
    assert data["domain"] == "good.test"
    assert "bulk.ok" in {f["code"] for f in data["findings"]}


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["check"], 2),
        (["check", "good.test", "--from-file", "x"], 2),
        (["check", "not_a domain"], 2),
        (["check", "good.test", "--ip", "999.1.1.1"], 2),
        (["check", "good.test", "--message", "/nonexistent/file.eml"], 2),
        (["check", "--from-file", "/nonexistent/list.txt"], 2),
        (["check", "good.test", "--nameserver", "dns.example"], 1),
    ],
)
def test_bad_input_exit_status(args: list[str], status: int, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run_main(args, capsys)
    assert code == status
    assert "Traceback" not in err and "error:" in err


def test_fail_under(knot: KnotServer, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--nameserver", knot.nameserver, "--no-fetch", "--no-blocklists", "--json"]
    assert run_main(["check", "spf-none.test", *base, "--fail-under", "90"], capsys)[0] == 3
    assert run_main(["check", "spf-none.test", *base, "--fail-under", "0"], capsys)[0] == 0


def test_from_file_with_junk(knot: KnotServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "junk.txt"
    path.write_bytes(b"\x00\xff\xfe\x01garbage\n" + b"a" * 100_000 + b"\ngood.test\n\xc3\x28.test\n")
    code, out, err = run_main(
        [
            "check",
            "--from-file",
            str(path),
            "--nameserver",
            knot.nameserver,
            "--no-fetch",
            "--no-blocklists",
            "--no-probe",
        ],
        capsys,
    )
    assert code == 0
    lines = [json.loads(x) for x in out.splitlines()]
    assert len(lines) == 4
    assert sum(1 for x in lines if "error" in x) == 3
    assert [x["domain"] for x in lines if "error" not in x] == ["good.test"]
    assert all(len(x["domain"]) <= 300 and len(x.get("error", "")) < 200 for x in lines)
    assert "Traceback" not in err
