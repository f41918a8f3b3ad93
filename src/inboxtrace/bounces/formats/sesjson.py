"""Amazon SES event notifications (JSON, often wrapped in an SNS message) sent by email.

``Bounce`` events carry per-recipient action/status/diagnostic like RFC 3464, ``Complaint``
events are feedback reports, ``Delivery`` events say the receiving server accepted the message.
"""

from __future__ import annotations

from typing import Any

from inboxtrace.bounces.view import Found, Mail, Parsed

_MARKS = ("notificationType", "eventType")


def _event(body: str) -> dict[str, Any] | None:
    start = body.find("{")
    if start < 0:
        return None
    import json  # (only messages that hold a JSON object: most bounce runs never load it)

    try:
        data, _end = json.JSONDecoder(strict=False).raw_decode(body[start:])  # mail may fold lines
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("Message"), str):  # an SNS envelope
        try:
            data = json.loads(data["Message"], strict=False)
        except ValueError:
            return None
    return data if isinstance(data, dict) else None


def _mta(value: object) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    return value.split(";", 1)[-1].strip() or None


class SesJson:
    name = "amazonses-json"
    description = "Amazon SES bounce/complaint/delivery notification (JSON)"

    def sniff(self, mail: Mail) -> bool:
        head = mail.body[:2000]
        return head.lstrip().startswith("{") and any(m in head for m in _MARKS)

    def parse(self, mail: Mail) -> Parsed | None:
        event = _event(mail.body)
        if event is None:
            return None
        kind = str(event.get("notificationType") or event.get("eventType") or "")
        found: list[Found] = []
        if kind == "Bounce":
            bounce = event.get("bounce") or {}
            mta = _mta(bounce.get("reportingMTA"))
            for r in bounce.get("bouncedRecipients") or []:
                if not isinstance(r, dict) or not r.get("emailAddress"):
                    continue
                diag = str(r.get("diagnosticCode") or "")
                dtype = None
                if ";" in diag.split(" ", 1)[0]:
                    dtype, diag = diag.split(";", 1)
                found.append(
                    Found(
                        recipient=str(r["emailAddress"]),
                        action=str(r.get("action") or "") or None,
                        status=str(r.get("status") or "") or None,
                        diagnostic=" ".join(diag.split()),
                        diagnostic_type=dtype,
                        reporting_mta=mta,
                        last_attempt=None,
                        context_text=f"{bounce.get('bounceType', '')} {bounce.get('bounceSubType', '')}",
                    )
                )
            return Parsed(format="amazonses", kind="dsn", recipients=found, reporting_mta=mta)
        if kind == "Complaint":
            complaint = event.get("complaint") or {}
            ftype = str(complaint.get("complaintFeedbackType") or "abuse")
            for r in complaint.get("complainedRecipients") or []:
                if isinstance(r, dict) and r.get("emailAddress"):
                    found.append(
                        Found(recipient=str(r["emailAddress"]), reason="feedback", feedback_type=ftype)
                    )
            return Parsed(format="amazonses", kind="feedback", recipients=found)
        if kind == "Delivery":
            delivery = event.get("delivery") or {}
            reply = str(delivery.get("smtpResponse") or "250 OK")
            mta = _mta(delivery.get("reportingMTA"))
            for r in delivery.get("recipients") or []:
                found.append(Found(recipient=str(r), diagnostic=reply, action="delivered", reporting_mta=mta))
            return Parsed(format="amazonses", kind="dsn", recipients=found, reporting_mta=mta)
        return None
