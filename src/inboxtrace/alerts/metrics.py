"""The numbers alert rules are judged on, read from the store for one window and its baseline.

Every metric yields :class:`Observation` records, one per group key (all, a receiving provider, a
recipient or sender domain, a blocklist, a placement test), each with its evidence: counts, the
most frequent replies, example messages and the next step the reply vocabulary gives.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from inboxtrace.alerts.config import Rule
from inboxtrace.store.logs import log_deliveries, log_messages

_FAILED = ("bounced", "expired")
_DECIDED = ("delivered", "bounced", "expired")
# a delivery decided by its only attempt: that attempt was not a deferral
_SINGLE_FINAL = frozenset({"delivered", "bounced", "expired", "rejected"})
# blocklists named in replies: "blocked using zen.spamhaus.org", "listed on b.barracudacentral.org" ...
_LIST_NAMES = re.compile(
    r"\b(spamhaus|spamcop|barracuda(?:central)?|sorbs|uceprotect|psbl|mailspike|invaluement|surbl|"
    r"spamrats|hostkarma|backscatterer|truncate\.gbudb|cbl\.abuseat|0spam|senderscore)\b",
    re.IGNORECASE,
)
_LIST_ZONE = re.compile(
    r"(?:blocked using|listed (?:in|on|at|by)|found (?:in|on)|rbl|dnsbl|blocklist|blacklist)\W{0,3}"
    r"([a-z0-9-]+(?:\.[a-z0-9-]+)+)",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Window:
    lo: float
    hi: float


# per group key: (value, volume) over a baseline window
BaselineValues = dict[str, tuple[float, int]]
# (rule, baseline window, how to compute it) -> the values, computed or from a cache
Baselines = Callable[["Rule", Window, Callable[[Window], BaselineValues]], BaselineValues]


def computed(rule: Rule, base: Window, compute: Callable[[Window], BaselineValues]) -> BaselineValues:
    """No cache: compute the baseline now."""
    return compute(base)


# What a window holds for one group key, in a form that adds up over consecutive periods:
# {"n": {name: number}, "r": {reply: count}, "x": [up to 3 examples, newest first]}
Tally = dict[str, Any]
Tallies = dict[str, Tally]
# (rule, window, how to count it) -> its tallies, counted or from a cache
Windows = Callable[["Rule", Window, Callable[[Window], Tallies]], Tallies]
_REPLIES_KEPT = 20  # per key and period: the most frequent replies


def counted(rule: Rule, w: Window, compute: Callable[[Window], Tallies]) -> Tallies:
    """No cache: count the window now."""
    return compute(w)


def tally(n: dict[str, Any], replies: Counter[str] | None = None, examples: list[Any] | None = None) -> Tally:
    out: Tally = {"n": dict(n)}
    if replies:
        out["r"] = dict(replies.most_common(_REPLIES_KEPT))
    if examples:
        out["x"] = sorted(examples, key=lambda e: -(e.get("time") or 0))[:3]
    return out


def _top(t: Tally) -> list[tuple[str, int]]:
    replies: Counter[str] = Counter(t.get("r", {}))
    return replies.most_common(3)


def add_tallies(parts: Iterable[Tallies]) -> Tallies:
    """The tallies of consecutive periods as one: numbers and reply counts add up, the newest
    examples are kept."""
    out: Tallies = {}
    for part in parts:
        for key, t in part.items():
            o = out.setdefault(key, {"n": {}})
            for name, v in t.get("n", {}).items():
                o["n"][name] = o["n"].get(name, 0) + v
            if t.get("r"):
                r = o.setdefault("r", {})
                for reply, v in t["r"].items():
                    r[reply] = r.get(reply, 0) + v
            if t.get("x"):
                o["x"] = sorted([*o.get("x", []), *t["x"]], key=lambda e: -(e.get("time") or 0))[:3]
    return out


@dataclass(slots=True)
class Observation:
    """One rule's value for one group key in the window, with what proves it."""

    key: str
    value: float  # the rate (percent) or count the rule compares
    volume: int  # what the rate is taken over (deliveries decided, attempts, deliveries, results)
    baseline: float | None = None
    baseline_volume: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    replies: list[tuple[str, int]] = field(default_factory=list)
    reasons: list[tuple[str, int]] = field(default_factory=list)
    examples: list[dict[str, Any]] = field(default_factory=list)


