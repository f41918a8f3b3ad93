"""Reports written for the tests in the real formats: DMARC aggregate XML (RFC 7489 and the
RFC 9990 namespace), ARF auth-failure reports (RFC 6591), TLS-RPT JSON (RFC 8460), and the
containers receivers send them in (.gz, .zip, email attachments, mbox, Maildir)."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

OURS = "203.0.113.10"  # the domain's own server: SPF and DKIM aligned
ESP = "198.51.100.20"  # a service signing with its own domain: DKIM passes, not aligned
SPOOFER = "192.0.2.66"  # nobody we know: everything fails
FORWARDER = "192.0.2.99"  # a forwarder: SPF fails, DKIM survives, receiver overrides


def record(
    ip: str,
    count: int,
    *,
    disposition: str = "none",
    dkim: str = "pass",
    spf: str = "pass",
    header_from: str = "example.com",
    dkim_domain: str = "example.com",
    dkim_result: str = "pass",
    spf_domain: str = "example.com",
    spf_result: str = "pass",
    reason: tuple[str, str] | None = None,
) -> str:
    why = f"<reason><type>{reason[0]}</type><comment>{reason[1]}</comment></reason>" if reason else ""
    return (
        f"<record><row><source_ip>{ip}</source_ip><count>{count}</count><policy_evaluated>"
        f"<disposition>{disposition}</disposition><dkim>{dkim}</dkim><spf>{spf}</spf>{why}</policy_evaluated>"
        f"</row><identifiers><header_from>{header_from}</header_from></identifiers><auth_results>"
        f"<dkim><domain>{dkim_domain}</domain><selector>s1</selector><result>{dkim_result}</result></dkim>"
        f"<spf><domain>{spf_domain}</domain><scope>mfrom</scope><result>{spf_result}</result></spf>"
        f"</auth_results></record>"
    )


def failing(ip: str, count: int, *, disposition: str = "none", reason: tuple[str, str] | None = None) -> str:
    """A record whose SPF and DKIM both fail, as evaluated and as authenticated."""
    return record(
        ip,
        count,
        disposition=disposition,
        reason=reason,
        dkim="fail",
        spf="fail",
        dkim_result="fail",
        spf_result="fail",
    )


DEFAULT_RECORDS = (
    record(OURS, 120),
    record(ESP, 30, spf="fail", dkim="fail", dkim_domain="esp.example", spf_domain="bounce.esp.example"),
    failing(SPOOFER, 7, disposition="reject"),
    failing(FORWARDER, 3, disposition="none", reason=("local_policy", "forwarded by a trusted list")),
)


def aggregate(
    report_id: str = "rpt-1",
    org: str = "Receiver One",
    records: tuple[str, ...] = DEFAULT_RECORDS,
    *,
    domain: str = "example.com",
    begin: int = 1796083200,
    namespace: bool = False,
) -> bytes:
    """An aggregate report; ``namespace`` writes the RFC 9990 dialect."""
    ns = ' xmlns="urn:ietf:params:xml:ns:dmarc-2.0"' if namespace else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<feedback{ns}><version>1.0</version>'
        f"<report_metadata><org_name>{org}</org_name><email>dmarc@receiver.example</email>"
        f"<report_id>{report_id}</report_id><date_range><begin>{begin}</begin><end>{begin + 86399}</end>"
        f"</date_range></report_metadata><policy_published><domain>{domain}</domain><adkim>r</adkim>"
        f"<aspf>r</aspf><p>reject</p><sp>reject</sp><pct>100</pct></policy_published>"
        + "".join(records)
        + "</feedback>\n"
    ).encode()


def gz(data: bytes) -> bytes:
    return gzip.compress(data)


def zipped(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    return buf.getvalue()


def report_email(
    attachment: bytes, filename: str, ctype: str, *, subject: str = "Report Domain: example.com"
) -> bytes:
    msg = MIMEMultipart()
    msg["From"] = "noreply-dmarc@receiver.example"
    msg["To"] = "dmarc@example.com"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{filename}@receiver.example>"
    msg.attach(MIMEText("This is an aggregate report.\n"))
    subtype = ctype.split("/")[1]
    part = MIMEApplication(attachment, _subtype=subtype)
    part.replace_header("Content-Type", ctype)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    msg.attach(part)
    return msg.as_bytes()


def tlsrpt(report_id: str = "tls-1", org: str = "Sender Org") -> bytes:
    return json.dumps(
        {
            "organization-name": org,
            "date-range": {"start-datetime": "2026-12-01T00:00:00Z", "end-datetime": "2026-12-01T23:59:59Z"},
            "contact-info": "tlsrpt@sender.example",
            "report-id": report_id,
            "policies": [
                {
                    "policy": {
                        "policy-type": "sts",
                        "policy-string": [
                            "version: STSv1",
                            "mode: enforce",
                            "mx: mx1.example.com",
                            "max_age: 86400",
                        ],
                        "policy-domain": "example.com",
                        "mx-host": ["mx1.example.com", "mx2.example.com"],
                    },
                    "summary": {"total-successful-session-count": 900, "total-failure-session-count": 12},
                    "failure-details": [
                        {
                            "result-type": "certificate-expired",
                            "sending-mta-ip": "198.51.100.7",
                            "receiving-mx-hostname": "mx2.example.com",
                            "receiving-ip": "203.0.113.25",
                            "failed-session-count": 10,
                        },
                        {
                            "result-type": "starttls-not-supported",
                            "sending-mta-ip": "198.51.100.7",
                            "receiving-mx-hostname": "mx1.example.com",
                            "failed-session-count": 2,
                            "additional-information": "https://sender.example/tls-help",
                        },
                    ],
                },
                {
                    "policy": {
                        "policy-type": "no-policy-found",
                        "policy-domain": "other.example",
                        "mx-host": "mx.other.example",
                    },
                    "summary": {"total-successful-session-count": 5, "total-failure-session-count": 0},
                },
            ],
        }
    ).encode()


def tlsrpt_email(report: bytes, report_id: str = "tls-1") -> bytes:
    msg = MIMEMultipart("report", report_type="tlsrpt")
    msg["From"] = "tlsrpt@sender.example"
    msg["To"] = "tls-reports@example.com"
    msg["Subject"] = f"Report Domain: example.com Submitter: sender.example Report-ID: <{report_id}>"
    msg["TLS-Report-Domain"] = "example.com"
    msg["TLS-Report-Submitter"] = "sender.example"
    msg.attach(MIMEText("This is an aggregate TLS report from sender.example\n"))
    part = MIMEApplication(gz(report), _subtype="tlsrpt+gzip")
    part.add_header(
        "Content-Disposition",
        "attachment",
        filename=f"sender.example!example.com!1796083200!1796169599!{report_id}.json.gz",
    )
    msg.attach(part)
    return msg.as_bytes()


def failure_email(message_id: str = "<fail-1@receiver.example>", *, ip: str = SPOOFER) -> bytes:
    """An RFC 6591 auth-failure report with the original's headers (text/rfc822-headers)."""
    msg = MIMEMultipart("report", report_type="feedback-report")
    msg["From"] = "dmarc-failures@receiver.example"
    msg["To"] = "ruf@example.com"
    msg["Subject"] = "FW: DMARC failure report for example.com"
    msg["Message-ID"] = message_id
    msg["Date"] = "Tue, 01 Dec 2026 10:00:00 +0000"
    msg.attach(
        MIMEText(
            "This is an authentication failure report for an email message received from IP " + ip + ".\n"
        )
    )
    feedback = (
        "Feedback-Type: auth-failure\r\nUser-Agent: receiver/1.0\r\nVersion: 1\r\n"
        f"Original-Mail-From: <billing@example.com>\r\nOriginal-Rcpt-To: <victim@receiver.example>\r\n"
        f"Arrival-Date: Tue, 01 Dec 2026 09:58:00 +0000\r\nSource-IP: {ip}\r\n"
        "Reported-Domain: example.com\r\nAuth-Failure: dmarc\r\nIdentity-Alignment: none\r\n"
        "Delivery-Result: reject\r\nAuthentication-Results: mx.receiver.example; dmarc=fail header.from=example.com\r\n"
    )
    part = MIMEApplication(feedback.encode(), _subtype="feedback-report")
    part.replace_header("Content-Type", "message/feedback-report")
    del part["Content-Transfer-Encoding"]
    part.set_payload(feedback)
    msg.attach(part)
    headers = MIMEText(
        "From: Billing <billing@example.com>\r\nTo: victim@receiver.example\r\nSubject: Your invoice is overdue\r\n"
        "Message-ID: <phish@spoofer.example>\r\n",
        "rfc822-headers",
    )
    msg.attach(headers)
    return msg.as_bytes()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<feedback><report_metadata><org_name>&lol9;</org_name></report_metadata></feedback>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE feedback [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<feedback><report_metadata><org_name>&xxe;</org_name><report_id>x</report_id></report_metadata></feedback>
"""


def zip_bomb(size: int = 200 * 1024 * 1024) -> bytes:
    """A zip whose one member expands to ``size`` bytes of zeros (a few hundred KB on disk)."""
    buf = io.BytesIO()
    with (
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open("report.xml", "w", force_zip64=True) as fh,
    ):
        chunk = b"\0" * (1024 * 1024)
        for _ in range(size // len(chunk)):
            fh.write(chunk)
    return buf.getvalue()


def mbox(*messages: bytes) -> bytes:
    out = b""
    for m in messages:
        out += (
            b"From reports@receiver.example Tue Dec  1 10:00:00 2026\n"
            + m.replace(b"\r\n", b"\n").rstrip(b"\n")
            + b"\n\n"
        )
    return out
