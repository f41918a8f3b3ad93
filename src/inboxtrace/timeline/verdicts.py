"""Classify attempt replies once per distinct (reply text, remote host): logs repeat the same texts."""

from __future__ import annotations

from collections.abc import Callable

from inboxtrace.model.reply import Verdict

_MAX = 50_000

Classifier = Callable[[str, str | None], Verdict | None]


def default_classifier() -> Classifier:
    """:func:`inboxtrace.codes.classify` with the relay host as ``remote_host``."""
    from inboxtrace.codes import classify

    def run(text: str, host: str | None) -> Verdict | None:
        try:
            return classify(text, remote_host=host)
        except (ValueError, LookupError):
            return None

    return run


class VerdictCache:
    """A bounded memo in front of the classifier (cleared when full, which is rare)."""

    __slots__ = ("_cache", "_classify")

    def __init__(self, classify: Classifier | None = None) -> None:
        self._classify = classify or default_classifier()
        self._cache: dict[tuple[str, str | None], Verdict | None] = {}

    def get(self, text: str, host: str | None) -> Verdict | None:
        key = (text, host)
        try:
            return self._cache[key]
        except KeyError:
            pass
        v = self._classify(text, host)
        if len(self._cache) >= _MAX:
            self._cache.clear()
        self._cache[key] = v
        return v


__all__ = ["Classifier", "VerdictCache", "default_classifier"]
