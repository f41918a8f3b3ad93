"""Placement tests over the store and the missing-mail diagnosis.

* :mod:`inboxtrace.diagnose.workflow` — create, send, check and report placement tests.
* :mod:`inboxtrace.diagnose.conclude` — one conclusion per seed/recipient not in the inbox.
"""

from inboxtrace.diagnose.report import PlacementReport, build_report
from inboxtrace.diagnose.workflow import create_test, placement_report, run_check, send_placement

__all__ = [
    "PlacementReport",
    "build_report",
    "create_test",
    "placement_report",
    "run_check",
    "send_placement",
]
