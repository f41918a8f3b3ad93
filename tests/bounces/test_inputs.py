"""Reading: mbox, Maildir, compressed files, stdin; and bad input that must never raise."""

from __future__ import annotations

import gzip
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from inboxtrace.bounces import iter_path, iter_paths, parse_bounce, read_bounces
from inboxtrace.model.bounce import BounceKind
from tests.bounces.samples import dsn, plain_mail, vacation

CRAFTED = dsn()


def test_dsn_fields_and_returned_message() -> None:
    report = parse_bounce(CRAFTED, "x.eml")
    assert report.is_bounce and report.format == "postfix"
    assert report.queue_id == "4F1A2B3C4D"
    (rcpt,) = report.recipients
    assert rcpt.recipient == "kijitora@example.org"
    assert rcpt.original_recipient == "kijitora@example.org"
    assert rcpt.action == "failed" and rcpt.status == "5.1.1"
    assert rcpt.remote_mta == "mx.example.org" and rcpt.reporting_mta == "mx1.sender.example.com"
    assert rcpt.verdict.reason == "userunknown" and rcpt.verdict.hard_bounce
    assert rcpt.verdict.reply_code == 550
    orig = report.original
    assert orig is not None
    assert orig.message_id == "<m1.20260101@sender.example.com>"
    assert orig.subject == "January news" and orig.sender == "news@sender.example.com"
    assert orig.date is not None and orig.date.year == 2026
    assert ("X-Campaign-ID", "jan-2026") in orig.tracking
    assert orig.verp_recipient == "campaign7@sender.example.com"


def test_autoreply_and_plain_mail_are_not_bounces() -> None:
    auto = parse_bounce(vacation(), "v.eml")
    assert auto.kind is BounceKind.AUTOREPLY and not auto.is_bounce
    assert auto.recipients[0].verdict.reason == "vacation"
    plain = parse_bounce(plain_mail(), "p.eml")
    assert plain.kind is BounceKind.NOT_BOUNCE and plain.recipients == ()


def test_mbox_maildir_and_compressed(tmp_path: Path) -> None:
    mbox = tmp_path / "bounces.mbox"
    parts = [
        dsn("a@example.org"),
        vacation(),
        dsn("b@example.org", diagnostic="smtp; 552 5.2.2 Mailbox full"),
    ]
    mbox.write_bytes(b"".join(b"From MAILER-DAEMON  Thu Jan  1 10:05:00 2026\n" + p + b"\n" for p in parts))
    reports = list(read_bounces(iter_path(mbox)))
    assert [r.source.rsplit("#", 1)[1] for r in reports] == ["1", "2", "3"]
    assert [r.kind for r in reports] == [BounceKind.DSN, BounceKind.AUTOREPLY, BounceKind.DSN]
    assert reports[2].recipients[0].verdict.reason == "mailboxfull"

    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1.host").write_bytes(dsn("c@example.org"))
    (maildir / "cur" / "2.host:2,S").write_bytes(dsn("d@example.org"))
    (maildir / "tmp" / "3.host").write_bytes(dsn("e@example.org"))  # not delivered yet: not read
    got = {r.recipients[0].recipient for r in read_bounces(iter_path(maildir))}
    assert got == {"c@example.org", "d@example.org"}

    gz = tmp_path / "one.eml.gz"
    gz.write_bytes(gzip.compress(dsn("f@example.org")))
    (report,) = read_bounces(iter_path(gz))
    assert report.recipients[0].recipient == "f@example.org"


