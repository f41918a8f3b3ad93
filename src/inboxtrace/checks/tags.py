"""Tag=value records (DKIM keys, DMARC, MTA-STS, TLS-RPT, BIMI) parsed with dkimpy's parser."""

from __future__ import annotations

from functools import cache

from dkim.util import DuplicateTag, InvalidTagValueList, parse_tag_value


class TagError(ValueError):
    """The record is not a valid tag=value list."""


def parse_tags(text: str) -> dict[str, str]:
    """``"v=DMARC1; p=none"`` → ``{"v": "DMARC1", "p": "none"}`` (tag names lower-cased)."""
    try:
        raw = parse_tag_value(text.encode("utf-8", "replace"))
    except DuplicateTag as exc:
        raise TagError(f"tag {exc.args[0].decode('ascii', 'replace')} appears twice") from exc
    except InvalidTagValueList as exc:
        raise TagError(f"not a tag=value list: {exc!r}") from exc
    out: dict[str, str] = {}
    for key, value in raw.items():
        name = key.decode("ascii", "replace").lower()
        if name in out:
            raise TagError(f"tag {name} appears twice")
        out[name] = value.decode("utf-8", "replace")
    return out


@cache
def _psl() -> object:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def org_domain(domain: str) -> str:
    """The organizational domain (public suffix + one label), as DMARC uses for relaxed alignment."""
    domain = domain.rstrip(".").lower()
    if domain.count(".") <= 1:  # a name of two labels is its own organizational domain
        return domain
    psl = _psl()
    found = psl.privatesuffix(domain)  # type: ignore[attr-defined]
    return str(found) if found else domain
