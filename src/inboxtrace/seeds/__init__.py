"""Seed mailboxes and inbox-placement tests over IMAP.

* :func:`load_seeds` reads a seed list (TOML); :func:`check_seeds` connects to every seed concurrently.
* :mod:`inboxtrace.seeds.placement` creates, sends and checks placement tests.
"""

from inboxtrace.seeds.check import check_seed, check_seeds
from inboxtrace.seeds.config import load_seeds, parse_seeds

__all__ = ["check_seed", "check_seeds", "load_seeds", "parse_seeds"]
