"""Version tokens of the settings every ingest batch reads (rules, SLA policies, agents and
teams, webhook subscriptions), so each process may keep them between transactions.

A write to one of those tables sets its concern's token to a new random value in the same
transaction (`inbox.store.settings_cache`); a process reads the tokens once per transaction
and reloads a concern only when its token differs from the one its copy was loaded under.
Random tokens, not counters: a bump rolled back (a failed admin request, a test's rollback) can
never be confused with a later, different change that a counter would give the same number.
"""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models.base import Base


class SettingsVersion(Base):
    """One concern's current token; a missing row reads as the empty token."""

    __tablename__ = "settings_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
