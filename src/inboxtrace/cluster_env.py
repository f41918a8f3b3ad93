"""Which cluster a run was asked to use, from its option or the environment.

Kept apart from :mod:`inboxtrace.execution` (which loads process pools and pipes): a command line
asks this of every run, and most runs use no cluster.
"""

from __future__ import annotations

import os

ENV_VAR = "INBOXTRACE_CLUSTER"


def cluster_address(given: str | None = None) -> str | None:
    """The cluster to use: ``given``, else ``$INBOXTRACE_CLUSTER``, else None (no cluster)."""
    value = given if given is not None else os.environ.get(ENV_VAR)
    return value.strip() or None if value else None


__all__ = ["ENV_VAR", "cluster_address"]
