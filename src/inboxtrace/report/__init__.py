"""Report objects: a query becomes a dataclass that renders itself as rich tables, JSON and CSV.

* :func:`build_report` → :class:`DeliveryReport` (totals and rates by final state, reason,
  receiving domain, provider and day).
* :func:`build_trace` → :class:`TraceView` (timelines with each reply explained in one line).
* :func:`build_suppressions` → :class:`SuppressionList` (hard-bounced addresses, CSV).
"""

from inboxtrace.report.summary import DeliveryReport, GroupRow, build_report
from inboxtrace.report.suppressions import SuppressionList, build_suppressions
from inboxtrace.report.trace import TraceView, build_trace

__all__ = [
    "DeliveryReport",
    "GroupRow",
    "SuppressionList",
    "TraceView",
    "build_report",
    "build_suppressions",
    "build_trace",
]
