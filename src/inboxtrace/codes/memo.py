"""A bounded memo for verdicts on texts that repeat with other addresses, ids and dates in them.

A mailbox of bounces repeats the same few hundred templates: the same provider reply and the same
human text, each copy naming another recipient, queue id and date. :class:`TemplateMemo` keys a
computation on its input texts with those variable tokens replaced by their *shape* (same length,
letters and digits as ``x``, punctuation kept; dates with their digits as ``0``), so two copies
of one template share an entry.

The inputs themselves are never changed: a miss computes on the real texts. The entry keeps the
tokens that computation saw and the result's text fields (the caller says which) with each of
those tokens, found by the same patterns as in the key, as a numbered slot. A hit fills the slots
with the new input's tokens. When a token of the input also occurs in a field where no pattern
finds it (in any letter case: it may have been transformed), the memo does not guess: the entry
answers only the very same tokens, and other copies are computed. Role names (``postmaster@``,
``mailer-daemon@`` ...) are kept verbatim in the key, since rules read them.

Whether a memoized result equals the plain computation is not something a text transformation can
promise for every regex; ``tests/bounces/test_memo.py`` runs every bounce corpus, and copies of it
varied as the benchmark mailbox is, through both and compares every field of every record.
"""

from __future__ import annotations

import re
import sys
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, NamedTuple, TypeVar

V = TypeVar("V")

# The tokens, each found by its own pattern (one alternation would be tried at every position of
# the text; these start only at an "@", a day name, an upper-case letter or a digit):
# the local part of an address, found back from the "@" of its domain;
_AT_RE = re.compile(r"@[\w-]+(?:\.[\w-]+)+")
_LOCAL_RE = re.compile(r"(?<![\w.+=-])[\w.+=-]{3,64}\Z")
# a date as RFC 5322 writes it ("Thu, 15 Apr 2011 23:34:10"), its digits shaped as 0;
_DATE_RE = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? +\d{1,2} +(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"+\d{2,4}(?: +\d\d:\d\d(?::\d\d)?)?"
)
# a long id of letters and digits, both (queue ids, message-id parts, session ids).
_ID_RE = re.compile(r"[0-9A-Z][0-9A-Za-z]{7,}")
_ID_NEIGHBOURS = frozenset("_.+=@-")
_ROLES = frozenset(
    {
        "postmaster",
        "mailer-daemon",
        "mailer_daemon",
        "mailerdaemon",
        "root",
        "abuse",
        "noreply",
        "no-reply",
        "hostmaster",
        "webmaster",
        "daemon",
        "nobody",
    }
)
_ALNUM_RE = re.compile(r"[A-Za-z0-9]")
_DIGIT_RE = re.compile(r"\d")
_MAX_TEXT = 16 * 1024  # longer inputs are computed, not templated


def _spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, shape) of each variable token of ``text``, in order, none overlapping."""
    found: list[tuple[int, int, str]] = []
    if "@" in text:
        for at in _AT_RE.finditer(text):
            local = _LOCAL_RE.search(text, max(0, at.start() - 65), at.start())
            if local is None:
                continue
            token = local.group(0)
            low = token.lower()
            if low in _ROLES or low.endswith(("-request", "-owner", "-bounces")):
                continue  # rules read these
            found.append((local.start(), local.end(), _ALNUM_RE.sub("x", token)))
    for date in _DATE_RE.finditer(text):
        if date.start() == 0 or not text[date.start() - 1].isalnum():
            found.append((date.start(), date.end(), _DIGIT_RE.sub("0", date.group(0))))
    for ident in _ID_RE.finditer(text):
        start, end = ident.span()
        token = ident.group(0)
        if token.isalpha() or token.isdigit():
            continue
        if start and (text[start - 1].isalnum() or text[start - 1] in _ID_NEIGHBOURS):
            continue  # inside a longer token
        if end < len(text) and (text[end] == "_" or text[end] == "@"):
            continue
        found.append((start, end, "x" * len(token)))
    if len(found) > 1:
        found.sort()
        kept = [found[0]]
        for span in found[1:]:
            if span[0] >= kept[-1][1]:
                kept.append(span)
        found = kept
    return found


def template(texts: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The texts with their variable tokens shaped (the key), and those tokens in order of first
    appearance. A repeated token gets one slot, so the key records which tokens were equal."""
    tokens: dict[str, int] = {}
    keys: list[str] = []
    for text in texts:
        spans = _spans(text) if text else []
        if not spans:
            keys.append(text)
            continue
        parts: list[str] = []
        last = 0
        for start, end, shape in spans:
            index = tokens.setdefault(text[start:end], len(tokens))
            parts += (text[last:start], f"\x00{index}\x00{shape}")
            last = end
        parts.append(text[last:])
        keys.append("".join(parts))
    return tuple(keys), tuple(tokens)


def _with_slots(field: str, seen: dict[str, int]) -> str | None:
    """``field`` of a stored result with each token of the stored input as ``\\x00slot\\x00``, or
    None when a token of the input also occurs elsewhere in it (in any case: it may have been
    transformed), so that no filling could be trusted."""
    if "\x00" in field:
        return None
    parts: list[str] = []
    last = 0
    for start, end, _ in _spans(field):
        slot = seen.get(field[start:end])
        if slot is not None:
            parts += (field[last:start], f"\x00{slot}\x00")
            last = end
    parts.append(field[last:])
    out = "".join(parts)
    low = out.lower()
    if any(token.lower() in low for token in seen):
        return None
    return out


