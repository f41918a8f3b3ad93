"""How the 0.1.0 stores of this folder were made (the migration tests start from them).

    git worktree add --detach /tmp/old010 97b691c       # inboxtrace 0.1.0, the last release before Alembic
    python make_0.1.0_stores.py /tmp/old010 .venv/bin/python sqlite:////tmp/old.db
    python -c "import sqlite3; print('\\n'.join(sqlite3.connect('/tmp/old.db').iterdump()))" > inboxtrace-0.1.0.sqlite.sql
    # the same into an empty PostgreSQL database, then:
    pg_dump --no-owner --no-privileges --inserts --no-comments DB > inboxtrace-0.1.0.postgresql.sql

It runs that release's own CLI on its own bundled inputs (the example Postfix log, 40 corpus bounces,
SendGrid and SparkPost event batches, a DMARC aggregate report, a token, a user, an alerts run).
"""
import json, os, subprocess, sys, tempfile
from pathlib import Path

OLD = Path(sys.argv[1])
PY = sys.argv[2]
db = sys.argv[3]
env = dict(os.environ, PYTHONPATH=f"{OLD}/src:{OLD}", INBOXTRACE_PURE="1", PW="correct horse battery")
tmp = Path(tempfile.mkdtemp())


def run(*args: str) -> None:
    code = "import sys; from inboxtrace.cli import main; sys.argv[0]='inboxtrace'; sys.exit(main())"
    p = subprocess.run([PY, "-c", code, *args], env=env, capture_output=True, text=True, cwd=tmp)
    print(args[:2], p.returncode, p.stderr.strip()[-200:], file=sys.stderr)


run("ingest", "--quiet", "--db", db, str(OLD / "examples/postfix/maillog"))
emails = sorted((OLD / "tests/data/corpus/bounces/emails").iterdir())[:40]
run("bounces", "--ingest", "--db", db, *map(str, emails))
sys.path[:0] = [str(OLD / "src"), str(OLD)]
from tests.esp import payloads  # noqa: E402
from tests.reports import samples  # noqa: E402

sg = tmp / "sg.jsonl"
sg.write_text("".join(json.dumps(e) + "\n" for e in payloads.sendgrid_batch()))
run("events", "import", str(sg), "--provider", "sendgrid", "--db", db)
sp = tmp / "sp.jsonl"
sp.write_text("".join(json.dumps(e) + "\n" for e in payloads.sparkpost_batch()))
run("events", "import", str(sp), "--provider", "sparkpost", "--db", db)
agg = tmp / "agg.xml"
agg.write_bytes(samples.aggregate())
run("dmarc", "ingest", str(agg), "--db", db)
run("tokens", "create", "--scope", "read", "--db", db)
run("users", "set", "alice", "--password-env", "PW", "--db", db)
run("alerts", "run", "--db", db)