def _group_col(by: str) -> Any:
    d = log_deliveries.c
    return {"provider": d.provider, "rcpt_domain": d.rcpt_domain, "all": sa.literal("all")}.get(by)


def _sender_domain(sender: str | None) -> str:
    if not sender or "@" not in sender:
        return "(none)"
    return sender.rpartition("@")[2].strip(">").lower() or "(none)"


def _state_counts(conn: Connection, by: str, w: Window) -> dict[str, Counter[str]]:
    """{group key: Counter({final_state: n, "hard": n})} for deliveries whose final state is in ``w``."""
    d, m = log_deliveries.c, log_messages.c
    where = (d.last_time >= w.lo, d.last_time < w.hi)
    out: dict[str, Counter[str]] = {}
    if by == "sender_domain":
        q = (
            sa.select(m.sender, d.final_state, d.hard_bounce, sa.func.count())
            .select_from(log_deliveries.join(log_messages, d.mkey == m.mkey))
            .where(*where)
            .group_by(m.sender, d.final_state, d.hard_bounce)
        )
        rows: Iterable[Any] = ((_sender_domain(s), st, h, n) for s, st, h, n in conn.execute(q))
    else:
        col = _group_col(by)
        q = sa.select(col, d.final_state, d.hard_bounce, sa.func.count()).where(*where)
        q = q.group_by(col, d.final_state, d.hard_bounce)
        rows = conn.execute(q)
    for key, state, hard, n in rows:
        c = out.setdefault(str(key) if key is not None else "(unknown)", Counter())
        c[state] += int(n)
        if hard and state in _FAILED:
            c["hard"] += int(n)
    return out


def _filter(by: str, key: str) -> list[Any]:
    d, m = log_deliveries.c, log_messages.c
    if by == "all":
        return []
    if by == "sender_domain":
        return [sa.func.lower(m.sender).like(f"%@{key}")] if key != "(none)" else [m.sender.is_(None)]
    col = d.provider if by == "provider" else d.rcpt_domain
    return [col.is_(None)] if key == "(unknown)" else [col == key]


def _evidence(
    conn: Connection, by: str, key: str, w: Window, *, states: tuple[str, ...], obs: Observation
) -> None:
    d, m = log_deliveries.c, log_messages.c
    q = (
        sa.select(
            d.recipient,
            d.reply,
            d.reason,
            d.relay_host,
            d.last_time,
            d.final_state,
            m.queue_id,
            m.host,
            m.message_id,
        )
        .select_from(log_deliveries.join(log_messages, d.mkey == m.mkey))
        .where(d.last_time >= w.lo, d.last_time < w.hi, d.final_state.in_(states), *_filter(by, key))
        .order_by(d.last_time.desc())
        .limit(2000)
    )
    replies: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for r in conn.execute(q):
        if r.reply:
            replies[r.reply[:300]] += 1
        if r.reason:
            reasons[r.reason] += 1
        if len(obs.examples) < 3:
            obs.examples.append(
                {
                    "recipient": r.recipient,
                    "queue_id": r.queue_id,
                    "host": r.host,
                    "message_id": r.message_id,
                    "time": r.last_time,
                    "state": r.final_state,
                    "reply": r.reply,
                }
            )
    obs.replies = replies.most_common(3)
    obs.reasons = reasons.most_common(3)


