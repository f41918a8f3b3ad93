"""Blocklists (DNSBL for IPs, URIBL/DBL for domains), each list's answers decoded.

An answer listed as an error code of the list (e.g. Spamhaus 127.255.255.254 "public resolver")
is reported as a refusal, never as a listing; an answer outside the list's codes is "unknown".
"""

from __future__ import annotations

import asyncio
import ipaddress
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from inboxtrace.checks.context import Context, unchecked
from inboxtrace.checks.findings import finding, load_data
from inboxtrace.errors import ConfigError
from inboxtrace.model.check import Finding


@dataclass(frozen=True)
class Blocklist:
    name: str
    zone: str
    kind: str  # "ip" or "domain"
    ipv6: bool
    info: str
    codes: dict[str, str]
    errors: dict[str, str]
    bits: dict[int, str]

    def decode(self, answer: str) -> tuple[str, str]:
        """("listed" | "refused" | "unknown", meaning) for one A answer."""
        if answer in self.errors:
            return "refused", self.errors[answer]
        if answer in self.codes:
            return "listed", self.codes[answer]
        if self.bits:
            try:
                addr = ipaddress.IPv4Address(answer)
            except ValueError:
                return "unknown", "not an IPv4 answer"
            if str(addr).startswith("127."):
                last = int(addr) & 0xFF
                hits = [m for bit, m in sorted(self.bits.items()) if last & bit]
                if hits:
                    return "listed", "; ".join(hits)
        return "unknown", "not a documented return code of this list"


def _parse(data: dict[str, Any], source: str) -> tuple[Blocklist, ...]:
    out = []
    for i, entry in enumerate(data.get("list", [])):
        try:
            kind = entry.get("kind", "ip")
            if kind not in ("ip", "domain"):
                raise ValueError(f"kind must be ip or domain, not {kind!r}")
            out.append(
                Blocklist(
                    name=str(entry.get("name", entry["zone"])),
                    zone=str(entry["zone"]).strip(".").lower(),
                    kind=kind,
                    ipv6=bool(entry.get("ipv6", False)),
                    info=str(entry.get("info", "")),
                    codes={str(k): str(v) for k, v in entry.get("codes", {}).items()},
                    errors={str(k): str(v) for k, v in entry.get("errors", {}).items()},
                    bits={int(k): str(v) for k, v in entry.get("bits", {}).items()},
                )
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise ConfigError(f"{source}: list #{i + 1}: {exc}") from exc
    return tuple(out)


@cache
def default_lists() -> tuple[Blocklist, ...]:
    return _parse(load_data("dnsbl.toml"), "dnsbl.toml")


def load_lists(path: str | None) -> tuple[Blocklist, ...]:
    if path is None:
        return default_lists()
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"blocklist file {path}: {exc}") from exc
    return _parse(data, path)


def query_name(target: str, bl: Blocklist) -> str | None:
    if bl.kind == "domain":
        return f"{target}.{bl.zone}"
    addr = ipaddress.ip_address(target)
    if addr.version == 6:
        if not bl.ipv6:
            return None
        return ".".join(reversed(addr.exploded.replace(":", ""))) + f".{bl.zone}"
    return ".".join(reversed(str(addr).split("."))) + f".{bl.zone}"


async def check_target(ctx: Context, target: str, lists: tuple[Blocklist, ...]) -> list[Finding]:
    pairs = [(bl, query_name(target, bl)) for bl in lists]
    pairs = [(bl, n) for bl, n in pairs if n is not None]
    answers = await asyncio.gather(*(ctx.q(n, "A") for _bl, n in pairs if n))
    out: list[Finding] = []
    clean = 0
    for (bl, name), answer in zip(pairs, answers, strict=True):
        if answer.failed:
            out.append(unchecked(f"{bl.name} for {target}", answer, check="dnsbl"))
            continue
        if not answer.ok:
            clean += 1
            continue
        for addr in answer.addresses():
            status, meaning = bl.decode(addr)
            code = {"listed": "dnsbl.listed", "refused": "dnsbl.refused", "unknown": "dnsbl.unknown-code"}[
                status
            ]
            ctx.records.setdefault("dnsbl", []).append(
                {"target": target, "list": bl.zone, "answer": addr, "status": status}
            )
            out.append(
                finding(
                    code,
                    subject=target,
                    found=f"{name} → {addr}",
                    detail=f"{bl.name} ({bl.zone})",
                    meaning=meaning,
                    removal=bl.info or bl.zone,
                )
            )
    if clean == len(pairs) and pairs:
        out.append(
            finding(
                "dnsbl.clean", subject=target, found=", ".join(bl.zone for bl, _ in pairs), count=len(pairs)
            )
        )
    return out


async def check(ctx: Context, ips: tuple[str, ...], domains: tuple[str, ...]) -> list[Finding]:
    lists = load_lists(ctx.options.dnsbl_file)
    ip_lists = tuple(bl for bl in lists if bl.kind == "ip")
    dom_lists = tuple(bl for bl in lists if bl.kind == "domain")
    jobs = [check_target(ctx, ip, ip_lists) for ip in ips if ip_lists]
    jobs += [check_target(ctx, d, dom_lists) for d in domains if dom_lists]
    results = await asyncio.gather(*jobs)
    return [f for fs in results for f in fs]