def _filled(slotted: str, tokens: tuple[str, ...]) -> str:
    if "\x00" not in slotted:
        return slotted
    parts = slotted.split("\x00")
    parts[1::2] = [tokens[int(slot)] for slot in parts[1::2]]
    return "".join(parts)


_UNREAD: tuple[str, ...] = ("\x00unread",)  # a marker no slotted field can equal


class MemoInfo(NamedTuple):
    """Counts with the field names of ``functools.lru_cache``'s ``cache_info()``."""

    hits: int
    misses: int
    maxsize: int
    currsize: int


class TemplateMemo(Generic[V]):
    """At most ``maxsize`` results of ``compute``, keyed by templated texts, and at most
    ``max_chars`` characters of keys and results together (the least recently used go first).

    ``fields(value)`` are the strings of a result that may quote the input (text, explanation),
    and ``rebuild(value, fields)`` the result with those replaced; every other part of a result
    must depend only on the key.
    """

    __slots__ = (
        "_chars",
        "_entries",
        "_fields",
        "_rebuild",
        "_total",
        "hits",
        "max_chars",
        "maxsize",
        "misses",
    )

    def __init__(
        self,
        maxsize: int,
        fields: Callable[[V], tuple[str, ...]],
        rebuild: Callable[[V, tuple[str, ...]], V],
        max_chars: int = 4_000_000,
    ) -> None:
        self.maxsize = maxsize
        self.max_chars = max_chars
        self._chars: dict[Hashable, int] = {}  # key -> the characters its entry holds (about)
        self._total = 0
        self._fields = fields
        self._rebuild = rebuild
        # key -> (result, the tokens it was computed with, its fields with slots: None when they
        # cannot be trusted, _UNREAD until another copy asks)
        self._entries: OrderedDict[Hashable, tuple[V, tuple[str, ...], tuple[str, ...] | None]] = (
            OrderedDict()
        )
        self.hits = 0
        self.misses = 0

    def clear(self) -> None:
        self._entries.clear()
        self._chars.clear()
        self._total = 0
        self.hits = self.misses = 0

    # The bounded-cache protocol of ``functools.lru_cache``: whatever empties the caches of the
    # package (a benchmark switching knowledge off, a measurement without repeats) empties this.
    def cache_info(self) -> MemoInfo:
        return MemoInfo(self.hits, self.misses, self.maxsize, len(self._entries))

    def cache_clear(self) -> None:
        self.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, texts: tuple[str, ...], extra: Hashable, compute: Callable[[], V]) -> V:
        """``compute()``, or the stored result for the same template of ``texts`` (and ``extra``:
        whatever else the computation reads, compared as it is)."""
        if any("\x00" in text or len(text) > _MAX_TEXT for text in texts):
            return compute()  # the key's own separator in the input: no template can be trusted
        keys, tokens = template(texts)
        key = (keys, extra)
        entry = self._entries.get(key)
        if entry is not None:
            value, seen, slotted = entry
            if seen == tokens:
                self.hits += 1
                self._entries.move_to_end(key)
                return value
            if slotted is _UNREAD:  # the result's fields are read for slots at the first other copy
                slotted = self._slotted(value, seen)
                self._entries[key] = (value, seen, slotted)
            if slotted is not None:
                self.hits += 1
                self._entries.move_to_end(key)
                return self._rebuild(value, tuple(_filled(field, tokens) for field in slotted))
        self.misses += 1
        value = compute()
        self._entries[key] = (value, tokens, _UNREAD)
        # the key, the result's quoting fields and (later) their slotted copies
        chars = sum(map(len, keys)) + 2 * sum(map(len, self._fields(value)))
        self._total += chars - self._chars.get(key, 0)
        self._chars[key] = chars
        while len(self._entries) > self.maxsize or (len(self._entries) > 1 and self._total > self.max_chars):
            old, _ = self._entries.popitem(last=False)
            self._total -= self._chars.pop(old)
        return value

    def _slotted(self, value: V, tokens: tuple[str, ...]) -> tuple[str, ...] | None:
        slots = {token: n for n, token in enumerate(tokens)}
        filled = [_with_slots(field, slots) for field in self._fields(value)]
        return None if None in filled else tuple(f for f in filled if f is not None)


def clear_input_caches() -> int:
    """Empty every bounded cache of the loaded ``inboxtrace`` modules (``lru_cache`` s with a
    ``maxsize``, and memos like :class:`TemplateMemo`), keeping the loaded knowledge (the
    unbounded ``cache`` s); returns how many were emptied. For benchmarks that measure work
    without repeats, and for whatever changes the knowledge while running (a held-out fold)."""
    cleared = 0
    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("inboxtrace"):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, type):
                continue  # a class with the protocol's methods, not a cache
            info = getattr(value, "cache_info", None)
            if callable(info) and info().maxsize is not None:
                value.cache_clear()
                cleared += 1
    return cleared
