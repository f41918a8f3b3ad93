"""Classify attempt replies once per reply *kind*: logs repeat the same texts over and over.

The classifier is exact but costly (tens of microseconds), and a busy log holds hundreds of
thousands of replies. Verdicts are therefore memoised:

- accepted replies (the MTA logged ``sent``) per (remote host, enhanced status, reply code):
  their wording ("OK 813b8faa18 - gsmtp", "queued as X") differs per message but the verdict
  (delivered) does not. The verdict's ``text`` is then that of the first such reply; the attempt's
  ``reply`` always holds the exact text.
- other replies per (text with the recipient address blanked, remote host): the same refusal for
  another recipient gets the same reason, class and action (the builder then sets the verdict's
  ``text`` to the reply at hand, see :mod:`inboxtrace.timeline.records`).
"""

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
    """A bounded memo in front of the classifier."""

    __slots__ = ("_cache", "_classify")

    def __init__(self, classify: Classifier | None = None) -> None:
        self._classify = classify or default_classifier()
        self._cache: dict[tuple[str, str | None, str | None], Verdict | None] = {}

    def get(
        self, text: str, host: str | None, status: str = "", dsn: str | None = None, rcpt: str = ""
    ) -> Verdict | None:
        """The verdict on reply ``text`` from ``host`` (``status``/``dsn``/``rcpt`` as logged)."""
        key: tuple[str, str | None, str | None]
        if status == "sent":
            key = ("\x00sent", host, dsn or text[:3])
        else:
            shape = text.replace(rcpt, "\x00") if rcpt and len(rcpt) > 2 else text
            key = (shape, host, None)
        try:
            return self._cache[key]
        except KeyError:
            v = self._classify(text, host)
            if len(self._cache) >= _MAX:
                self._cache.clear()
            self._cache[key] = v
            return v


__all__ = ["Classifier", "VerdictCache", "default_classifier"]
