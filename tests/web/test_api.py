"""The HTTP API and the pages through the ASGI app: data, errors as problem+json, auth, scopes, CSRF."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from inboxtrace.store import Store, open_store
from inboxtrace.store.auth import create_token, set_user
from inboxtrace.web import WebConfig, create_app
from inboxtrace.web.content import MAX_MESSAGE

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(example_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "web.db"
    shutil.copy(example_db, copy)
    return copy


@pytest.fixture
def client(db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(WebConfig(db=str(db)))) as c:
        yield c


def _csrf(c: TestClient, path: str = "/explain") -> str:
    html = c.get(path, headers={"accept": "text/html"}).text
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "the page carries a CSRF field"
    return m.group(1)


def test_deliveries_pages_and_filters(client: TestClient) -> None:
    seen = []
    cursor = None
    while True:
        r = client.get("/api/v1/deliveries", params={"limit": 7, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200
        body = r.json()
        seen += [(i["id"], i["recipient"]) for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    rep = client.get("/api/v1/report").json()
    # the activity lists every delivery, the report's totals leave the server's own notices apart
    assert len(seen) == len(set(seen)) == rep["totals"]["recipients"] + rep["server_notices"]["recipients"]
    bounced = client.get("/api/v1/deliveries", params={"state": "bounced"}).json()["items"]
    assert bounced
    assert {i["final_state"] for i in bounced} == {"bounced"}


def test_message_and_trace_agree(client: TestClient) -> None:
    item = next(
        i
        for i in client.get("/api/v1/deliveries", params={"state": "delivered"}).json()["items"]
        if i["remote_queue_id"]
    )
    msg = client.get(f"/api/v1/messages/{item['id']}").json()
    note = msg["postmaster"][item["recipient"]]
    assert note["their_id"] == item["remote_queue_id"]
    assert note["reply"].startswith("250")
    tr = client.get("/api/v1/trace", params={"q": item["queue_id"]}).json()
    assert tr["found"]
    assert tr["kind"] == "queue-id"
    attempts = [a for m in tr["stories"][0]["messages"] for d in m["deliveries"] for a in d["attempts"]]
    assert {"reply_code", "reason", "hard_bounce", "action"} <= set(
        next(a for a in attempts if a["verdict"])["verdict"]
    )


def test_errors_are_problem_json(client: TestClient) -> None:
    r = client.get("/api/v1/deliveries", params={"state": "lost"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 400
    assert "lost" in r.json()["detail"]
    r = client.get("/api/v1/deliveries", params={"cursor": "garbage"})
    assert r.status_code == 400
    r = client.get("/api/v1/messages/nothing-here")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    r = client.get("/api/v1/deliveries", params={"limit": 0})
    assert r.status_code == 422
    assert r.json()["title"] == "Invalid parameters"
    r = client.post("/api/v1/explain", json={"reply": "hello there"})
    assert r.status_code == 400
    for when in ("99999999999d", "9999-12-31T23:59:59-12:00", "yesterday"):
        r = client.get("/api/v1/deliveries", params={"since": when})
        assert r.status_code == 400, when
        assert r.headers["content-type"].startswith("application/problem+json")


def test_explain_suppressions_csv_metrics_health(client: TestClient) -> None:
    v = client.get("/api/v1/explain", params={"reply": "550 5.1.1 <a@b.example>: no such user"}).json()
    assert (v["reason"], v["hard_bounce"]) == ("userunknown", True)
    cmp_ = client.post("/api/v1/explain", json={"codes": ["550", "554"]}).json()
    assert [str(c["code"]) for c in cmp_["codes"]] == ["550", "554"]
    csv = client.get("/api/v1/suppressions", headers={"accept": "text/csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("address")
    assert client.get("/api/v1/suppressions").json()["count"] == len(csv.text.splitlines()) - 1
    metrics = client.get("/metrics").text
    assert re.search(r'^inboxtrace_deliveries\{state="delivered"\} \d+$', metrics, re.M)
    assert "inboxtrace_http_request_duration_seconds_bucket" in metrics
    assert client.get("/healthz").json()["status"] == "ok"
    nothing = client.get("/api/v1/deliveries", params={"subject": "no such subject"})
    assert nothing.status_code == 200 and nothing.json()["items"] == []
    assert 'name="subject"' in client.get("/activity", headers={"accept": "text/html"}).text


def test_upload_logs_limits_and_csrf(db: Path) -> None:
    app = create_app(WebConfig(db=str(db), max_upload=4096))
    with TestClient(app) as c:
        big = b"x" * 5000
        r = c.post("/api/v1/ingest/logs", content=big, headers={"x-csrf-token": "a", "cookie": "itx_csrf=a"})
        assert r.status_code == 413
        # a cross-site form post (no JSON, no CSRF header) is refused
        assert c.post("/api/v1/ingest/logs", content=b"abc").status_code == 403
        garbage = b"\x00\xff\xfe binary junk\n" * 10
        r = c.post(
            "/api/v1/ingest/logs", content=garbage, headers={"x-csrf-token": "a", "cookie": "itx_csrf=a"}
        )
        assert r.status_code == 200
        assert r.json()["unknown"] + r.json()["ignored"] >= 1


def test_page_uploads_are_bounded_and_csrf_checked(db: Path) -> None:
    # the Ingest and Content pages' forms: no Content-Length is a 411, past the limit a 413 (before
    # the body is read), a form without the page's CSRF token a 403
    with TestClient(create_app(WebConfig(db=str(db), max_upload=4096))) as c:
        token = _csrf(c, "/ingest")
        for path, too_big in (("/ingest", 4096 + 65537), ("/content", MAX_MESSAGE + 65537)):
            r = c.post(path, content=b"", headers={"content-length": str(too_big)})
            assert r.status_code == 413, path
            files = {"file": ("m.log", b"hello\n")}
            assert c.post(path, files=files, data={"csrf_token": "wrong"}).status_code == 403, path
            r = c.post(path, files=files, data={"csrf_token": token}, follow_redirects=False)
            assert r.status_code not in (403, 411, 413), (
                path,
                r.status_code,
            )  # past the guard: the page's own answer
        chunked = c.post("/ingest", content=iter([b"x"]), headers={"content-type": "multipart/form-data"})
        assert chunked.status_code == 411


def test_an_upload_becomes_a_job_that_reports_its_progress(db: Path, tmp_path: Path) -> None:
    """``?wait=false``: 202 at once with the job; ``GET /api/v1/ingest/jobs/{id}`` follows it to its
    end: bytes and lines read, messages stored, lines not understood, the summary."""
    from tests.conftest import generated_log

    log = generated_log(tmp_path / "big.log", 30000).read_bytes()
    junk = b"\x00\xff binary junk\n" * 25
    body = log[: len(log) // 2] + junk + log[len(log) // 2 :]
    auth = {"x-csrf-token": "a", "cookie": "itx_csrf=a"}
    with TestClient(create_app(WebConfig(db=str(db)))) as c:
        r = c.post("/api/v1/ingest/logs", params={"wait": "false"}, content=body, headers=auth)
        assert r.status_code == 202, r.text
        job = r.json()
        assert r.headers["location"] == f"/api/v1/ingest/jobs/{job['id']}"
        assert job["bytes_total"] == len(body) and job["state"] in ("running", "done")
        seen = [job]
        deadline = time.monotonic() + 120
        while job["state"] == "running":
            assert time.monotonic() < deadline, "the job did not finish"
            time.sleep(0.2)
            job = c.get(f"/api/v1/ingest/jobs/{job['id']}").json()
            seen.append(job)
        assert job["state"] == "done", job
        assert job["bytes_read"] == len(body) and job["percent"] == 100.0
        assert job["lines"] == job["result"]["lines"] > 30000
        assert job["stored"] == job["result"]["messages"] > 1000
        assert job["unparsed"] >= 25
        progress = [j["bytes_read"] for j in seen]
        assert progress == sorted(progress)
        assert c.get("/api/v1/ingest/jobs/nope").status_code == 404
        # a page upload lands on the job's page, which shows the same
        html = c.get(f"/ingest/jobs/{job['id']}", headers={"accept": "text/html"}).text
        assert 'data-state="done"' in html and "{:,}".format(job["lines"]) in html


def test_headers_have_csp_without_inline_script(client: TestClient) -> None:
    r = client.get("/activity", headers={"accept": "text/html"})
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "<script>" not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"


ROUTES = [
    ("GET", "/api/v1/deliveries"),
    ("GET", "/api/v1/trace?q=x"),
    ("GET", "/api/v1/messages/abc"),
    ("GET", "/api/v1/report"),
    ("GET", "/api/v1/overview"),
    ("GET", "/api/v1/bounces"),
    ("GET", "/api/v1/suppressions"),
    ("GET", "/api/v1/explain?reply=550"),
    ("POST", "/api/v1/explain"),
    ("POST", "/api/v1/checks"),
    ("GET", "/api/v1/checks"),
    ("GET", "/api/v1/checks/abc"),
    ("GET", "/api/v1/placement/tests"),
    ("POST", "/api/v1/placement/tests"),
    ("POST", "/api/v1/placement/tests/x/check"),
    ("GET", "/api/v1/placement/tests/x/report"),
    ("GET", "/api/v1/placement/tests/x/diagnosis"),
    ("GET", "/api/v1/diagnosis?address=a@b.c"),
    ("POST", "/api/v1/ingest/logs"),
    ("POST", "/api/v1/ingest/bounces"),
    ("GET", "/api/v1/tokens"),
    ("GET", "/metrics"),
]
PAGES = ["/activity", "/activity/rows", "/overview", "/bounces", "/suppressions", "/suppressions.csv",
         "/placement", "/checks", "/explain", "/ingest", "/messages/abc", "/placement/x", "/checks/x"]  # fmt: skip


def test_every_route_refuses_without_a_token_when_auth_is_on(db: Path) -> None:
    with open_store(str(db)) as s:
        _, read = create_token(s, "read")
    with TestClient(create_app(WebConfig(db=str(db)))) as c:
        for method, path in ROUTES:
            r = c.request(method, path, json={})
            assert r.status_code == 401, (method, path, r.status_code)
            assert r.headers["content-type"].startswith("application/problem+json")
        for path in PAGES:
            r = c.get(path, headers={"accept": "text/html"}, follow_redirects=False)
            assert r.status_code == 303, path
            assert r.headers["location"].startswith("/login?next=")
        # every route the app declares is in one of the lists (a new route must be added here)
        declared = {getattr(rt, "path", "") for rt in c.app.routes} - {""}  # type: ignore[attr-defined]
        listed = {re.sub(r"/(abc|x)(?=/|$)", "/{}", p.split("?")[0]) for _, p in ROUTES} | {
            re.sub(r"/(abc|x)(?=/|$)", "/{}", p) for p in PAGES
        }
        for path in declared:
            if path.startswith("/webhooks/"):
                continue  # the ESP webhooks verify their providers' signatures (tests/esp)
            norm = re.sub(r"\{[^}]+\}", "{}", path)
            assert norm in listed or norm in {"/", "/healthz", "/login", "/logout", "/static", "/api/v1/openapi.json",
                                              "/placement", "/checks", "/ingest"}, path  # fmt: skip
        ok = c.get("/api/v1/deliveries", headers={"authorization": f"Bearer {read}"})
        assert ok.status_code == 200
        bad = c.get("/api/v1/deliveries", headers={"authorization": f"Bearer {read}x"})
        assert bad.status_code == 401
        assert c.get("/healthz").status_code == 200


def test_scopes(db: Path) -> None:
    with open_store(str(db)) as s:
        _, read = create_token(s, "read")
        _, write = create_token(s, "write")
        _, admin = create_token(s, "admin")
    with TestClient(create_app(WebConfig(db=str(db)))) as c:
        h = lambda tok: {"authorization": f"Bearer {tok}"}  # noqa: E731
        assert c.post("/api/v1/placement/tests", json={}, headers=h(read)).status_code == 403
        created = c.post("/api/v1/placement/tests", json={"note": "n"}, headers=h(write))
        assert created.status_code == 201
        tid = created.json()["test_id"]
        assert c.get(f"/api/v1/placement/tests/{tid}/report", headers=h(read)).status_code == 200
        assert c.get("/api/v1/tokens", headers=h(write)).status_code == 403
        toks = c.get("/api/v1/tokens", headers=h(admin)).json()["items"]
        assert len(toks) == 3
        assert all("digest" not in t for t in toks)


def test_browser_sign_in_csrf_and_rate_limit(db: Path) -> None:
    with open_store(str(db)) as s:
        set_user(s, "ana", "s3cret-pass", "write")
    cfg = WebConfig(db=str(db), login_attempts=3, login_window=60)
    with TestClient(create_app(cfg)) as c:
        token = _csrf(c, "/login")
        # no CSRF field: refused before the password is even looked at
        r = c.post("/login", data={"username": "ana", "password": "s3cret-pass"})
        assert r.status_code == 403
        r = c.post("/login", data={"username": "ana", "password": "s3cret-pass", "csrf_token": token, "next": "//evil.example/"},
                   follow_redirects=False)  # fmt: skip
        assert r.status_code == 303
        assert r.headers["location"] == "/activity"
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        assert c.get("/activity", headers={"accept": "text/html"}).status_code == 200
        # a write form without the CSRF field is refused even when signed in
        assert c.post("/placement", data={"note": "x"}).status_code == 403
        r = c.post("/placement", data={"note": "x", "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"].startswith("/placement/")
    with TestClient(create_app(cfg)) as c2:
        token = _csrf(c2, "/login")
        for _ in range(3):
            r = c2.post("/login", data={"username": "ana", "password": "wrong-pass", "csrf_token": token})
            assert r.status_code == 401
        r = c2.post("/login", data={"username": "ana", "password": "s3cret-pass", "csrf_token": token})
        assert r.status_code == 429
        assert "retry-after" in r.headers


def test_serve_refuses_a_public_address_without_auth(tmp_path: Path) -> None:
    import subprocess
    import sys

    r = subprocess.run(
        [str(Path(sys.executable).parent / "inboxtrace"), "serve", "--db", str(tmp_path / "x.db"), "--host", "0.0.0.0"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert r.returncode == 1
    assert "refusing to listen on 0.0.0.0 without authentication" in r.stderr
    assert "Traceback" not in r.stderr


def test_the_app_serves_both_backends(store: Store) -> None:
    """The same journey over SQLite and a real PostgreSQL: search, page, open, overview, metrics."""
    with TestClient(create_app(WebConfig(db=store.url))) as c:
        items = c.get("/api/v1/deliveries", params={"limit": 5}).json()
        assert len(items["items"]) == 5
        nxt = c.get("/api/v1/deliveries", params={"limit": 5, "cursor": items["next_cursor"]}).json()
        assert not {i["id"] for i in items["items"]} & {i["id"] for i in nxt["items"]}
        item = items["items"][0]
        page = c.get(f"/messages/{item['id']}", headers={"accept": "text/html"})
        assert page.status_code == 200
        assert item["queue_id"] in page.text
        rep = c.get("/api/v1/overview").json()["report"]
        assert rep["totals"]["recipients"] + rep["server_notices"]["recipients"] == sum(
            int(v)
            for v in re.findall(r'^inboxtrace_deliveries\{state="\w+"\} (\d+)$', c.get("/metrics").text, re.M)
        )


@pytest.mark.parametrize(
    "body",
    [
        b"\x00\x01\x02\xff" * 300,  # binary
        b"From: a@b\r\nSubject: =?utf-8?B?////?=\r\n\r\n" + b"x" * 200_000,  # one huge line, broken encoding
        "Subject: caf\u00e9\n\n\u00e9t\u00e9".encode("latin-1"),  # not UTF-8
        b'Received: from x\r\nContent-Type: multipart/report; boundary="Z"\r\n\r\n--Z\r\n',  # truncated
    ],
)
def test_uploaded_bounces_never_fail_the_server(client: TestClient, body: bytes) -> None:
    r = client.post(
        "/api/v1/ingest/bounces", content=body, headers={"x-csrf-token": "a", "cookie": "itx_csrf=a"}
    )
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["messages"] >= 1
    assert data["stored"] + data["unreadable"] + data["duplicates"] >= 0
    assert "Traceback" not in r.text
