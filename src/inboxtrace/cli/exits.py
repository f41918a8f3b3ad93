"""The exit statuses of the ``inboxtrace`` command (the table in README.md says the same).

==  ==========================================================================================
0   done
1   failed while working: a server, the store, credentials, every seed unusable
2   bad input or usage: a missing file, an input that is not what the command reads, bad options
3   the answer asked for is "no": ``check --fail-under`` not reached, ``trace`` found nothing
4   nothing could be checked: ``check`` when DNS itself does not work
130 interrupted (Ctrl-C)
==  ==========================================================================================
"""

from __future__ import annotations

OK = 0
FAILED = 1
BAD_INPUT = 2
NEGATIVE = 3
NOTHING_CHECKED = 4
INTERRUPTED = 130

__all__ = ["BAD_INPUT", "FAILED", "INTERRUPTED", "NEGATIVE", "NOTHING_CHECKED", "OK"]
