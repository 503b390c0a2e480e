"""What the customers page offers to filter by, counted: only values that exist become pickers.

Also the RFM grid (customers per recency x frequency score, 1-5 each), whose cells link to the
directory filtered to that cell. All counts leave merged-away customers out, as the directory does,
so a picker's count equals the rows the directory lists for it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select

from inbox.customers.directory import CONTACT_BANDS, VALUE_BANDS, contact_clause, value_clause
from inbox.insights.analytics.lifecycle import Stage
from inbox.insights.analytics.rfm import Segment
from inbox.store.access import require_manager
from inbox.store.context import Inbox
from inbox.store.models import Customer

_LIVE = Customer.merged_into_id.is_(None)


def _band_counts(s: Any, clauses: dict[str, Any]) -> dict[str, int]:
    """One pass over the customers counting every band at once."""
    cols = [func.sum(case((cond, 1), else_=0)).label(key) for key, cond in clauses.items()]
    row = s.execute(select(*cols).where(_LIVE)).one()
    return {key: int(row[i] or 0) for i, key in enumerate(clauses)}


def facets(inbox: Inbox, agent_id: int) -> dict[str, Any]:
    """`{total, stages, segments, vip, value_bands, contact_bands, rfm_grid}`: each a list of
    `{value, count}` in a fixed order with only the values that have customers."""
    now = inbox.clock()
    with inbox.read() as s:
        require_manager(s, agent_id)
        total = s.scalar(select(func.count()).select_from(Customer).where(_LIVE)) or 0
        stages = dict(
            s.execute(
                select(Customer.lifecycle_stage, func.count()).where(_LIVE).group_by(Customer.lifecycle_stage)
            ).all()
        )
        segments = dict(
            s.execute(
                select(Customer.rfm_segment, func.count())
                .where(_LIVE, Customer.rfm_segment.is_not(None))
                .group_by(Customer.rfm_segment)
            ).all()
        )
        vip = dict(s.execute(select(Customer.vip, func.count()).where(_LIVE).group_by(Customer.vip)).all())
        values = _band_counts(s, {band: value_clause(band) for band in VALUE_BANDS})
        contacts = _band_counts(s, {band: contact_clause(band, now) for band in CONTACT_BANDS})
        grid = s.execute(
            select(Customer.rfm_recency, Customer.rfm_frequency, func.count())
            .where(_LIVE, Customer.rfm_recency.is_not(None))
            .group_by(Customer.rfm_recency, Customer.rfm_frequency)
        ).all()

    def present(order: list[str], counts: dict[Any, int]) -> list[dict[str, Any]]:
        known = [k for k in order if counts.get(k)] + sorted(
            k for k in counts if k not in order and counts[k]
        )
        return [{"value": k, "count": int(counts[k])} for k in known]

    return {
        "total": int(total),
        "stages": present([st.value for st in Stage], stages),
        "segments": present([sg.value for sg in Segment], segments),
        "vip": [{"value": v, "count": int(vip.get(v, 0))} for v in (True, False) if vip.get(v)],
        "value_bands": present(list(VALUE_BANDS), values),
        "contact_bands": present(list(CONTACT_BANDS), contacts),
        "rfm_grid": [{"r": int(r), "f": int(f), "count": int(n)} for r, f, n in sorted(grid)],
    }