def test_a_directory_tree_is_read_in_sorted_path_order(tmp_path: Path) -> None:
    """Files at any depth in the order of their sorted paths (not of their path strings: "a/x"
    before "a-b/y"); names starting with a dot skipped, links to files read, links to directories
    not followed; a Maildir's cur before new."""
    tree = tmp_path / "t"
    for name in ("a/x", "a-b/y", ".hid/z", "A/q", "a/b/c", ".dot", "top", "a/b/.h", "a/b0/d"):
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_bytes(dsn(f"{name.replace('/', '-').strip('.')}@example.org"))
    (tree / "a" / "link").symlink_to(tree / "top")
    (tree / "dirlink").symlink_to(tree / "a")
    (tree / "broken").symlink_to(tree / "nowhere")
    sources = [r.source for r in read_bounces(iter_path(tree))]
    # what sorting the pathlib paths gives, the order this reading has always had
    expected = sorted(p for p in tree.rglob("*") if p.is_file() and not p.name.startswith("."))
    assert sources == [str(p) for p in expected]
    assert sources.index(str(tree / "a" / "x")) < sources.index(str(tree / "a-b" / "y"))
    assert str(tree / "a" / "link") in sources and not any("dirlink" in s for s in sources)

    maildir = tmp_path / "Maildir"
    for sub, names in (("new", ["1", "3"]), ("cur", ["2", "4:2,S"]), ("tmp", ["5"])):
        (maildir / sub).mkdir(parents=True)
        for name in names:
            (maildir / sub / name).write_bytes(dsn(f"m{name[0]}@example.org"))
    order = [r.recipients[0].recipient for r in read_bounces(iter_path(maildir))]
    assert order == ["m2@example.org", "m4@example.org", "m1@example.org", "m3@example.org"]


def test_bad_inputs_give_per_file_errors_and_the_run_goes_on(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a-empty.eml").write_bytes(b"")
    (bad / "b-binary.eml").write_bytes(bytes(range(256)) * 40)
    (bad / "c-truncated.eml").write_bytes(CRAFTED[:300])
    (bad / "d-broken-mime.eml").write_bytes(CRAFTED.replace(b'boundary="BOUNDARY-1"', b'boundary="NOPE"'))
    (bad / "e-huge-line.eml").write_bytes(b"From: x@example.com\nSubject: y\n\n" + b"A" * 3_000_000)
    (bad / "f-latin1-8bit-headers.eml").write_bytes(
        CRAFTED.replace(b"Subject: January news", "Subject: Janvier é".encode("latin-1")).replace(
            b"charset=us-ascii", b"charset=x-no-such-charset"
        )
    )
    (bad / "g-good.eml").write_bytes(dsn("good@example.org"))
    (bad / "i-json.eml").write_bytes(b'{"feedbacktype": "abuse", "file": "x"}\n')
    gz = bad / "h-not-gzip.eml.gz"
    gz.write_bytes(b"this is not gzip")
    reports = {Path(r.source).name: r for r in read_bounces(iter_paths([bad, tmp_path / "missing.eml"]))}
    assert reports["a-empty.eml"].error == "empty file"
    assert "binary" in (reports["b-binary.eml"].error or "")
    assert reports["c-truncated.eml"].kind is BounceKind.ERROR
    assert "no failed recipient" in (reports["c-truncated.eml"].error or "")
    broken = reports["d-broken-mime.eml"]
    assert broken.error is None and broken.recipients[0].recipient == "kijitora@example.org"
    assert reports["e-huge-line.eml"].kind is BounceKind.NOT_BOUNCE
    latin = reports["f-latin1-8bit-headers.eml"]
    assert latin.recipients[0].verdict.reason == "userunknown"
    assert latin.original is not None and "Janvier" in (latin.original.subject or "")
    assert reports["g-good.eml"].recipients[0].recipient == "good@example.org"
    assert "cannot read" in (reports["h-not-gzip.eml.gz"].error or "")
    assert reports["missing.eml"].error == "no such file or directory"
    assert "not a mail message" in (reports["i-json.eml"].error or "")


def test_huge_attached_original_is_read_quickly() -> None:
    attachment = b"QUFB" * 19 * 1024 * 256  # ~20 MB of base64 after the report
    big = CRAFTED.replace(
        b"--BOUNDARY-1--",
        b"--BOUNDARY-1\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
        + attachment
        + b"\n--BOUNDARY-1--",
    )
    report = parse_bounce(big, "big.eml")
    assert report.recipients[0].verdict.reason == "userunknown"
    assert report.original is not None and report.original.message_id == "<m1.20260101@sender.example.com>"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4000))
def test_random_bytes_never_raise(data: bytes) -> None:
    report = parse_bounce(data, "fuzz")
    assert report.kind in set(BounceKind)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(CRAFTED)), st.binary(max_size=64))
def test_cut_and_garbled_bounces_never_raise(cut: int, junk: bytes) -> None:
    report = parse_bounce(CRAFTED[:cut] + junk + CRAFTED[cut:], "fuzz")
    assert report.kind in set(BounceKind)
