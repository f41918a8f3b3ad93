"""What ``inboxtrace bounces`` does, without typer: the app's command and the short path both call
:func:`run_bounces` (a plain ``inboxtrace bounces FILES...`` need not load the typer app)."""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path
from typing import IO, TYPE_CHECKING, NamedTuple

from inboxtrace.safetext import json_text

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from inboxtrace.bounces.sources import RawMessage
    from inboxtrace.model.bounce import BounceReport

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _clean(text: str | None, limit: int = 0) -> str:
    """Attacker-controlled text made safe for a terminal: no control or bidi characters."""
    if not text:
        return ""
    out = _CONTROL_RE.sub("?", " ".join(text.split()))
    if limit and len(out) > limit:
        out = out[: limit - 1] + "…"
    return out


def _known_good(path: Path | None) -> set[str]:
    from inboxtrace.errors import ConfigError

    if path is None:
        return set()
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    return {ln.strip().lower() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")}


def run_bounces(
    paths: list[str] | None,
    *,
    json_out: bool = False,
    ingest: bool = False,
    db: str | None = None,
    imap: str | None = None,
    user: str | None = None,
    folder: str = "INBOX",
    password_env: str | None = None,
    password_file: Path | None = None,
    auth: str = "password",
    token_env: str | None = None,
    token_file: Path | None = None,
    token_command: str | None = None,
    port: int | None = None,
    starttls: bool = False,
    cafile: Path | None = None,
    known_good: Path | None = None,
    workers: int = 0,
    cluster: str | None = None,
    show_all: bool = False,
) -> None:
    """What ``inboxtrace bounces`` does with its options (shared by the typer app and the short path
    of :mod:`inboxtrace.cli._fast`)."""
    from inboxtrace.bounces import iter_paths, mark_suspected_filtering, read_bounces
    from inboxtrace.cli.imap import imap_messages
    from inboxtrace.cluster_env import cluster_address
    from inboxtrace.errors import InputError

    if not paths and not imap:
        raise InputError("give PATH... (or '-' for stdin) or --imap HOST")
    sources: list[Iterator[RawMessage]] = []
    if paths:
        sources.append(iter_paths(paths))
    if imap:
        sources.append(
            imap_messages(
                imap,
                user,
                folder,
                auth=auth,
                password_env=password_env,
                password_file=password_file,
                token_env=token_env,
                token_file=token_file,
                token_command=token_command,
                port=port,
                starttls=starttls,
                cafile=cafile,
            )
        )

    def items() -> Iterator[RawMessage]:
        for src in sources:
            yield from src

    good = _known_good(known_good)
    store = None
    if ingest or db:
        from inboxtrace.store.core import open_store

        store = open_store(db)
    # on a terminal a table and the summary; into a pipe or a file one line per recipient, and
    # the summary on stderr (as with --json), so that stdout stays one kind of line; rich is
    # loaded for the table only
    table = not json_out and sys.stdout.isatty()
    say = _rich_notes() if table else _plain_notes
    summary = _Summary()
    stored = Counter[str]()
    shown: list[BounceReport] = []
    try:
        # in batches, so a mailbox of any size streams (JSON lines come out as they are read)
        # files alone are handed to the workers unread (they read them too)
        messages = sources[0] if len(sources) == 1 else items()
        parsed = read_bounces(messages, workers=workers, cluster=cluster_address(cluster))
        for raw_batch in _batches(parsed, 500):
            batch = raw_batch
            batch_good = good
            if store is not None:
                from inboxtrace.store.bounces import known_good_addresses

                batch_good = good | known_good_addresses(
                    store, {r.recipient for b in batch for r in b.recipients}
                )
            if batch_good:
                batch = mark_suspected_filtering(batch, batch_good)
            if ingest and store is not None:
                from inboxtrace.store.bounces import ingest_bounces

                counts = ingest_bounces(store, batch)
                stored.update(
                    stored=counts.stored, recipients=counts.recipients, duplicates=counts.duplicates
                )
            for rep in batch:
                if rep.error:
                    say("skipped", f"{_clean(rep.source)}: {_clean(rep.error)}")
                if rep.cut:
                    say("cut", f"{_clean(rep.source)}: {_clean(rep.cut)}")
            summary.add(batch)
            if json_out:
                _print_json(batch, show_all)
            else:
                shown.extend(rep for rep in batch if _wanted(rep, show_all))
    finally:
        if store is not None:
            store.close()
    if table:
        _print_table(shown, show_all)
        summary.print()
    else:
        if not json_out:
            _print_lines(shown, show_all)
        summary.write(sys.stderr)
    if ingest:
        say(
            "",
            f"stored {stored['stored']:,} new bounce message(s), {stored['recipients']:,} recipient(s); "
            f"{stored['duplicates']:,} already stored",
        )
    if summary.messages and summary.errors == summary.messages:
        sys.exit(2)


def _batches(reports: Iterator[BounceReport], size: int) -> Iterator[list[BounceReport]]:
    batch: list[BounceReport] = []
    for rep in reports:
        batch.append(rep)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _plain_notes(label: str, text: str) -> None:
    """A note on stderr (``label`` first when there is one), as plain text."""
    sys.stderr.write(f"{label} {text}\n" if label else f"{text}\n")


def _rich_notes() -> Callable[[str, str], None]:
    """Notes on stderr through rich (beside a table): the label in yellow, the text as given."""
    from rich.console import Console
    from rich.text import Text

    console = Console(stderr=True, highlight=False)

    def say(label: str, text: str) -> None:
        line = Text()
        if label:
            line.append(label, style="yellow")
            line.append(" ")
        line.append(text)
        console.print(line)

    return say


def _wanted(rep: BounceReport, show_all: bool) -> bool:
    return rep.error is None and (show_all or rep.kind.value != "not-bounce")


def _print_json(reports: list[BounceReport], show_all: bool) -> None:
    out = sys.stdout
    for rep in reports:
        if not _wanted(rep, show_all):
            continue
        if not rep.recipients and show_all:
            out.write(
                json_text(
                    {"file": rep.source, "format": rep.format, "is_bounce": False, "kind": rep.kind.value}
                )
            )
            out.write("\n")
        for row in rep.records():
            out.write(json_text(row))
            out.write("\n")
    out.flush()


_DELAYED_NOTE = (
    "A delay warning, not a failure: the reporting server is still retrying and the message may still arrive."
)


class _Row(NamedTuple):
    """One recipient as shown, every text cleaned for a terminal; the last two fields are how a
    table draws it (the reason's colour, and whether ``explanation`` is why filtering is suspected)."""

    file: str
    recipient: str
    reason: str
    hard: str
    reply: str
    diagnostic: str
    explanation: str
    style: str
    filtering: bool


_COLUMNS = _Row._fields[:7]  # the plain output's columns


def _rows(reports: list[BounceReport], show_all: bool) -> Iterator[_Row]:
    """One row per recipient shown."""
    for rep in reports:
        if not _wanted(rep, show_all):
            continue
        source = Path(rep.source).name if "://" not in rep.source else rep.source
        for r in rep.recipients:
            v = r.verdict
            reason = v.reason if rep.is_bounce else f"{v.reason} ({rep.kind.value}, not a bounce)"
            style = "red" if v.hard_bounce else ("yellow" if rep.is_bounce else "cyan")
            reply = " ".join(str(x) for x in (v.reply_code, v.enhanced_status or r.status) if x)
            filtering = False
            if rep.is_bounce and r.action == "delayed":
                reason, style, note = "delayed (warning)", "cyan", _DELAYED_NOTE
            elif r.suspected_filtering:
                filtering, note = True, _clean(r.filtering_explanation, 300)
            else:
                note = _clean(v.explanation, 240)
            yield _Row(
                _clean(source, 60),
                _clean(r.recipient, 80),
                reason,
                "hard" if v.hard_bounce else "soft",
                _clean(reply),
                _clean(r.diagnostic or v.text, 160),
                note,
                style,
                filtering,
            )


def _print_lines(reports: list[BounceReport], show_all: bool) -> None:
    """Output that is not a terminal (a pipe, a file): one tab-separated line per recipient under a
    header line, for grep, cut and awk, instead of a table folded to 80 columns. Each field is
    cleaned like the table's cells (no control characters, tabs or line breaks)."""
    out = sys.stdout
    out.write("\t".join(_COLUMNS) + "\n")
    for row in _rows(reports, show_all):
        text = f"suspected filtering: {row.explanation}" if row.filtering else row.explanation
        out.write("\t".join((*row[:6], text)) + "\n")
    out.flush()


def _print_table(reports: list[BounceReport], show_all: bool) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(show_lines=False, header_style="bold")
    for name in ("file", "recipient", "reason", "hard", "reply", "diagnostic / explanation"):
        table.add_column(name, overflow="fold")
    for row in _rows(reports, show_all):
        detail = Text(row.diagnostic)
        if row.filtering:
            detail.append("\nsuspected filtering: ", style="bold magenta")
            detail.append(row.explanation)
        else:
            detail.append("\n" + row.explanation, style="dim")
        table.add_row(
            Text(row.file),
            Text(row.recipient),
            Text(row.reason, style=row.style),
            Text(row.hard),
            Text(row.reply),
            detail,
        )
    Console(highlight=False).print(table)


class _Summary:
    """Counts by reason and by kind, kept while reports stream by."""

    def __init__(self) -> None:
        self.by_reason: Counter[str] = Counter()
        self.hard: Counter[str] = Counter()
        self.kinds: Counter[str] = Counter()
        self.suspected = 0
        self.delayed = 0  # recipients of delay warnings (DSN action "delayed"): not failures
        self.messages = 0
        self.errors = 0
        self.cut = 0

    def add(self, reports: list[BounceReport]) -> None:
        for rep in reports:
            self.messages += 1
            self.errors += rep.error is not None
            self.cut += rep.cut is not None
            self.kinds[rep.kind.value] += 1
            if not rep.is_bounce:
                continue
            for r in rep.recipients:
                if r.action == "delayed":
                    self.delayed += 1
                    continue
                self.by_reason[r.verdict.reason] += 1
                self.hard[r.verdict.reason] += r.verdict.hard_bounce
                self.suspected += r.suspected_filtering

    def print(self) -> None:
        """On the terminal: the counts by reason as a table, then the totals."""
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        console = Console(highlight=False)
        table = Table(title="failed recipients by reason", header_style="bold")
        table.add_column("reason")
        table.add_column("recipients", justify="right")
        table.add_column("hard", justify="right")
        for reason, n in self.by_reason.most_common():
            table.add_row(Text(reason), f"{n:,}", f"{self.hard[reason]:,}")
        console.print(table)
        for line in self.totals():
            console.print(Text(line))

    def write(self, out: IO[str]) -> None:
        """As plain text (stderr of a run whose output is a pipe, a file or JSON lines)."""
        if self.by_reason:
            out.write("failed recipients by reason (recipients, of which hard):\n")
        for reason, n in self.by_reason.most_common():
            out.write(f"  {reason:<24} {n:>8,} {self.hard[reason]:>8,}\n")
        out.writelines(line + "\n" for line in self.totals())
        out.flush()

    def totals(self) -> list[str]:
        parts = [f"{n:,} {kind}" for kind, n in sorted(self.kinds.items())]
        line = f"{self.messages:,} message(s): " + ", ".join(parts)
        if self.suspected:
            line += f"; {self.suspected} 'user unknown' for known-good addresses (suspected filtering)"
        if self.cut:
            line += f"; {self.cut} cut at the size cap (read only in part)"
        lines = [line]
        if self.delayed:
            lines.append(
                f"{self.delayed:,} recipient(s) only delayed (DSN action 'delayed', a delay warning): the "
                "reporting server is still retrying and the message may still arrive; not counted as failed."
            )
        return lines
