"""Settings of one web app instance (what ``inboxtrace serve`` passes to :func:`create_app`)."""

from __future__ import annotations

from dataclasses import dataclass, field

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


@dataclass(frozen=True, slots=True)
class WebConfig:
    """``db``: the store URL (None: the default store).

    ``auth``: True requires a token, user or session on every route but ``/healthz`` and the
    login page; False serves everyone (only allowed on loopback); None (default) requires it as
    soon as the store holds a token or user (``inboxtrace tokens create``).
    ``secure_cookies``: mark the session cookie ``Secure`` (the app runs behind TLS);
    ``max_upload``: the largest accepted upload in bytes; ``seeds``: the seed list placement tests
    created from the page use; ``nameservers``: resolvers for sender checks (default: the system's).
    """

    db: str | None = None
    auth: bool | None = None
    secure_cookies: bool = False
    max_upload: int = 64 * 1024 * 1024
    seeds: str | None = None
    nameservers: tuple[str, ...] = field(default_factory=tuple)
    dns_timeout: float = 3.0
    login_attempts: int = 10  # failed sign-ins per client within login_window seconds
    login_window: float = 300.0
    poll_seconds: int = 5
    live_seconds: float = 1.0  # how often an open Activity page's event stream asks the store for news
    overview_max_age: float = 10.0  # seconds an overview is shown before it is recomputed (from the rollup)
    retention_days: float | None = None  # prune timelines older than this, daily (None: keep all)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address to bind) only accepts connections from this machine."""
    if host in LOOPBACK:
        return True
    import ipaddress

    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
