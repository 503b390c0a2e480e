"""Rising terms as words: recount rollup_terms with the word segmenters

Chinese and Thai terms were overlapping character n-grams (款很, ดมว); `inbox.insights.analytics.terms`
now cuts them into words (the sentiment package's Chinese segmenter, PyThaiNLP's newmm for Thai). The
term rollups hold counts of the old terms, so they are recounted from the inbound messages with the
fold's own `terms_of`, after folding whatever is pending (so nothing is counted twice). No schema
change. Downgrade leaves the recounted rows: the older code reads them as terms it never rises.

Revision ID: 0011_dashboard
Revises: 0011_yearread
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from alembic import op

revision = "0011_dashboard"
down_revision = "0011_yearread"
branch_labels = None
depends_on = None
BATCH = 20_000


def upgrade() -> None:
    from inbox.insights import rollups  # the job's own code, so the recount and later folds agree
    from inbox.store.models.rollups import DAY, MONTH

    conn = op.get_bind()
    rollups.fold_all(conn)
    conn.execute(sa.text("DELETE FROM rollup_terms"))
    m, c = rollups._M, rollups._C
    last = 0
    while True:
        rows = conn.execute(
            sa.select(m.c.id, m.c.created_at, c.c.channel, m.c.language, m.c.text)
            .select_from(m.join(c, c.c.id == m.c.conversation_id))
            .where(m.c.direction == "in", m.c.id > last)
            .order_by(m.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        terms: Counter[tuple[object, ...]] = Counter()
        for r in rows:
            day = r.created_at.replace(hour=0, minute=0, second=0, microsecond=0)
            for term in rollups.terms_of(r.text or ""):
                terms[(DAY, day, r.channel, r.language or "", term)] += 1
                terms[(MONTH, day.replace(day=1), r.channel, r.language or "", term)] += 1
        rollups._upsert(conn, rollups._RT, 5, [(*k, n) for k, n in sorted(terms.items())])


def downgrade() -> None:
    pass
