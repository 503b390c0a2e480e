"""Analytics commands: `murmur import orders FILE.csv`, `murmur analytics refresh`."""

from __future__ import annotations

import sys

import click

from inbox.customers import orders
from inbox.insights import lifecycle_service
from inbox.insights.analytics.orders_csv import OrdersFileError
from inbox.store.context import Inbox
from web.config import Config


def _inbox() -> Inbox:
    config = Config.from_env()
    return Inbox.from_url(config.database_url, config.secret_key, busy_timeout=config.busy_timeout)


def register(main: click.Group) -> None:
    """Add this module's commands to `murmur`."""

    @main.group("import")
    def import_group() -> None:
        """Import data from files."""

    @import_group.command("orders")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--currency", default=None, help="Currency for rows without a currency column, e.g. EUR.")
    def import_orders(path: str, currency: str | None) -> None:
        """Import orders from a CSV file (idempotent on order_id); bad rows are reported by line number."""
        with open(path, "rb") as fh:
            total = sum(1 for _ in fh) - 1
        inbox = _inbox()
        try:
            with (
                open(path, encoding="utf-8", errors="replace", newline="") as fh,
                click.progressbar(length=max(total, 0), label="Importing orders", file=sys.stderr) as bar,
            ):
                done = [0]

                def progress(rows: int) -> None:
                    bar.update(rows - done[0])
                    done[0] = rows

                result = orders.import_csv(inbox, fh, progress, currency)
        except OrdersFileError as exc:
            raise click.ClickException(f"{exc} (nothing was imported)") from None
        finally:
            inbox.engine.dispose()
        click.echo(
            f"{result.imported} orders imported, {result.duplicates} already present, "
            f"{len(result.rejected)} rows rejected, {len(result.customers)} customers."
        )
        for line, reason in result.rejected[:1000]:
            click.echo(f"line {line}: {reason}", err=True)
        if len(result.rejected) > 1000:
            click.echo(f"... and {len(result.rejected) - 1000} more rejected rows", err=True)

    @main.group("analytics")
    def analytics_group() -> None:
        """Customer analytics."""

    @analytics_group.command("refresh")
    def refresh() -> None:
        """Recompute RFM, CLV and VIP for all customers, and every customer's lifecycle stage."""
        inbox = _inbox()
        try:
            with_orders = lifecycle_service.recompute_values(inbox)
            changed = lifecycle_service.refresh_customers(inbox)
        finally:
            inbox.engine.dispose()
        click.echo(f"values for {with_orders} customers with orders; {changed} stage changes")
