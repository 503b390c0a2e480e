"""Benchmark hook for `make bench`: how fast the rule evaluator decides, with many enabled rules."""

from __future__ import annotations

import random
import time

from escalation import Action, Condition, Rule, evaluate

_WORDS = ("refund", "broken", "late", "lawyer", "cancel", "thanks", "where", "order", "help", "angry")


def _rules(n_rules: int, rng: random.Random) -> list[Rule]:
    rules = []
    for i in range(n_rules):
        conds = (
            Condition("message.text", "contains", rng.choice(_WORDS)),
            Condition("message.sentiment", "lt", rng.uniform(-0.9, 0.2)),
            Condition("author.followers", "gte", rng.choice((100, 1000, 10_000))),
            Condition("message.text", "matches", rf"\b{rng.choice(_WORDS)}\w*"),
        )
        rules.append(
            Rule(
                i + 1,
                f"r{i}",
                "message.created",
                conds[: rng.randint(1, 4)],
                (Action("add_label", {"label": f"l{i}"}),),
                rng.choice(("all", "any")),
                True,
                i,
            )
        )
    return rules


def rule_eval_rate(n_rules: int = 100, messages: int = 2000, seed: int = 7) -> float:
    """Messages per second through `escalation.evaluate` with `n_rules` enabled rules."""
    rng = random.Random(seed)
    rules = _rules(n_rules, rng)
    facts = [
        {
            "message.text": " ".join(rng.choices(_WORDS, k=12)),
            "message.sentiment": rng.uniform(-1, 1),
            "author.followers": rng.randint(0, 50_000),
            "customer.vip": rng.random() < 0.1,
        }
        for _ in range(messages)
    ]
    start = time.perf_counter()
    for f in facts:
        evaluate(rules, f, "message.created")
    return messages / (time.perf_counter() - start)
