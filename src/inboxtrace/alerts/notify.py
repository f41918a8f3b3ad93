"""Delivering alert announcements: a JSON webhook (generic, Slack- or Teams-shaped) and e-mail.

Reply texts inside alerts come from receiving servers (attacker-controlled): they are sent as
data in JSON, with Slack's control characters (``& < >``) escaped, and as plain text in mail.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import httpx

from inboxtrace.alerts.config import Notifier
from inboxtrace.errors import ConfigError, RemoteError
from inboxtrace.safetext import visible


def summary_line(alerts: Sequence[dict[str, Any]]) -> str:
    started = sum(1 for a in alerts if a.get("state") == "started")
    ended = len(alerts) - started
    parts = []
    if started:
        parts.append(f"{started} alert{'s' if started != 1 else ''} started")
    if ended:
        parts.append(f"{ended} ended")
    return "inboxtrace: " + (", ".join(parts) or "no alerts")


def render_text(alert: dict[str, Any]) -> str:
    """One alert as plain text lines (control characters of remote texts made visible)."""
    lines = [visible(f"[{alert.get('severity', '')}] {alert.get('title', '')}")]
    window = alert.get("window") or {}
    lines.append(f"  window: {window.get('from')} .. {window.get('to')}")
    counts = alert.get("counts") or {}
    if counts:
        lines.append("  counts: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    for r in alert.get("top_replies") or []:
        lines.append(f"  {r['count']:>5} x {visible(str(r['reply']))[:240]}")
    for e in alert.get("examples") or []:
        lines.append(
            f"  e.g. {visible(str(e.get('recipient')))} {e.get('host')}/{visible(str(e.get('queue_id')))}"
            f" at {e.get('time')}"
        )
    step = alert.get("next_step")
    if step and step.get("action"):
        lines.append(f"  next step: {step['action']} ({step['reason']}): {step.get('meaning', '')}")
    return "\n".join(lines)


def _slack_escape(text: str) -> str:
    return visible(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webhook_payload(alerts: Sequence[dict[str, Any]], fmt: str) -> dict[str, Any]:
    """The JSON posted for ``fmt``: ``json`` (the alerts as data), ``slack`` or ``teams``."""
    head = summary_line(alerts)
    if fmt == "slack":
        blocks = "\n\n".join(_slack_escape(render_text(a)) for a in alerts)
        return {"text": f"{_slack_escape(head)}\n```{blocks}```"}
    if fmt == "teams":
        return {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": head,
            "title": head,
            "sections": [
                {"activityTitle": visible(a.get("title", "")), "text": visible(render_text(a))}
                for a in alerts
            ],
        }
    return {"source": "inboxtrace", "summary": head, "alerts": list(alerts)}


def send_webhook(notifier: Notifier, alerts: Sequence[dict[str, Any]], timeout: float = 10.0) -> None:
    url = notifier.secret("url")
    if not url:
        raise ConfigError("webhook notifier: url (or url_env / url_file) is required")
    fmt = str(notifier.get("format", "json"))
    if fmt not in ("json", "slack", "teams"):
        raise ConfigError(f"webhook notifier: format must be json, slack or teams, not {fmt!r}")
    try:
        resp = httpx.post(url, json=webhook_payload(alerts, fmt), timeout=timeout)
    except httpx.HTTPError as exc:
        raise RemoteError(f"alert webhook failed: {type(exc).__name__}") from exc
    if resp.status_code >= 300:
        raise RemoteError(f"alert webhook answered HTTP {resp.status_code}")


def email_message(notifier: Notifier, alerts: Sequence[dict[str, Any]]) -> EmailMessage:
    sender = notifier.get("from")
    to = notifier.get("to")
    recipients = [to] if isinstance(to, str) else list(to or [])
    if not sender or not recipients:
        raise ConfigError("email notifier: from and to are required")
    msg = EmailMessage()
    msg["From"] = str(sender)
    msg["To"] = ", ".join(str(r) for r in recipients)
    msg["Subject"] = summary_line(alerts)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=str(sender).rpartition("@")[2] or "inboxtrace.invalid")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content("\n\n".join(render_text(a) for a in alerts) + "\n")
    return msg


def send_email(notifier: Notifier, alerts: Sequence[dict[str, Any]], timeout: float = 20.0) -> None:
    host = str(notifier.get("host", "localhost"))
    port = int(notifier.get("port", 25))
    msg = email_message(notifier, alerts)
    user = notifier.get("user")
    password = notifier.secret("password")
    try:
        if notifier.get("tls"):
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if notifier.get("starttls"):
                smtp.starttls(context=ssl.create_default_context())
            if user and password:
                smtp.login(str(user), password)
            smtp.send_message(msg)
    except smtplib.SMTPAuthenticationError as exc:
        raise RemoteError("alert mail: SMTP authentication refused") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise RemoteError(f"alert mail via {host}:{port} failed: {type(exc).__name__}: {exc}") from exc


def deliver(notifiers: Sequence[Notifier], alerts: Sequence[dict[str, Any]]) -> list[str]:
    """Send ``alerts`` to every notifier; returns one error line per notifier that failed."""
    if not alerts:
        return []
    errors = []
    for n in notifiers:
        try:
            if n.type == "webhook":
                send_webhook(n, alerts)
            else:
                send_email(n, alerts)
        except (RemoteError, ConfigError) as exc:
            errors.append(f"{n.type}: {exc}")
    return errors


SAMPLE: dict[str, Any] = {
    "rule": "sample",
    "key": "gmail",
    "state": "started",
    "severity": "info",
    "metric": "bounce_rate",
    "by": "provider",
    "title": "sample alert from `inboxtrace alerts test` (bounce rate at gmail 12.50%, threshold 10%)",
    "value": 12.5,
    "threshold": 10.0,
    "baseline": 0.8,
    "volume": 400,
    "window": {"from": None, "to": None},
    "counts": {"delivered": 350, "bounced": 50},
    "top_replies": [
        {
            "reply": "550-5.7.1 [192.0.2.1] Our system has detected that this message is likely unsolicited mail.",
            "count": 50,
        }
    ],
    "top_reasons": [{"reason": "spamdetected", "count": 50}],
    "examples": [],
    "next_step": {"reason": "spamdetected", "action": "review-content"},
}

__all__ = [
    "SAMPLE",
    "deliver",
    "email_message",
    "render_text",
    "send_email",
    "send_webhook",
    "summary_line",
    "webhook_payload",
]
