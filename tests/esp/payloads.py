"""Webhook payloads shaped like each provider's (fake ids and addresses, real reply texts)."""

from __future__ import annotations

from typing import Any

T0 = 1767607200  # 2026-01-05 10:00:00 UTC


def ses_record(
    kind: str, rcpt: str = "nobody@example.com", msg: str = "0100-fake-1", **extra: Any
) -> dict[str, Any]:
    mail = {
        "timestamp": "2026-01-05T09:59:58.000Z",
        "messageId": msg,
        "source": "bounces@sender.example",
        "destination": [rcpt],
        "commonHeaders": {"messageId": f"<{msg}@sender.example>", "subject": "Your invoice"},
    }
    rec: dict[str, Any] = {"eventType": kind, "mail": mail}
    if kind == "Bounce":
        rec["bounce"] = {
            "bounceType": "Permanent",
            "bounceSubType": "NoEmail",
            "bouncedRecipients": [
                {
                    "emailAddress": rcpt,
                    "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 <"
                    + rcpt
                    + ">: Recipient address rejected: User unknown",
                }
            ],
            "timestamp": "2026-01-05T10:00:02.000Z",
            "reportingMTA": "dns; a1-2.smtp-out.amazonses.com",
            "remoteMtaIp": "192.0.2.25",
        }
    elif kind == "Delivery":
        rec["delivery"] = {
            "timestamp": "2026-01-05T10:00:01.000Z",
            "recipients": [rcpt],
            "smtpResponse": "250 2.0.0 OK  1767607201 a1si123 - gsmtp",
            "remoteMtaIp": "192.0.2.26",
        }
    elif kind == "DeliveryDelay":
        rec["deliveryDelay"] = {
            "delayType": "MailboxFull",
            "delayedRecipients": [
                {
                    "emailAddress": rcpt,
                    "status": "4.2.2",
                    "diagnosticCode": "smtp; 452 4.2.2 The email account that you tried to reach is over quota.",
                }
            ],
            "timestamp": "2026-01-05T10:00:00.500Z",
        }
    elif kind == "Complaint":
        rec["complaint"] = {
            "complainedRecipients": [{"emailAddress": rcpt}],
            "timestamp": "2026-01-05T12:00:00.000Z",
            "complaintFeedbackType": "abuse",
        }
    rec.update(extra)
    return rec


def sendgrid_batch() -> list[dict[str, Any]]:
    return [
        {
            "email": "nobody@example.com",
            "timestamp": T0,
            "event": "bounce",
            "smtp-id": "<fake.1@sender.example>",
            "sg_event_id": "ZmFrZS0x",
            "sg_message_id": "fake1.filter-0.0",
            "type": "bounce",
            "reason": "550 5.1.1 The email account that you tried to reach does not exist.",
            "status": "5.1.1",
            "bounce_classification": "Invalid Address",
        },
        {
            "email": "slow@example.com",
            "timestamp": T0 + 10,
            "event": "deferred",
            "sg_event_id": "ZmFrZS0y",
            "sg_message_id": "fake2.filter-0.0",
            "smtp-id": "<fake.2@sender.example>",
            "response": "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints",
            "attempt": "3",
        },
        {
            "email": "ok@example.com",
            "timestamp": T0 + 20,
            "event": "delivered",
            "sg_event_id": "ZmFrZS0z",
            "sg_message_id": "fake3.filter-0.0",
            "smtp-id": "<fake.3@sender.example>",
            "response": "250 2.0.0 OK",
        },
        {
            "email": "gone@example.com",
            "timestamp": T0 + 30,
            "event": "dropped",
            "sg_event_id": "ZmFrZS00",
            "sg_message_id": "fake4.filter-0.0",
            "reason": "Bounced Address",
        },
    ]


def mailgun_event(
    event: str = "failed", rcpt: str = "nobody@example.com", ev_id: str = "fakeEv1", **extra: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "event": event,
        "id": ev_id,
        "timestamp": T0 + 0.5,
        "recipient": rcpt,
        "message": {"headers": {"message-id": "fake.1@mg.sender.example", "subject": "hi"}},
    }
    if event == "failed":
        data.update(
            severity="permanent",
            reason="bounce",
            **{
                "delivery-status": {
                    "code": 550,
                    "enhanced-code": "5.1.1",
                    "attempt-no": 1,
                    "message": "5.1.1 The email account that you tried to reach does not exist.",
                    "mx-host": "gmail-smtp-in.l.google.com",
                }
            },
        )
    data.update(extra)
    return data


def postmark_bounce() -> dict[str, Any]:
    return {
        "RecordType": "Bounce",
        "ID": 4242,
        "Type": "HardBounce",
        "TypeCode": 1,
        "MessageID": "00000000-0000-4000-8000-00000000beef",
        "MessageStream": "outbound",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": "nobody@example.com",
        "From": "sender@sender.example",
        "BouncedAt": "2026-01-05T10:00:02Z",
        "Inactive": True,
        "CanActivate": True,
        "Metadata": {"tenant": "t-42"},
    }


def smtp2go_bounce() -> dict[str, Any]:
    return {
        "event": "bounce",
        "time": "2026-01-05T10:00:02Z",
        "sender": "bounces@sender.example",
        "rcpt": "nobody@example.com",
        "host": "mx.example.com [192.0.2.25]",
        "message": "550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown",
        "email_id": "1fake-0",
        "bounce": "hard",
    }


def sparkpost_batch() -> list[dict[str, Any]]:
    base = {"message_id": "spmsg-1", "rcpt_to": "nobody@example.com", "msg_from": "sender@sender.example"}
    return [
        {
            "msys": {
                "message_event": {**base, "type": "injection", "event_id": "sp-1", "timestamp": str(T0 - 5)}
            }
        },
        {
            "msys": {
                "message_event": {
                    **base,
                    "type": "delay",
                    "event_id": "sp-2",
                    "timestamp": str(T0),
                    "raw_reason": "451 4.7.1 Greylisted, please try again later",
                    "bounce_class": "20",
                }
            }
        },
        {
            "msys": {
                "message_event": {
                    **base,
                    "type": "bounce",
                    "event_id": "sp-3",
                    "timestamp": str(T0 + 60),
                    "raw_reason": "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
                    "bounce_class": "51",
                    "error_code": "554",
                }
            }
        },
    ]
