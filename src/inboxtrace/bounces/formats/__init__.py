"""The ordered registry of bounce formats: the first whose cheap ``sniff`` says yes and whose
``parse`` returns something reads the message."""

from __future__ import annotations

from inboxtrace.bounces.formats.arf import Arf
from inboxtrace.bounces.formats.autoreply import AutoReply
from inboxtrace.bounces.formats.base import BounceFormat
from inboxtrace.bounces.formats.rfc3464 import InlineFields, Rfc3464
from inboxtrace.bounces.formats.sesjson import SesJson
from inboxtrace.bounces.formats.text import GenericText, KnownText

# Order: standard machine-readable formats first, then the text families that identify
# themselves, then auto-replies (after the families, because Exim bounces also carry
# "Auto-Submitted: auto-replied"), then the last-resort reader.
REGISTRY: tuple[BounceFormat, ...] = (
    Arf(),
    Rfc3464(),
    SesJson(),
    InlineFields(),
    KnownText(),
    AutoReply(),
    GenericText(),
)

__all__ = ["REGISTRY", "BounceFormat"]
