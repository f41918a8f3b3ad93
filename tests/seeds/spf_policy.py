"""A Postfix SPF policy service for the seed-side MX (the shape of Debian's postfix-policyd-spf-python).

Postfix asks it at RCPT time (``check_policy_service``); it evaluates SPF with pyspf against the test DNS
server and answers ``PREPEND Authentication-Results: <authserv-id>; spf=<result> smtp.mailfrom=<domain>``.
Run as a separate process: ``python spf_policy.py LISTEN_PORT DNS_PORT AUTHSERV_ID``.
"""

from __future__ import annotations

import socketserver
import sys

import dns.resolver
import spf


class Handler(socketserver.StreamRequestHandler):
    authserv = "localhost"

    def handle(self) -> None:
        while True:
            attrs: dict[str, str] = {}
            for raw in self.rfile:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                if not line:
                    break
                key, _, value = line.partition("=")
                attrs[key] = value
            else:
                return  # the client closed the connection
            self.wfile.write(f"action={self.decide(attrs)}\n\n".encode())
            self.wfile.flush()

    def decide(self, attrs: dict[str, str]) -> str:
        sender = attrs.get("sender", "")
        helo = attrs.get("helo_name", "")
        try:
            result, _explanation = spf.check2(i=attrs.get("client_address", ""), s=sender, h=helo)
        except Exception as exc:  # a policy service must always answer
            return f"DUNNO spf check failed: {exc}"
        domain = sender.rpartition("@")[2] or helo
        prop = f"smtp.mailfrom={domain}" if sender else f"smtp.helo={helo}"
        return f"PREPEND Authentication-Results: {self.authserv}; spf={result} {prop}"


def main() -> None:
    listen, dns_port, authserv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = ["127.0.0.1"]
    resolver.port = dns_port
    dns.resolver.default_resolver = resolver  # pyspf resolves through dnspython's default resolver
    Handler.authserv = authserv
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    with socketserver.ThreadingTCPServer(("127.0.0.1", listen), Handler) as server:
        print("ready", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
