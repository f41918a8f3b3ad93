"""Giving each IMAP folder its placement role: SPECIAL-USE flags, then names, then seed overrides."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from inboxtrace.datafiles import load_toml
from inboxtrace.errors import DataFileError
from inboxtrace.model.placement import Folder

# RFC 6154 attributes (and the \Inbox-like Gmail ones) → role
_SPECIAL_USE = {
    "\\junk": "spam",
    "\\trash": "trash",
    "\\archive": "archive",
    "\\all": "all",
    "\\sent": "sent",
    "\\drafts": "drafts",
    "\\flagged": "flagged",
    "\\important": "important",
}


@dataclass(frozen=True, slots=True)
class FolderKnowledge:
    names: dict[str, str]  # lower-case folder name → role
    skip_roles: frozenset[str]
    gmail_tabs: tuple[str, ...]
    precedence: tuple[str, ...]


@cache
def knowledge() -> FolderKnowledge:
    """The folder-name fallbacks of ``seeds/data/folders.toml``."""
    data = load_toml("seeds", "folders.toml")
    try:
        names = {str(n).casefold(): role for role, lst in data["roles"].items() for n in lst}
        return FolderKnowledge(
            names=names,
            skip_roles=frozenset(data["skip"]["roles"]),
            gmail_tabs=tuple(data["gmail"]["tabs"]),
            precedence=tuple(data["precedence"]["order"]),
        )
    except (KeyError, TypeError) as exc:
        raise DataFileError(f"seeds/data/folders.toml is missing or malformed: {exc}") from exc


def _decode_flag(flag: bytes | str) -> str:
    return flag.decode("ascii", "replace") if isinstance(flag, bytes) else flag


def assign_roles(
    listing: Iterable[tuple[Sequence[bytes | str], str]],
    overrides: Sequence[tuple[str, str]] = (),
    *,
    separator: str | None = "/",
) -> tuple[Folder, ...]:
    """Folders (``(flags, name)`` pairs as LISTed) with their roles; ``\\Noselect`` folders are left out.

    Order of authority: a per-seed override, then a SPECIAL-USE flag, then INBOX, then a known name
    (whole name or last hierarchy level), else ``other``.
    """
    know = knowledge()
    over = {name.casefold(): role for name, role in overrides}
    out: list[Folder] = []
    for raw_flags, name in listing:
        flags = tuple(_decode_flag(f) for f in raw_flags)
        low = {f.casefold() for f in flags}
        if "\\noselect" in low or "\\nonexistent" in low:
            continue
        role, source = _role(name, low, over, know, separator)
        out.append(Folder(name=name, flags=flags, role=role, source=source))
    return tuple(out)


def _role(
    name: str, low_flags: set[str], over: dict[str, str], know: FolderKnowledge, sep: str | None
) -> tuple[str, str]:
    key = name.casefold()
    if key in over:
        return over[key], "override"
    for flag, role in _SPECIAL_USE.items():
        if flag in low_flags and role not in ("flagged", "important"):
            return role, "special-use"
    if key == "inbox":
        return "inbox", "inbox"
    leaf = key.rsplit(sep, 1)[-1] if sep else key
    for candidate in (key, leaf):
        if candidate in know.names:
            return know.names[candidate], "name"
    return "other", "name"


def placement_for(folder: Folder) -> str:
    """The placement a copy found in ``folder`` gets: inbox, spam, trash, archive, tab:x, other:<name>."""
    role = folder.role
    if role in ("inbox", "spam", "trash", "archive") or role.startswith(("tab:", "other:")):
        return role
    if role == "all":
        return "archive"
    return f"other:{folder.name}"


def search_order(folders: Sequence[Folder]) -> list[Folder]:
    """The folders worth searching for a test copy, most telling first."""
    know = knowledge()

    def rank(f: Folder) -> int:
        group = "tab" if f.role.startswith("tab:") else "other" if f.role.startswith("other") else f.role
        return know.precedence.index(group) if group in know.precedence else len(know.precedence)

    keep = [f for f in folders if f.role not in know.skip_roles and f.role != "skip"]
    return sorted(keep, key=rank)