def bounce_rates(
    conn: Connection,
    rule: Rule,
    w: Window,
    base: Window,
    baselines: Baselines = computed,
    *,
    windows: Windows = counted,
) -> list[Observation]:
    hard_only = rule.metric == "hard_bounce_rate"

    def rate(c: Counter[str]) -> tuple[float, int]:
        total = sum(c[s] for s in _DECIDED)
        failed = c["hard"] if hard_only else sum(c[s] for s in _FAILED)
        return (100.0 * failed / total if total else 0.0), total

    tallies = windows(
        rule, w, lambda win: {k: tally(c) for k, c in _state_counts(conn, rule.by, win).items()}
    )
    now: dict[str, Counter[str]] = {k: Counter(t["n"]) for k, t in tallies.items()}
    before = baselines(
        rule, base, lambda win: {k: rate(c) for k, c in _state_counts(conn, rule.by, win).items()}
    )

    out = []
    for key, c in now.items():
        value, volume = rate(c)
        bval, bvol = before.get(key, (None, 0))
        counts = {s: c[s] for s in ("delivered", "bounced", "expired", "deferred", "rejected") if c[s]}
        if c["hard"]:
            counts["hard_bounces"] = c["hard"]
        out.append(Observation(key, value, volume, bval, bvol, counts))
    return out


def _throttled(attempt: list[Any]) -> bool:
    reply = attempt[5] or ""
    dsn = attempt[6] or ""
    return (
        attempt[11] == "ratelimited"
        or dsn.startswith("4.7.")
        or reply.startswith("421")
        or " 4.7." in reply[:12]
    )


def throttling(
    conn: Connection,
    rule: Rule,
    w: Window,
    base: Window,
    baselines: Baselines = computed,
    *,
    windows: Windows = counted,
) -> list[Observation]:
    """Deferred attempts with throttling replies (421, 4.7.x, reason ratelimited), per group, as a
    share of all attempts of the deliveries active in the window."""

    def scan(
        win: Window,
    ) -> tuple[dict[str, list[int]], dict[str, Counter[str]], dict[str, list[dict[str, Any]]]]:
        d, m = log_deliveries.c, log_messages.c
        col = m.sender if rule.by == "sender_domain" else _group_col(rule.by)
        q = (
            sa.select(col, d.n_attempts, d.attempts, d.final_state, d.recipient, m.queue_id, m.host)
            .select_from(log_deliveries.join(log_messages, d.mkey == m.mkey))
            .where(d.last_time >= win.lo, d.last_time < win.hi)
        )
        totals: dict[str, list[int]] = {}
        replies: dict[str, Counter[str]] = {}
        examples: dict[str, list[dict[str, Any]]] = {}
        for key, n, attempts, state, rcpt, qid, host in conn.execute(q):
            k = (
                _sender_domain(key)
                if rule.by == "sender_domain"
                else (str(key) if key is not None else "(unknown)")
            )
            t = totals.setdefault(k, [0, 0])
            t[0] += int(n or 0)
            if (n or 0) > 1 or state not in _SINGLE_FINAL:
                for a in json.loads(attempts or "[]"):
                    if a[1] == "deferred" and win.lo <= a[0] < win.hi and _throttled(a):
                        t[1] += 1
                        replies.setdefault(k, Counter())[(a[5] or "")[:300]] += 1
                        ex = examples.setdefault(k, [])
                        if len(ex) < 3:
                            ex.append(
                                {
                                    "recipient": rcpt,
                                    "queue_id": qid,
                                    "host": host,
                                    "time": a[0],
                                    "reply": a[5],
                                }
                            )
        return totals, replies, examples

    def tallies(win: Window) -> Tallies:
        totals, replies, examples = scan(win)
        return {
            k: tally({"attempts": t[0], "throttled": t[1]}, replies.get(k), examples.get(k))
            for k, t in totals.items()
        }

    # counted over the whole window, never summed from shorter periods: a delivery's throttled
    # attempts and its final state fall in different minutes
    now = tallies(w)
    before = baselines(
        rule,
        base,
        lambda win: {k: ((100.0 * t[1] / t[0]) if t[0] else 0.0, t[0]) for k, t in scan(win)[0].items()},
    )
    out = []
    for key, t in now.items():
        attempts, throttled = int(t["n"]["attempts"]), int(t["n"]["throttled"])
        value = 100.0 * throttled / attempts if attempts else 0.0
        bval, bvol = before.get(key, (None, 0))
        obs = Observation(
            key, value, attempts, bval if bvol else None, bvol, {"attempts": attempts, "throttled": throttled}
        )
        obs.replies = _top(t)
        obs.reasons = [("ratelimited", throttled)] if throttled else []
        obs.examples = list(t.get("x", []))
        out.append(obs)
    return out


