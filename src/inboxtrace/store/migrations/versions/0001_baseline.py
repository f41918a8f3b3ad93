"""The schema of inboxtrace 0.1.0, the last release before migrations.

Nothing to run: a new store is created from the table definitions and stamped at the newest
revision, and a 0.1.0 store (its per-group versions in ``inboxtrace_meta``: logs 3, alerts 1,
auth 1, check_runs 1, esp 1, feedback 1) is brought to these versions by the in-place steps
0.1.0 had, then stamped here. Revisions after this one change tables with ``op``.
"""

from __future__ import annotations

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
