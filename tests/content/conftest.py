"""A real spamd (SpamAssassin as Debian ships it, offline) and a real Knot serving a domain blocklist."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from inboxtrace.content.rspamd import RspamdServer
from inboxtrace.content.spamd import SpamdServer
from tests.rigs.knot import KnotServer, knot_server

DBL = """
[[list]]
name = "Test DBL"
zone = "dbl.test"
kind = "domain"
info = "https://dbl.test/"
[list.codes]
"127.0.1.2" = "spam domain"
[list.errors]
"127.255.255.254" = "query through a public resolver refused"
"""


@pytest.fixture(scope="session")
def spamd_server() -> Iterator[SpamdServer]:
    with SpamdServer.start() as server:
        yield server


@pytest.fixture(scope="session")
def dbl_knot() -> Iterator[KnotServer]:
    zones = {
        "dbl.test": "bad-links.example A 127.0.1.2\nrefused.example A 127.255.255.254\n",
        "shop.example": '@ TXT "v=spf1 -all"\n',
    }
    with knot_server(zones) as server:
        yield server


@pytest.fixture(scope="session")
def dbl_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("dbl") / "lists.toml"
    path.write_text(DBL)
    return str(path)


@pytest.fixture(scope="session")
def rspamd_server() -> Iterator[RspamdServer]:
    with RspamdServer.start() as server:
        yield server
