"""Search and long conversations on a year-sized database: `python -m web.bench.search_scale URL`.

Builds (once; a marker row says it is built) a database of `--messages` messages (default
1,000,000) in conversations of about ten over 365 days, in English, Chinese and Thai, plus one
conversation of 200 and one of 10,000 messages; then times through the HTTP API (Flask's test
client, in process) the search for "refund", "退款", "ขอบคุณ", a one-character Chinese term and a
Chinese customer name, and the first and an older page of the two long conversations, each next
to the time of the same query's bare SQL statements (`--bare`: reported per figure).

Rows go in with plain executemany in big transactions: minutes, not hours. A standalone
generator because this one needs its own text mix (the search terms' frequencies).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text

from inbox.admin.agents import create_agent, create_token
from inbox.channels.accounts import create_channel
from inbox.store.context import Inbox
from inbox.store.models import Conversation, Customer, Identity, Message
from inbox.store.schema import upgrade

EN = [
    "Where is my refund for order #{n}? It has been two weeks.",
    "Thanks for the quick help, all sorted now",
    "My package {n} arrived damaged, the box was crushed",
    "Can I change the delivery address of order {n}?",
    "The app keeps crashing when I log in on Android",
    "I want to cancel my subscription before it renews",
    "Still no refund and nobody answers my emails",
    "Do you ship to Canada? Asking about item {n}",
    "Great service, will buy again",
    "The discount code {n} does not work at checkout",
]
ZH = [
    "我的退款还没有到账，订单{n}",
    "谢谢你们的帮助，问题解决了",
    "快递什么时候到？单号{n}",
    "商品质量很好，下次还会买",
    "我要退货，尺码不合适",
    "订单{n}一直没有发货，太慢了",
    "客服态度太差了",
    "请问可以开发票吗",
    "申请退款三天了还没处理",
    "包装破损，里面的东西也坏了",
]
TH = [
    "ขอบคุณมากครับ ได้รับของแล้ว",
    "สินค้ายังไม่มาถึงเลย สั่งไปเลขที่ {n}",
    "ต้องการคืนเงินค่ะ ของไม่ตรงปก",
    "บริการดีมาก ประทับใจ",
    "สั่งของไปเมื่อวาน จะได้เมื่อไหร่",
    "แอปเข้าไม่ได้ครับ ช่วยดูให้หน่อย",
    "ขอบคุณที่ช่วยเหลือนะคะ",
    "ของแตกมาค่ะ ขอเปลี่ยนได้ไหม",
]
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = ["伟", "娜", "敏", "静", "强", "磊", "洋", "艳", "杰", "涛"]
THAI_NAMES = ["สมชาย", "สมศรี", "วิชัย", "มาลี", "ประยุทธ", "กมล"]
EN_NAMES = ["Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi"]
START = datetime(2025, 12, 1, tzinfo=UTC)
QUERIES = {"refund": "refund", "退款": "退款", "ขอบคุณ": "ขอบคุณ", "好 (1 char)": "好", "name 王伟": "王伟"}


def _text(rng: random.Random) -> str:
    pool = rng.choices((EN, ZH, TH), weights=(5, 3, 2))[0]
    return rng.choice(pool).format(n=rng.randrange(10_000, 99_999))


def _chunks(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def build(inbox: Inbox, messages: int, seed: int = 7) -> dict[str, int]:
    """Fill an empty migrated database; returns the ids the timings need."""
    rng = random.Random(seed)
    channel, _ = create_channel(inbox, None, "webhook", "Bench", {}, {}, None)
    cid = channel["id"]
    n_conv = max(messages // 10, 3)
    n_cust = max(n_conv // 2, 3)

    def name(i: int) -> str:
        kind = i % 4
        if kind == 0:
            return rng.choice(SURNAMES) + rng.choice(GIVEN)
        if kind == 1:
            return rng.choice(THAI_NAMES)
        return f"{rng.choice(EN_NAMES)} {i}"

    t0 = time.perf_counter()
    with inbox.engine.begin() as conn:
        for batch in _chunks(
            ({"id": i, "name": name(i), "email": f"c{i}@example.com"} for i in range(1, n_cust + 1)), 20_000
        ):
            conn.execute(insert(Customer), batch)
        conn.execute(
            insert(Identity),
            [
                {
                    "id": i,
                    "customer_id": i,
                    "channel": "webhook",
                    "external_id": f"a{i}",
                    "handle": f"user_{i}",
                }
                for i in range(1, n_cust + 1)
            ],
        )
        for batch in _chunks(
            (
                {
                    "id": i,
                    "customer_id": rng.randrange(1, n_cust + 1),
                    "channel_account_id": cid,
                    "channel": "webhook",
                    "thread_key": f"t{i}",
                    "status": "resolved" if rng.random() < 0.6 else "open",
                }
                for i in range(1, n_conv + 1)
            ),
            20_000,
        ):
            conn.execute(insert(Conversation), batch)
    print(f"  customers and conversations: {time.perf_counter() - t0:.1f} s", flush=True)
    span = 365 * 86_400
    long_ids = {"conversation_200": 1, "conversation_10000": 2}
    sizes = {1: min(200, messages // 10), 2: min(10_000, messages // 5)}  # smaller for a smoke run
    rest = messages - sum(sizes.values())
    step = span / max(rest, 1)

    def rows() -> Iterator[dict[str, Any]]:
        mid = 0
        long_left = dict(sizes)
        for k in range(rest):
            at = START + timedelta(seconds=k * step)
            for conv, left in long_left.items():  # the long ones spread over the year too
                if left and rng.random() < left / max(rest - k, 1):
                    long_left[conv] -= 1
                    mid += 1
                    yield _row(mid, conv, at, rng, cid)
            mid += 1
            yield _row(mid, rng.randrange(3, n_conv + 1), at, rng, cid)

    t0 = time.perf_counter()
    done = 0
    for batch in _chunks(rows(), 50_000):
        with inbox.engine.begin() as conn:
            conn.execute(insert(Message), batch)
        done += len(batch)
        print(f"  {done:,} messages, {time.perf_counter() - t0:.0f} s", flush=True)
    with inbox.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return long_ids


def _row(mid: int, conv: int, at: datetime, rng: random.Random, cid: int) -> dict[str, Any]:
    return {
        "id": mid,
        "conversation_id": conv,
        "channel_account_id": cid,
        "direction": "in",
        "external_id": f"m{mid}",
        "text": _text(rng),
        "created_at": at,
        "received_at": at,
        "sentiment_reasons": [],
    }


def _times(call: Callable[[], Any], repeat: int) -> tuple[float, float]:
    call()  # warm
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def measure(url: str, repeat: int) -> list[tuple[str, float, float]]:
    from web.app import create_app
    from web.config import Config

    app = create_app(Config(database_url=url, secret_key="bench-secret", testing=True, scheduler=False))
    inbox: Inbox = app.extensions["murmur.inbox"]
    with inbox.read() as s:
        admin = s.scalar(text("SELECT email FROM agents WHERE email = 'bench@example.com'"))
    if admin is None:
        create_agent(inbox, "bench@example.com", "bench password 1", "admin", "Bench", [])
    token = create_token(inbox, "bench@example.com")
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}

    def get(path: str, **params: Any) -> Callable[[], Any]:
        def call() -> Any:
            res = client.get(path, query_string=params, headers=auth)
            assert res.status_code == 200, res.get_data(as_text=True)[:300]
            return res.get_json()

        return call

    out = []
    # the floor on this machine now: an authenticated request that reads one row
    p50, p95 = _times(get("/api/me"), repeat)
    out.append(("reference: GET /api/me", p50, p95))
    for label, q in QUERIES.items():
        p50, p95 = _times(get("/api/search", q=q), repeat)
        out.append((f"search {label}", p50, p95))
    more = get("/api/search", q="refund")()["more_before"]
    p50, p95 = _times(get("/api/search", q="refund", before=more), repeat)
    out.append(("search refund, second page", p50, p95))
    with inbox.read() as s:
        sizes = dict(
            s.execute(
                select(Message.conversation_id, text("count(*)"))
                .where(Message.conversation_id.in_([1, 2]))
                .group_by(Message.conversation_id)
            ).all()
        )
    for conv in (1, 2):
        first = get(f"/api/conversations/{conv}")
        p50, p95 = _times(first, repeat)
        out.append((f"conversation of {sizes.get(conv, 0):,}: first page", p50, p95))
        cursor = first()["more_before"]
        p50, p95 = _times(get(f"/api/conversations/{conv}/messages", before=cursor), repeat)
        out.append((f"conversation of {sizes.get(conv, 0):,}: older page", p50, p95))
    inbox.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="database URL (SQLite file or PostgreSQL)")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    upgrade(args.url)
    inbox = Inbox.from_url(args.url, "bench-secret")
    with inbox.read() as s:
        built = s.scalar(select(Message.id).limit(1)) is not None
    if not built:
        print(f"building {args.messages:,} messages in {args.url}", flush=True)
        build(inbox, args.messages)
    inbox.engine.dispose()
    print(f"{'figure':40} {'p50 ms':>8} {'p95 ms':>8}")
    for label, p50, p95 in measure(args.url, args.repeat):
        print(f"{label:40} {p50:8.1f} {p95:8.1f}", flush=True)


if __name__ == "__main__":
    main()