def complaint_rates(
    conn: Connection,
    rule: Rule,
    w: Window,
    base: Window,
    baselines: Baselines = computed,
    *,
    windows: Windows = counted,
) -> list[Observation]:
    """Spam complaints reported by ESPs ÷ deliveries they reported, in the window."""
    from inboxtrace.store.esp import esp_events

    e = esp_events.c
    col = {"provider": e.provider, "rcpt_domain": e.rcpt_domain, "sender_domain": e.sender}.get(
        rule.by, sa.literal("all")
    )

    def counts(win: Window) -> dict[str, Counter[str]]:
        q = (
            sa.select(col, e.kind, sa.func.count())
            .where(e.time >= win.lo, e.time < win.hi, e.kind.in_(["delivered", "complained"]))
            .group_by(col, e.kind)
        )
        out: dict[str, Counter[str]] = {}
        for key, kind, n in conn.execute(q):
            k = _sender_domain(key) if rule.by == "sender_domain" else str(key)
            out.setdefault(k, Counter())[kind] += int(n)
        return out

    now: dict[str, Counter[str]] = {
        k: Counter(t["n"])
        for k, t in windows(rule, w, lambda win: {k: tally(c) for k, c in counts(win).items()}).items()
    }
    before = baselines(
        rule,
        base,
        lambda win: {
            k: ((100.0 * c["complained"] / c["delivered"]) if c["delivered"] else 0.0, c["delivered"])
            for k, c in counts(win).items()
        },
    )
    out = []
    for key, c in now.items():
        value = 100.0 * c["complained"] / c["delivered"] if c["delivered"] else 0.0
        bval, bvol = before.get(key, (None, 0))
        obs = Observation(key, value, c["delivered"], bval if bvol else None, bvol, dict(c))
        q = (
            sa.select(e.recipient, e.provider, e.provider_message_id, e.time, e.bounce_type)
            .where(e.time >= w.lo, e.time < w.hi, e.kind == "complained")
            .order_by(e.time.desc())
            .limit(3)
        )
        obs.examples = [
            {
                "recipient": r.recipient,
                "host": r.provider,
                "queue_id": r.provider_message_id,
                "time": r.time,
                "reply": f"complaint ({r.bounce_type})" if r.bounce_type else "complaint",
            }
            for r in conn.execute(q)
        ]
        obs.reasons = [("feedback", c["complained"])] if c["complained"] else []
        out.append(obs)
    return out


def list_names(reply: str) -> set[str]:
    """Blocklists a reply names (lower-cased zone or list name)."""
    found = {m.group(1).lower().rstrip(".") for m in _LIST_ZONE.finditer(reply)}
    found = {f for f in found if "." in f and not f.startswith(("http", "www."))}
    if not found:
        found = {m.group(1).lower() for m in _LIST_NAMES.finditer(reply)}
    return found


