"""Seed lists: validation, secrets kept out, folder roles from flags, names and overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from inboxtrace.errors import ConfigError
from inboxtrace.model.placement import Security
from inboxtrace.seeds.config import load_seeds, parse_seeds, read_password
from inboxtrace.seeds.folders import assign_roles, placement_for, search_order

BASE = {"host": "imap.example.test", "password_env": "PW"}


def test_defaults_providers_and_seed_merge(tmp_path: Path) -> None:
    f = tmp_path / "seeds.toml"
    f.write_text(
        '[defaults]\npassword_env = "PW"\n'
        '[providers.gmail]\nhost = "imap.gmail.test"\nport = 1993\n'
        '[[seed]]\naddress = "a@gmail.test"\nprovider = "gmail"\n'
        '[[seed]]\naddress = "b@x.test"\nhost = "imap.x.test"\nsecurity = "starttls"\nuser = "bee"\n'
        'password_file = "pw.txt"\nfolders = { "Quarantine" = "spam" }\n'
    )
    a, b = load_seeds(f)
    assert (a.host, a.port, a.security, a.login) == ("imap.gmail.test", 1993, Security.TLS, "a@gmail.test")
    assert (b.host, b.port, b.security, b.login, b.provider) == (
        "imap.x.test",
        143,
        Security.STARTTLS,
        "bee",
        "x.test",
    )
    assert b.password_file == str(tmp_path / "pw.txt")
    assert b.folders == (("Quarantine", "spam"),)
    (tmp_path / "pw.txt").write_text("hunter2\nignored\n")
    assert read_password(b) == "hunter2"
    assert read_password(a, {"PW": "x"}) == "x"
    assert "hunter2" not in str(b.public()) and "hunter2" not in repr(b)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"address": "a@x.test", "password": "inline"}, "inline 'password' is not allowed"),
        ({"address": "not-an-address"}, "must be an email address"),
        ({"address": "a@x.test", "security": "plain"}, "allow_plain = true"),
        ({"address": "a@x.test", "security": "ssl3"}, "tls, starttls or plain"),
        ({"address": "a@x.test", "port": 0}, "'port'"),
        ({"address": "a@x.test", "folders": {"X": "heaven"}}, "tab:<name>"),
        ({"address": "a@x.test", "colour": "red"}, "unknown key(s) colour"),
    ],
)
def test_bad_seed_entries_are_named(entry: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match="seed") as err:
        parse_seeds({"defaults": BASE, "seed": [entry]})
    assert message in str(err.value)


def test_plain_needs_explicit_permission_and_no_password_source() -> None:
    (s,) = parse_seeds(
        {"defaults": BASE, "seed": [{"address": "a@x.test", "security": "plain", "allow_plain": True}]}
    )
    assert s.security is Security.PLAIN
    with pytest.raises(ConfigError, match="password_env or password_file"):
        parse_seeds({"seed": [{"address": "a@x.test", "host": "h"}]})
    with pytest.raises(ConfigError, match="listed twice"):
        parse_seeds({"defaults": BASE, "seed": [{"address": "a@x.test"}, {"address": "A@x.test"}]})


def test_missing_env_and_unreadable_file_are_config_errors(tmp_path: Path) -> None:
    (s,) = parse_seeds({"defaults": BASE, "seed": [{"address": "a@x.test"}]})
    with pytest.raises(ConfigError, match="PW is not set"):
        read_password(s, {})
    (t,) = parse_seeds(
        {"seed": [{"address": "a@x.test", "host": "h", "password_file": str(tmp_path / "no")}]}
    )
    with pytest.raises(ConfigError, match="cannot read password file"):
        read_password(t)


def test_broken_toml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"[[seed]\naddress = \xff")
    with pytest.raises(ConfigError):
        load_seeds(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_seeds(tmp_path / "none.toml")


def test_roles_special_use_then_names_then_overrides() -> None:
    listing = [
        ((b"\\HasNoChildren",), "INBOX"),
        ((b"\\HasNoChildren", b"\\Junk"), "Quarantaine"),
        ((b"\\HasNoChildren",), "Bulk Mail"),
        ((b"\\HasNoChildren",), "[Gmail]/Spam"),
        ((b"\\Noselect", b"\\HasChildren"), "[Gmail]"),
        ((b"\\All",), "[Gmail]/All Mail"),
        ((), "Deleted Items"),
        ((b"\\Sent",), "Sent"),
        ((), "Promotions"),
        ((), "Projects"),
    ]
    folders = assign_roles(listing, (("promotions", "tab:promotions"),))
    roles = {f.name: (f.role, f.source) for f in folders}
    assert "[Gmail]" not in roles
    assert roles["Quarantaine"] == ("spam", "special-use")
    assert roles["Bulk Mail"] == ("spam", "name")
    assert roles["[Gmail]/Spam"] == ("spam", "name")
    assert roles["[Gmail]/All Mail"] == ("all", "special-use")
    assert roles["Deleted Items"] == ("trash", "name")
    assert roles["Promotions"] == ("tab:promotions", "override")
    assert roles["Projects"] == ("other", "name")
    order = [f.name for f in search_order(folders)]
    assert order[0] == "INBOX" and order[1] == "Promotions" and "Sent" not in order
    assert order[-1] == "[Gmail]/All Mail"
    by = {f.name: f for f in folders}
    assert placement_for(by["Projects"]) == "other:Projects"
    assert placement_for(by["[Gmail]/All Mail"]) == "archive"


def test_the_example_seed_list_is_valid(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from inboxtrace.cli import get_app

    res = CliRunner().invoke(get_app(), ["seeds", "example"])
    assert res.exit_code == 0
    f = tmp_path / "seeds.toml"
    f.write_text(res.stdout)
    seeds = {s.address: s for s in load_seeds(f)}
    gmail = seeds["my.seed.1@gmail.com"]
    assert (gmail.host, gmail.port, gmail.authserv_ids) == ("imap.gmail.com", 993, ("mx.google.com",))
    own = seeds["seed@example.org"]
    assert (own.security, own.port, own.login) == (Security.STARTTLS, 143, "seed")
    assert dict(own.folders)["Newsletters"] == "skip"
    outlook = seeds["my.seed@outlook.com"]  # Microsoft takes no passwords over IMAP: OAuth
    assert (outlook.auth, outlook.token_command[0]) == ("xoauth2", "my-oauth2-helper")
    assert seeds["my.seed.2@gmail.com"].token_file == str(tmp_path / "secrets/gmail-seed-2.token")
