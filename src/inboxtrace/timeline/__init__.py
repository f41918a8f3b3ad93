"""Timelines: parser events assembled per (host, queue id) into messages, deliveries and attempts.

Entry point::

    from inboxtrace.timeline import read_logs
    from inboxtrace.logs import LogStats

    stats = LogStats()
    reader = read_logs(["/var/log/mail.log.1", "/var/log/mail.log"], stats=stats)
    for message in reader:          # inboxtrace.model.Message, completed or flushed
        ...
    reader.progress                 # (bytes read, bytes total)
    reader.resume_position()        # inboxtrace.sources.Position to restart from
"""

from inboxtrace.timeline.assembler import Assembler, split_relay
from inboxtrace.timeline.reader import LogReader, order_inputs, read_logs

__all__ = ["Assembler", "LogReader", "order_inputs", "read_logs", "split_relay"]
