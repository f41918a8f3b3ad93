"""Explaining replies and codes for people: the library side of ``inboxtrace explain``.

Objects here render themselves with rich (``__rich_console__``) and as JSON, so the CLI only
parses arguments and prints. Reply texts are attacker-controlled (they come from remote servers
and bounces): they are escaped before rich renders them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from inboxtrace.codes import CodeInfo, classify, code_info, status_info
from inboxtrace.errors import NotAReplyError
from inboxtrace.i18n import message
from inboxtrace.model.reply import ReplyClass, Verdict
from inboxtrace.safetext import markup_safe as escape

if TYPE_CHECKING:  # rich is imported when an object is printed: --json output needs none of it
    from rich.console import Console, ConsoleOptions, RenderResult

_CODE_RE = re.compile(r"^[1-5]\d\d$")
_CLASS_STYLE = {ReplyClass.SUCCESS: "green", ReplyClass.TRANSIENT: "yellow", ReplyClass.PERMANENT: "red"}


def is_code_list(args: Iterable[str]) -> bool:
    """Whether every argument is a bare three-digit reply code (``explain 250 550``)."""
    items = list(args)
    return bool(items) and all(_CODE_RE.match(a.strip()) for a in items)


@dataclass(frozen=True)
class Explanation:
    """A verdict with its translations, ready to print or serialise."""

    verdict: Verdict
    translations: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = self.verdict.to_dict()
        if self.translations:
            data["translations"] = dict(self.translations)
        return data

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.table import Table

        v = self.verdict
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        style = _CLASS_STYLE[v.reply_class]
        table.add_row("reply", escape(_reply_head(v)))
        table.add_row("class", f"[{style}]{v.reply_class.value}[/{style}]")
        table.add_row(
            "reason", f"[bold]{v.reason}[/bold]" + ("  [red](hard bounce)[/red]" if v.hard_bounce else "")
        )
        table.add_row("action", v.action)
        if v.phase:
            table.add_row("phase", v.phase.value)
        if v.provider:
            table.add_row("provider", v.provider)
        if v.enhanced_status:
            entry = status_info(v.enhanced_status)
            if entry:
                table.add_row("status", escape(f"{v.enhanced_status}: {entry.title}"))
        table.add_row("explanation", escape(v.explanation))
        for lang, text in self.translations.items():
            table.add_row(f"explanation ({lang})", escape(text))
        yield table


def _reply_head(v: Verdict) -> str:
    head = " ".join(str(p) for p in (v.reply_code, v.enhanced_status) if p is not None)
    return f"{head} {v.text}".strip()


def explain_reply(text: str, *, lang: str = "en", remote_host: str | None = None) -> Explanation:
    """Classify one reply text; ``lang`` other than English adds a translated explanation."""
    verdict = classify(text, remote_host=remote_host)
    translations: dict[str, str] = {}
    if lang != "en":
        translations[lang] = classify(text, remote_host=remote_host, lang=lang).explanation
    return Explanation(verdict, translations)


def explain_lines(lines: Iterable[str], *, lang: str = "en") -> Iterator[dict[str, Any]]:
    """One JSON-ready object per non-empty line; lines that are not replies give ``{"error": ...}``."""
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        try:
            yield explain_reply(line, lang=lang).to_dict()
        except NotAReplyError as exc:
            yield {"line": number, "input": line[:200], "error": str(exc)}


@dataclass(frozen=True)
class CodeComparison:
    """Basic reply codes side by side: class, meaning, when you see it, what to do."""

    codes: tuple[CodeInfo, ...]
    lang: str = "en"

    def to_dict(self) -> dict[str, Any]:
        return {
            "codes": [
                {
                    "code": c.code,
                    "class": c.reply_class.value if c.reply_class else None,
                    "standard": c.standard,
                    "rfc": c.rfc,
                    "class_meaning": c.class_meaning,
                    "meaning": c.meaning,
                    "when": c.when,
                    "todo": c.todo,
                }
                for c in self.codes
            ]
        }

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.table import Table

        table = Table(show_lines=True)
        table.add_column("", style="bold", no_wrap=True)
        for c in self.codes:
            style = _CLASS_STYLE.get(c.reply_class, "") if c.reply_class else ""
            table.add_column(f"[{style}]{c.code}[/{style}]" if style else str(c.code), ratio=1)
        rows: tuple[tuple[str, Callable[[CodeInfo], str]], ...] = (
            ("class", lambda c: c.class_meaning),
            ("meaning", lambda c: c.meaning),
            ("when", lambda c: c.when),
            ("todo", lambda c: c.todo),
            ("code", lambda c: c.rfc or "-"),
        )
        for key, get in rows:
            label = message(f"label.{key}", self.lang) if key != "code" else "RFC"
            table.add_row(label, *(escape(get(c)) for c in self.codes))
        yield table


def compare_codes(codes: Iterable[str | int], *, lang: str = "en") -> CodeComparison:
    """Explain basic reply codes side by side."""
    return CodeComparison(tuple(code_info(int(c), lang) for c in codes), lang)
