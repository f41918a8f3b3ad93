"""Reading inputs: compressed or plain files, rotated sets in order, stdin, and follow (tail -F).

Everything here deals in bytes and lines, not in log formats (see :mod:`inboxtrace.logs`).
"""

from inboxtrace.sources.compression import open_binary, sniff_compression
from inboxtrace.sources.files import FileIdentity, Position, identify, order_rotated, rotation_key, same_file
from inboxtrace.sources.follow import FollowedBlock, follow
from inboxtrace.sources.lines import DEFAULT_MAX_LINE, LineBlock, iter_blocks

__all__ = [
    "DEFAULT_MAX_LINE",
    "FileIdentity",
    "FollowedBlock",
    "LineBlock",
    "Position",
    "follow",
    "identify",
    "iter_blocks",
    "open_binary",
    "order_rotated",
    "rotation_key",
    "same_file",
    "sniff_compression",
]
