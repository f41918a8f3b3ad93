"""A real ``inboxtrace serve`` on a loopback port, driven by Playwright in Debian's chromium.

Walks the journeys (search a recipient, open the message, read the 250 and the receiver's queue
id, see the notification about a bounce, run a sender check against a real Knot DNS server,
create a placement test and open its matrix, upload a log), watches a new event appear without a
reload while another writer fills the store, and proves that attacker-written text in log lines
and bounce messages is shown as text and never runs. Screenshots of every page are saved under
``test-artifacts/web/``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from inboxtrace.feedback import read_blob
from inboxtrace.ingest import ingest
from inboxtrace.store import open_store
from inboxtrace.store.bounces import ingest_bounces
from inboxtrace.store.feedback import ingest_reports
from tests.reports.samples import SPOOFER, aggregate
from tests.rigs.knot import free_port, knot_server

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "web"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip

XSS_REPLY = (
    '550 5.1.1 <script>window.__xss=1</script> "onmouseover="window.__xss=2" '
    '<a href="javascript:window.__xss=3">click</a> \x1b[31mred\x1b[0m <img src=x onerror=window.__xss=4>'
)
XSS_LOG = (
    "Nov 26 10:00:00 mta postfix/qmgr[100]: 4ABCDEF123: from=<attacker@evil.test>, size=900, nrcpt=1 (queue active)\n"
    'Nov 26 10:00:00 mta postfix/cleanup[101]: 4ABCDEF123: message-id=<"onmouseover=window.__xss=5"@evil.test>\n'
    "Nov 26 10:00:01 mta postfix/smtp[102]: 4ABCDEF123: to=<victim@victim.test>, relay=mx.victim.test[192.0.2.7]:25, "
    "delay=1, delays=0/0/0.5/0.5, dsn=5.1.1, status=bounced (host mx.victim.test[192.0.2.7] said: "
    + XSS_REPLY
    + " (in reply to RCPT TO command))\n"
    "Nov 26 10:00:01 mta postfix/qmgr[100]: 4ABCDEF123: removed\n"
)
XSS_BOUNCE = (
    "From: MAILER-DAEMON@mx.victim.test\r\nTo: attacker@evil.test\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\nDate: Thu, 26 Nov 2026 10:05:00 +0000\r\n"
    "Message-ID: <bounce1@mx.victim.test>\r\nMIME-Version: 1.0\r\n"
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
    "--B\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
    "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
    "Reporting-MTA: dns; mx.victim.test\r\n\r\n"
    "Final-Recipient: rfc822; victim2@victim.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
    "Diagnostic-Code: smtp; " + XSS_REPLY.replace("\x1b", "\x1b") + "\r\n\r\n"
    "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
    "From: attacker@evil.test\r\nTo: victim2@victim.test\r\n"
    "Subject: <img src=x onerror=window.__xss=6> javascript:alert(1)\r\n"
    "Message-ID: <orig1@evil.test>\r\n\r\n--B--\r\n"
)


def _wait_http(url: str, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.2)


@pytest.fixture(scope="module")
def dns() -> Iterator[str]:
    zone = (
        '@ IN TXT "v=spf1 ip4:192.0.2.10 -all"\n'
        '_dmarc IN TXT "v=DMARC1; p=none"\n'
        "@ IN MX 10 mx\nmx IN A 192.0.2.10\n"
    )
    with knot_server({"sender.test": zone}) as server:
        yield f"{server.host}:{server.port}"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, dns: str) -> Iterator[tuple[str, Path]]:
    from inboxtrace.bounces import iter_paths, read_bounces

    work = tmp_path_factory.mktemp("served")
    db = work / "web.db"
    xss_log = work / "xss.log"
    xss_log.write_text(XSS_LOG, encoding="utf-8")
    bounce = work / "bounce.eml"
    bounce.write_bytes(XSS_BOUNCE.encode("utf-8"))
    seeds = work / "seeds.toml"
    seeds.write_text(
        '[[seed]]\naddress = "seed1@gmail.test"\nprovider = "gmail"\nhost = "127.0.0.1"\nport = 1\n'
        'user = "seed1"\npassword_env = "NO_SUCH_SEED_PASSWORD"\n',
        encoding="utf-8",
    )
    with open_store(f"sqlite:///{db}") as store:
        ingest([str(REPO / "examples" / "postfix" / "maillog"), str(xss_log)], store)
        ingest_bounces(store, list(read_bounces(iter_paths([bounce]))))
        ingest_reports(store, read_blob(aggregate("r1", domain="sender.test"), "r1.xml"))
    port = free_port()
    exe = str(Path(sys.executable).parent / "inboxtrace")
    proc = subprocess.Popen(
        [exe, "serve", "--db", str(db), "--port", str(port), "--nameserver", dns, "--seeds", str(seeds)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "INBOXTRACE_DB": str(db)},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_http(base + "/healthz")
        yield base, db
    finally:
        _stop(proc, signal.SIGTERM)


def _stop(proc: subprocess.Popen[bytes], sig: int) -> None:
    """Stop a process of the test with ``sig`` (killed if it lingers); it printed no traceback."""
    proc.send_signal(sig)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    assert "Traceback" not in err, err


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Debian's chromium package is required (.ci/apt-packages.txt)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    yield pg
    ctx.close()
    assert not dialogs, f"a dialog opened: {dialogs}"


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_journey_search_open_message_read_the_250(served: tuple[str, Path], page: Page) -> None:
    base, _db = served
    page.goto(base + "/activity")
    shot(page, "activity")
    page.fill("input[name=q]", "newsletter@sender.test")
    page.click("form.filters button[type=submit]")
    expect(page.locator("#rows tr").first).to_be_visible()
    page.select_option("select[name=state]", "delivered")
    page.click("form.filters button[type=submit]")
    rows = page.locator("#rows tr")
    assert rows.count() > 0
    for i in range(rows.count()):
        expect(rows.nth(i).locator(".state")).to_have_text("delivered")
    rows.first.locator("a").click()
    expect(page.locator("h1")).to_contain_text("Message")
    info = page.locator("table.timeline td.info", has_text="250")
    expect(info.first).to_be_visible()
    their = page.locator("code.their-id").first
    their_id = their.inner_text()
    assert their_id
    assert their_id in info.first.inner_text()
    note = page.locator("pre.note").first.inner_text()
    assert f"Your queue id: {their_id}" in note
    assert "Your reply: " in note
    expect(page.locator("button.copy").first).to_be_visible()
    shot(page, "message-delivered")


def test_journey_bounced_message_links_the_notification(served: tuple[str, Path], page: Page) -> None:
    base, _ = served
    page.goto(base + "/activity?state=expired")
    page.locator("#rows tr a").first.click()
    expect(page.locator("section.card h2", has_text="delivery status notification")).to_be_visible()
    expect(page.locator("table.timeline").first).to_contain_text("expired")
    expect(page.locator("section.card", has_text="Diagnosis")).to_be_visible()
    shot(page, "message-expired")


def test_pages_render_in_both_languages(served: tuple[str, Path], page: Page) -> None:
    base, _ = served
    for path in [
        "/overview",
        "/bounces",
        "/suppressions",
        "/explain?reply=452+4.2.2+mailbox+full",
        "/ingest",
    ]:
        page.goto(base + path)
        expect(page.locator("main h1")).to_be_visible()
        shot(page, path.strip("/").split("?")[0])
    assert page.locator("svg.chart").count() == 0  # ingest page has none
    page.goto(base + "/overview?lang=vi")
    expect(page.locator("header nav")).to_contain_text("Tổng quan")
    assert page.locator("svg.chart rect").count() > 0
    shot(page, "overview-vi")
    page.goto(base + "/overview?lang=en")
    expect(page.locator("header nav")).to_contain_text("Overview")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + "/activity")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the phone layout overflows: {width}px"
    shot(page, "activity-phone")


def test_journey_run_a_sender_check(served: tuple[str, Path], page: Page) -> None:
    base, _ = served
    page.goto(base + "/checks")
    page.fill("input[name=domain]", "sender.test")
    page.fill("input[name=ip]", "192.0.2.10")
    page.click("form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("sender.test")
    expect(page.locator("h1 .score")).to_contain_text("/100")
    assert page.locator("section.finding").count() > 0
    expect(page.locator("table.list")).to_contain_text("sender.test")
    # the stored DMARC aggregate report about the domain: a finding, and the reports section
    expect(page.locator("section.finding", has_text="dmarc.reports-unknown-sources")).to_contain_text(SPOOFER)
    expect(page.locator("#reports")).to_contain_text("160 message(s)")
    expect(page.locator("#reports")).to_contain_text(SPOOFER)
    shot(page, "check")
    page.click("#reports a")
    expect(page.locator("h1")).to_contain_text("DMARC")


def test_journey_placement_test_and_matrix(served: tuple[str, Path], page: Page) -> None:
    base, _ = served
    page.goto(base + "/placement")
    page.fill("input[name=note]", "December newsletter")
    page.click("form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Placement test")
    page.click("form.inline button[type=submit]")  # check the seeds now: the seed is unreachable
    expect(page.locator("table.matrix")).to_be_visible()
    expect(page.locator("table.matrix")).to_contain_text("gmail")
    expect(page.locator("table.matrix tr.total")).to_be_visible()
    shot(page, "placement-test")
    page.goto(base + "/placement")
    expect(page.locator("table.list")).to_contain_text("December newsletter")
    shot(page, "placement")


def test_new_events_appear_without_reload(served: tuple[str, Path], page: Page) -> None:
    """The Activity page is open while `inboxtrace ingest --follow` tails a growing log into the
    store: the page's event stream says "change" and the new rows appear, no reload, no polling."""
    base, db = served
    page.goto(base + "/activity?q=late@sender.test")
    expect(page.locator("#rows")).to_contain_text("No deliveries match")
    expect(page.locator("#rows")).to_have_attribute("data-stream", "open")  # EventSource, not polling
    log = db.parent / "late.log"
    log.touch()
    exe = str(Path(sys.executable).parent / "inboxtrace")
    follower = subprocess.Popen(
        [exe, "ingest", "--follow", "-q", "--db", f"sqlite:///{db}", str(log)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        time.sleep(1.0)
        with log.open("a", encoding="utf-8") as f:
            f.write(
                "Nov 27 09:00:00 mta postfix/qmgr[100]: 5A7E00001B: from=<late@sender.test>, size=10, nrcpt=1 (queue active)\n"
                "Nov 27 09:00:01 mta postfix/smtp[102]: 5A7E00001B: to=<someone@example.org>, relay=mx.example.org[192.0.2.9]:25, "
                "delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 OK queued as 9ZZ)\n"
                "Nov 27 09:00:01 mta postfix/qmgr[100]: 5A7E00001B: removed\n"
            )
        expect(page.locator("#rows")).to_contain_text("someone@example.org", timeout=20000)
        expect(page.locator("#rows")).to_contain_text("250 2.0.0 OK queued as 9ZZ")
        assert follower.poll() is None, "ingest --follow stopped early"
    finally:
        _stop(follower, signal.SIGINT)


def test_event_stream_says_change_after_a_write(served: tuple[str, Path]) -> None:
    base, db = served
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=20)
    conn.request("GET", "/activity/events", headers={"Accept": "text/event-stream"})
    resp = conn.getresponse()
    assert resp.status == 200 and resp.getheader("content-type", "").startswith("text/event-stream")
    head = resp.fp.readline() + resp.fp.readline() + resp.fp.readline() + resp.fp.readline()
    assert b"event: ready" in head, head
    log = db.parent / "stream.log"
    log.write_text(
        "Nov 28 10:00:00 mta postfix/qmgr[100]: 6B8F00002C: from=<stream@sender.test>, size=10, nrcpt=1 (queue active)\n"
        "Nov 28 10:00:01 mta postfix/smtp[102]: 6B8F00002C: to=<x@example.org>, relay=mx.example.org[192.0.2.9]:25, "
        "delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 OK)\n",
        encoding="utf-8",
    )
    with open_store(f"sqlite:///{db}") as store:
        ingest([str(log)], store)
    lines = []
    while b"event: change" not in b"".join(lines):
        line = resp.fp.readline()
        assert line, "the stream ended without a change event"
        lines.append(line)
    conn.close()


def test_attacker_text_is_shown_and_never_runs(served: tuple[str, Path], page: Page) -> None:
    base, _ = served
    visited = []
    page.goto(base + "/activity?q=victim@victim.test")
    visited.append("activity")
    page.locator("#rows tr a").first.click()
    visited.append("message")
    shot(page, "xss-message")
    for target in [
        page.url,
        base + "/bounces",
        base + "/suppressions",
        base + "/activity?q=attacker@evil.test",
    ]:
        page.goto(target)
        main = page.locator("main")
        # every payload is on the page as text ...
        text = main.inner_text()
        assert "<script>window.__xss=1</script>" in text, target
        assert "javascript:window.__xss=3" in text or "javascript:alert(1)" in text, target
        assert "\x1b" not in text
        # ... and none became markup
        assert page.locator("main script").count() == 0
        assert page.locator("[onmouseover], [onerror]").count() == 0
        assert page.locator("a[href^='javascript:']").count() == 0
        assert page.locator("main img").count() == 0
        for cell in page.locator("td.info").all()[:20]:
            if cell.is_visible():
                cell.hover(timeout=2000)
        assert page.evaluate("window.__xss") is None, target
    shot(page, "xss-bounces")


def test_upload_a_log_from_the_page(served: tuple[str, Path], page: Page, tmp_path: Path) -> None:
    base, _ = served
    log = tmp_path / "up.log"
    shutil.copy(REPO / "examples" / "postfix" / "maillog", log)
    page.goto(base + "/ingest")
    page.set_input_files("input[type=file]", str(log))
    page.click("form#upload button[type=submit]")
    expect(page).to_have_url(re.compile(r"/ingest/jobs/[\w-]+$"), timeout=30000)  # the upload's job
    expect(page.locator("#ingest-job")).to_have_attribute("data-state", "done", timeout=30000)
    expect(page.locator("#ingest-result")).to_contain_text("lines")
    shot(page, "ingest-done")


def test_sign_in_in_the_browser_when_auth_is_on(browser: Browser, tmp_path: Path) -> None:
    from inboxtrace.store.auth import set_user

    db = tmp_path / "auth.db"
    with open_store(f"sqlite:///{db}") as store:
        ingest([str(REPO / "examples" / "postfix" / "maillog")], store)
        set_user(store, "ana", "correct horse battery", "read")
    port = free_port()
    exe = str(Path(sys.executable).parent / "inboxtrace")
    proc = subprocess.Popen([exe, "serve", "--db", str(db), "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    ctx = browser.new_context()
    try:
        _wait_http(base + "/healthz")
        pg = ctx.new_page()
        pg.goto(base + "/overview")
        expect(pg).to_have_url(re.compile(r"/login\?next=%2Foverview"))
        shot(pg, "login")
        pg.fill("input[name=username]", "ana")
        pg.fill("input[name=password]", "wrong password!")
        pg.click("main form button[type=submit]")
        expect(pg.locator("p.error")).to_contain_text("did not match")
        pg.fill("input[name=username]", "ana")
        pg.fill("input[name=password]", "correct horse battery")
        pg.click("main form button[type=submit]")
        expect(pg).to_have_url(base + "/overview")
        cookie = next(c for c in ctx.cookies() if c["name"] == "itx_session")
        assert cookie["httpOnly"]
        assert cookie["sameSite"] == "Strict"
        # a read-only user cannot create a placement test
        pg.goto(base + "/placement")
        pg.fill("input[name=note]", "x")
        pg.click("main form button[type=submit]")
        expect(pg.locator("main h1")).to_contain_text("Forbidden")
        pg.goto(base + "/activity")
        pg.click("header form button[type=submit]")  # sign out
        expect(pg).to_have_url(re.compile(r"/login"))
        pg.goto(base + "/activity")
        expect(pg).to_have_url(re.compile(r"/login\?next="))
    finally:
        ctx.close()
        proc.terminate()
        proc.wait(timeout=10)
