"""OAuth 2.0 seeds and bounce mailboxes: SASL XOAUTH2 and OAUTHBEARER against a real Dovecot whose oauth2
passdb asks a token-introspection endpoint on loopback; the token comes from an environment variable,
a file or a command, and is never printed."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inboxtrace.bounces import iter_imap, read_bounces
from inboxtrace.cli import get_app, main
from inboxtrace.errors import AuthenticationError, ConfigError
from inboxtrace.imapauth import ImapLogin, Mechanism
from inboxtrace.model.placement import SeedErrorKind
from inboxtrace.seeds import check_seeds, load_seeds
from tests.bounces.samples import dsn
from tests.rigs.dovecot import DovecotRig
from tests.rigs.token_server import TokenServer

pytestmark = pytest.mark.dovecot

TOKEN = "ya29.test-access-token-7f3a91c2"
OTHER = "eyJ0eXAi.second-token.b4c1"
WRONG = "expired-token-0d9e8b77aa"
USERS = {"alice@oauth.test": "pw-alice", "bob@oauth.test": "pw-bob", "bounces@oauth.test": "pw-bounces"}


@pytest.fixture(scope="module")
def oauth_rig() -> Iterator[tuple[DovecotRig, TokenServer]]:
    tokens = {TOKEN: "alice@oauth.test", OTHER: "bob@oauth.test", "bounce-token-51": "bounces@oauth.test"}
    with TokenServer(tokens) as ts, DovecotRig.start(USERS, oauth2_introspection_url=ts.url) as rig:
        yield rig, ts


def _seeds(rig: DovecotRig, tmp_path: Path, entries: str) -> Path:
    f = tmp_path / "seeds.toml"
    f.write_text(
        f'[defaults]\nhost = "{rig.host}"\nport = {rig.imaps_port}\nca_file = "{rig.ca_file}"\n\n{entries}'
    )
    return f


def test_xoauth2_and_oauthbearer_seeds_from_env_file_and_command(
    oauth_rig: tuple[DovecotRig, TokenServer], tmp_path: Path
) -> None:
    rig, ts = oauth_rig
    (tmp_path / "bob.token").write_text(OTHER + "\n")
    helper = [sys.executable, "-c", f"print({TOKEN!r})"]
    f = _seeds(
        rig,
        tmp_path,
        '[[seed]]\naddress = "alice@oauth.test"\nauth = "xoauth2"\ntoken_env = "ALICE_TOKEN"\n\n'
        '[[seed]]\naddress = "bob@oauth.test"\nauth = "oauthbearer"\ntoken_file = "bob.token"\n',
    )
    seen = len(ts.seen)
    results = check_seeds(load_seeds(f), environ={"ALICE_TOKEN": TOKEN})
    assert all(r.ok for r in results), [r.error for r in results]
    assert {fo.name for fo in results[0].folders} >= {"INBOX", "Junk"}
    assert ts.seen[seen:].count(TOKEN) >= 1 and OTHER in ts.seen[seen:]  # Dovecot asked the endpoint
    # a token helper: any command that prints a fresh token
    g = _seeds(
        rig,
        tmp_path,
        f'[[seed]]\naddress = "alice@oauth.test"\nauth = "xoauth2"\ntoken_command = {json.dumps(helper)}\n',
    )
    (r,) = check_seeds(load_seeds(g), environ={})
    assert r.ok, r.error
    assert load_seeds(g)[0].public()["token_source"] == f"command:{Path(sys.executable).name}"


def test_a_refused_token_is_an_auth_error_that_never_shows_the_token(
    oauth_rig: tuple[DovecotRig, TokenServer], tmp_path: Path
) -> None:
    rig, _ = oauth_rig
    f = _seeds(rig, tmp_path, '[[seed]]\naddress = "alice@oauth.test"\nauth = "xoauth2"\ntoken_env = "T"\n')
    (r,) = check_seeds(load_seeds(f), environ={"T": WRONG})
    assert not r.ok and r.error is not None
    assert r.error_kind is SeedErrorKind.AUTH
    assert WRONG not in r.error and "xoauth2 token" in r.error
    res = CliRunner().invoke(get_app(), ["seeds", "check", str(f), "--json"], env={"T": WRONG})
    assert WRONG not in res.output
    assert "env:T" in res.output


def test_a_failing_token_command_shows_its_status_not_its_output(tmp_path: Path) -> None:
    leak = [sys.executable, "-c", f"import sys; sys.stderr.write('refresh failed for {TOKEN}'); sys.exit(3)"]
    f = tmp_path / "seeds.toml"
    f.write_text(
        f'[[seed]]\naddress = "a@x.test"\nhost = "127.0.0.1"\nauth = "oauthbearer"\n'
        f"token_command = {json.dumps(leak)}\n"
    )
    (seed,) = load_seeds(f)
    with pytest.raises(ConfigError) as exc:
        seed.secret_source().read("seed a@x.test", noun="access token")
    assert "exit status 3" in str(exc.value) and TOKEN not in str(exc.value)
    with pytest.raises(ConfigError, match="exactly one of token_env, token_file, token_command"):
        load_seeds(_write(tmp_path, '[[seed]]\naddress = "a@x.test"\nhost = "h"\nauth = "xoauth2"\n'))
    with pytest.raises(ConfigError, match="inline 'token' is not allowed"):
        load_seeds(_write(tmp_path, '[[seed]]\naddress = "a@x.test"\nhost = "h"\ntoken = "abc"\n'))


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "other.toml"
    p.write_text(text)
    return p


def test_bounce_mailbox_over_xoauth2_from_the_cli(
    oauth_rig: tuple[DovecotRig, TokenServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rig, _ = oauth_rig
    rig.deliver("bounces@oauth.test", dsn("oauth1@example.org"))
    login = ImapLogin("bounces@oauth.test", Mechanism.OAUTHBEARER, "bounce-token-51")
    items = iter_imap(rig.host, "bounces@oauth.test", login, port=rig.imaps_port, cafile=str(rig.ca_file))
    reports = list(read_bounces(items))
    assert [r.recipients[0].recipient for r in reports] == ["oauth1@example.org"]
    args = ["bounces", "--imap", rig.host, "--port", str(rig.imaps_port), "--ca-file", str(rig.ca_file),
            "--user", "bounces@oauth.test", "--auth", "xoauth2", "--json"]  # fmt: skip
    res = CliRunner().invoke(get_app(), [*args, "--token-env", "BT"], env={"BT": "bounce-token-51"})
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout.splitlines()[0])["recipient"] == "oauth1@example.org"
    monkeypatch.setenv("BT", WRONG)
    with pytest.raises(SystemExit) as stop:
        main([*args, "--token-env", "BT"])
    out = capsys.readouterr()
    assert stop.value.code != 0 and "login refused for bounces@oauth.test (xoauth2 token)" in out.err
    assert WRONG not in out.err + out.out and "Traceback" not in out.err
    with pytest.raises(AuthenticationError) as exc:
        list(iter_imap(rig.host, "bounces@oauth.test", ImapLogin("bounces@oauth.test", Mechanism.XOAUTH2, WRONG),
                       port=rig.imaps_port, cafile=str(rig.ca_file)))  # fmt: skip
    assert WRONG not in str(exc.value)