def blocklistings(
    conn: Connection,
    rule: Rule,
    w: Window,
    base: Window,
    baselines: Baselines = computed,
    *,
    windows: Windows = counted,
) -> list[Observation]:
    """Blocklists named by the receivers' replies in the window; ``baseline`` is how often the
    baseline period named them (a listing is new when that is 0)."""
    d, m = log_deliveries.c, log_messages.c

    def scan(win: Window, keep: bool) -> tuple[Counter[str], dict[str, Observation]]:
        q = (
            sa.select(d.reply, d.recipient, d.last_time, d.final_state, d.reason, m.queue_id, m.host)
            .select_from(log_deliveries.join(log_messages, d.mkey == m.mkey))
            .where(
                d.last_time >= win.lo,
                d.last_time < win.hi,
                d.final_state.in_(["bounced", "deferred", "expired", "rejected"]),
                d.reply.is_not(None),
            )
        )
        seen: Counter[str] = Counter()
        obs: dict[str, Observation] = {}
        for r in conn.execute(q):
            names = (
                list_names(r.reply)
                if r.reason in ("blocked", "badreputation", "spamdetected", "rejected", "securityerror", None)
                or "block" in r.reply.lower()
                else set()
            )
            for name in names:
                seen[name] += 1
                if keep:
                    o = obs.setdefault(name, Observation(name, 0, 0))
                    if len(o.examples) < 3:
                        o.examples.append(
                            {
                                "recipient": r.recipient,
                                "queue_id": r.queue_id,
                                "host": r.host,
                                "time": r.last_time,
                                "state": r.final_state,
                                "reply": r.reply,
                            }
                        )
                    o.replies.append((r.reply[:300], 1))
        return seen, obs

    def tallies(win: Window) -> Tallies:
        seen, found = scan(win, True)
        return {
            name: tally({"n": n}, Counter(r for r, _ in found[name].replies), found[name].examples)
            for name, n in seen.items()
        }

    now = windows(rule, w, tallies)
    before = baselines(rule, base, lambda win: {k: (float(n), n) for k, n in scan(win, False)[0].items()})
    out = []
    for name, t in now.items():
        n = int(t["n"]["n"])
        seen_before = before.get(name, (0.0, 0))[1]
        o = Observation(name, float(n), n, float(seen_before), seen_before)
        o.counts = {"replies_naming_it": n, "in_baseline": seen_before}
        o.replies = _top(t)
        o.reasons = [("blocked", n)]
        o.examples = list(t.get("x", []))
        out.append(o)
    return out


def placement_inbox(
    conn: Connection,
    rule: Rule,
    w: Window,
    base: Window,
    baselines: Baselines = computed,
    *,
    windows: Windows = counted,
) -> list[Observation]:
    """The inbox share of the latest placement test checked in the window."""
    from inboxtrace.store.placement import placement_results

    p = placement_results.c
    latest = conn.execute(
        sa.select(p.test_id, sa.func.max(p.checked_at).label("last_check"))
        .where(p.checked_at >= w.lo, p.checked_at < w.hi)
        .group_by(p.test_id)
        .order_by(sa.desc("last_check"))
        .limit(1)
    ).first()
    if latest is None:
        return []
    rows = conn.execute(
        sa.select(p.address, p.provider, p.placement).where(p.test_id == latest.test_id)
    ).all()
    placements = Counter(str(r.placement).split(":")[0] for r in rows)
    total = sum(placements.values())
    value = 100.0 * placements["inbox"] / total if total else 0.0
    obs = Observation("latest", value, total, None, 0, dict(placements))
    obs.examples = [
        {
            "recipient": r.address,
            "host": r.provider,
            "queue_id": latest.test_id,
            "time": latest.last_check,
            "reply": r.placement,
        }
        for r in rows
        if not str(r.placement).startswith("inbox")
    ][:3]
    return [obs]


def _latest_runs(conn: Connection, w: Window, base: Window) -> dict[str, list[Any]]:
    """Per checked domain, its complete runs from the baseline's start to the window's end, oldest first."""
    from inboxtrace.store.check_runs import check_runs

    c = check_runs.c
    q = (
        sa.select(c.run_id, c.domain, c.created, c.score, c.result)
        .where(c.created >= base.lo, c.created < w.hi, c.score.is_not(None))
        .order_by(c.domain, c.created)
    )
    runs: dict[str, list[Any]] = {}
    for r in conn.execute(q):
        runs.setdefault(r.domain, []).append(r)
    return runs


