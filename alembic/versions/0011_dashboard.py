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
    recount_terms(op.get_bind())


def recount_terms(conn: sa.Connection) -> None:
    """Fold what is pending, then count every inbound message's terms afresh into `rollup_terms`.

    The rows go through the fold's own upsert, with each bucket in the column's stored form (SQLite
    keeps "YYYY-MM-DD HH:MM:SS.ffffff" text), so later folds add to the same rows."""
    from inbox.insights import (
        rollup_fold,
        rollups,
    )  # the job's own code, so the recount and later folds agree
    from inbox.store.models.rollups import DAY, MONTH

    rollups.fold_all(conn)
    conn.execute(sa.text("DELETE FROM rollup_terms"))
    m, c = rollups._M, rollups._C
    sqlite = conn.dialect.name != "postgresql"
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
            month = day.replace(day=1)
            day_key, month_key = (_stored(day), _stored(month)) if sqlite else (day, month)
            for term in rollup_fold.terms_of(r.text or ""):
                terms[(DAY, day_key, r.channel, r.language or "", term)] += 1
                terms[(MONTH, month_key, r.channel, r.language or "", term)] += 1
        rollup_fold._add_terms(conn, [(*k, n) for k, n in terms.items()])


def _stored(at: object) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")  # type: ignore[attr-defined]


def downgrade() -> None:
    pass
