"""log_messages.subject: the Subject Postfix logged (header_checks WARN/INFO), with its index.

Revision 0002, after 0001. Every stored message keeps its row; none had a subject before, so the
new column starts empty and so does its index (see :mod:`inboxtrace.store.subjects`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from inboxtrace.store.subjects import create_subject_search

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("log_messages", sa.Column("subject", sa.Text))
    create_subject_search(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("inboxtrace stores are not downgraded: open them with this release or newer")
