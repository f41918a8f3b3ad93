"""The exceptions inboxtrace raises. Every one derives from :class:`InboxtraceError`.

::

    InboxtraceError
    ├── NotAReplyError          input is not an SMTP reply (explain, classify)
    ├── DataFileError           a knowledge file (TOML/CSV) is missing or malformed
    ├── InputError              an input file/stream cannot be read or recognised
    │   ├── UnknownFormatError  no parser recognises the input
    │   └── MalformedInputError the input is of a known kind but broken (truncated, bad MIME)
    ├── StoreError              the database cannot be opened, migrated or written
    ├── ConfigError             a seed list, option or credential source is invalid
    └── RemoteError             a server we talk to (IMAP, SMTP, DNS) failed
        ├── AuthenticationError credentials refused
        ├── TLSError            TLS handshake or certificate verification failed
        └── UnreachableError    connection refused, timed out, name not found

Library callers catch :class:`InboxtraceError`; the CLI turns each into a one-line message and
exit status 2 (bad input) or 1 (failure while working), never a traceback.
"""

from __future__ import annotations


class InboxtraceError(Exception):
    """Root of every error raised on purpose by inboxtrace. Its message never holds a configured
    secret (:mod:`inboxtrace.secrets`): a server that echoes a password cannot leak it here."""

    def __init__(self, *args: object) -> None:
        if args and isinstance(args[0], str):
            from inboxtrace.secrets import redact

            args = (redact(args[0]), *args[1:])
        super().__init__(*args)


class NotAReplyError(InboxtraceError, ValueError):
    """The text given does not contain an SMTP reply (no code, no enhanced status, no known text)."""


class DataFileError(InboxtraceError):
    """A bundled or user-supplied knowledge file is missing or malformed."""


class InputError(InboxtraceError):
    """An input cannot be read."""


class UnknownFormatError(InputError):
    """No registered parser recognises the input."""


class MalformedInputError(InputError):
    """The input is of a known kind but broken."""


class StoreError(InboxtraceError):
    """The database cannot be opened, migrated, read or written."""


class ConfigError(InboxtraceError):
    """A configuration file, option or credential source is invalid."""


class RemoteError(InboxtraceError):
    """A remote server (IMAP, SMTP, DNS, HTTPS) failed."""


class AuthenticationError(RemoteError):
    """The server refused the credentials."""


class TLSError(RemoteError):
    """TLS negotiation or certificate verification failed."""


class UnreachableError(RemoteError):
    """The server could not be reached (refused, timed out, unknown name)."""


__all__ = [
    "AuthenticationError",
    "ConfigError",
    "DataFileError",
    "InboxtraceError",
    "InputError",
    "MalformedInputError",
    "NotAReplyError",
    "RemoteError",
    "StoreError",
    "TLSError",
    "UnknownFormatError",
    "UnreachableError",
]
