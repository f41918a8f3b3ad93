"""A real Dovecot with seed mailboxes for several "providers", shared by the seeds tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.rigs.dovecot import DovecotRig, rig_tempdir

SEED_PASSWORD = "s3cret-seed"

# address → provider label; the rig's Sieve files mail by domain (junk.* → Junk, promo.* → Promotions,
# bulk.* → "Bulk" without SPECIAL-USE, discard.* → discarded after a 250)
SEEDS = {
    "alice@inbox.test": "inboxmail",
    "bob@inbox.test": "inboxmail",
    "carol@junk.test": "junkmail",
    "dave@promo.test": "promomail",
    "erin@bulk.test": "bulkmail",
    "frank@discard.test": "discardmail",
}


def _seed_rig() -> Iterator[DovecotRig]:
    with DovecotRig.start(dict.fromkeys(SEEDS, SEED_PASSWORD)) as rig:
        yield rig


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotRig]:
    yield from _seed_rig()


@pytest.fixture
def fresh_dovecot() -> Iterator[DovecotRig]:
    """A Dovecot of its own, for tests that fail logins on purpose: Dovecot delays every later login
    from an IP that failed (auth penalty, up to 15 s), which would slow the shared rig for everyone."""
    yield from _seed_rig()


@pytest.fixture
def workdir() -> Iterator[Path]:
    import shutil

    d = rig_tempdir("inboxtrace-seeds-")
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def seed_toml(
    rig: DovecotRig,
    seeds: dict[str, str],
    *,
    security: str = "tls",
    extra: str = "",
    per_seed: dict[str, str] | None = None,
) -> str:
    """A seed list for ``seeds`` on the rig; the password comes from $SEED_PW."""
    port = rig.imaps_port if security == "tls" else rig.imap_port
    out = [
        "[defaults]",
        f'host = "{rig.host}"',
        f"port = {port}",
        f'security = "{security}"',
        f'ca_file = "{rig.ca_file}"',
        'password_env = "SEED_PW"',
        extra,
        "",
        "[providers.promomail]",
        'folders = { "Promotions" = "tab:promotions" }',
        "",
    ]
    for address, provider in seeds.items():
        out += ["[[seed]]", f'address = "{address}"', f'provider = "{provider}"']
        if per_seed and address in per_seed:
            out.append(per_seed[address])
        out.append("")
    return "\n".join(out)