def check_score_drop(
    conn: Connection,
    rule: Rule,
    w: Window,
    base: Window,
    baselines: Baselines = computed,
    *,
    windows: Windows = counted,
) -> list[Observation]:
    """Points the latest sender check of a domain lost against the best run before it (in the
    baseline period); what got worse as evidence."""
    out = []
    for domain, runs in _latest_runs(conn, w, base).items():
        latest, earlier = runs[-1], runs[:-1]
        if not earlier:
            continue
        best = max(earlier, key=lambda r: r.score)
        obs = Observation(domain, float(best.score - latest.score), 1, float(best.score), 1)
        obs.counts = {"score": latest.score, "best_before": best.score}

        def errors(run: Any) -> set[str]:
            try:
                found = json.loads(run.result).get("findings", [])
            except ValueError:
                return set()
            return {str(f.get("title")) for f in found if f.get("severity") in ("error", "warning")}

        new = sorted(errors(latest) - errors(best))
        obs.replies = [(t, 1) for t in new[:3]]
        obs.examples = [
            {
                "recipient": domain,
                "host": "sender check",
                "queue_id": latest.run_id,
                "time": latest.created,
                "reply": f"score {best.score} -> {latest.score}",
            }
        ]
        out.append(obs)
    return out


def check_blocklistings(
    conn: Connection,
    rule: Rule,
    w: Window,
    base: Window,
    baselines: Baselines = computed,
    *,
    windows: Windows = counted,
) -> list[Observation]:
    """Blocklist listings in the latest sender check of each domain (one observation per listing:
    the alert starts with the first run that shows it and ends with the first that does not)."""
    out = []
    for domain, runs in _latest_runs(conn, w, base).items():
        latest = runs[-1]
        try:
            found = json.loads(latest.result).get("findings", [])
        except ValueError:
            continue
        for f in found:
            if f.get("code") != "dnsbl.listed":
                continue
            title = str(f.get("title") or f.get("subject"))
            obs = Observation(f"{domain}: {title}", 1.0, 1)
            obs.counts = {"listed": 1}
            obs.replies = [(str(f.get("found") or title)[:300], 1)]
            obs.reasons = [("blocked", 1)]
            obs.examples = [
                {
                    "recipient": domain,
                    "host": "sender check",
                    "queue_id": latest.run_id,
                    "time": latest.created,
                    "reply": title,
                }
            ]
            out.append(obs)
    return out


METRIC_FUNCS = {
    "bounce_rate": bounce_rates,
    "hard_bounce_rate": bounce_rates,
    "throttling": throttling,
    "complaint_rate": complaint_rates,
    "blocklisting": blocklistings,
    "placement_inbox": placement_inbox,
    "check_score_drop": check_score_drop,
    "check_blocklisting": check_blocklistings,
}


def observe(
    conn: Connection,
    rule: Rule,
    w: Window,
    base: Window,
    baselines: Baselines = computed,
    *,
    windows: Windows = counted,
) -> list[Observation]:
    return METRIC_FUNCS[rule.metric](conn, rule, w, base, baselines, windows=windows)


def add_evidence(conn: Connection, rule: Rule, obs: Observation, w: Window) -> None:
    """Top replies and examples for a firing bounce-rate observation (the others collect their own)."""
    if rule.metric in ("bounce_rate", "hard_bounce_rate"):
        _evidence(conn, rule.by, obs.key, w, states=_FAILED, obs=obs)


__all__ = [
    "METRIC_FUNCS",
    "BaselineValues",
    "Baselines",
    "Observation",
    "Tallies",
    "Window",
    "Windows",
    "add_evidence",
    "add_tallies",
    "computed",
    "counted",
    "list_names",
    "observe",
]
