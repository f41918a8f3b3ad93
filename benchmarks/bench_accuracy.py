"""Bounce reasons on mail of a format family inboxtrace was not tuned on: family-held-out folds.

Usage: .venv/bin/python benchmarks/bench_accuracy.py [--corpus DIR] [--no-sisimai] [--families]

What the figures mean (read this before quoting them):

* **whole corpus**: agreement of ``reason`` with the labels' ``reason_dec2025`` over every labeled
  recipient, with all of inboxtrace's knowledge. The corpus was used while writing the rules, so
  this is a figure on data it was tuned on.
* **family-held-out**: the corpus is split into folds by format family (the labels' ``module``;
  families whose knowledge overlaps, such as Office365/Outlook/Exchange, form one fold so no
  family is on both sides). For each fold, every *family-specific* piece of knowledge that belongs
  to it is switched off — its human-text family in ``bounces/data/families.toml`` and its
  provider's documented replies in ``codes/data/providers.toml`` — and only that fold's recipients
  are scored. What remains is the generic machinery: RFC 3464 / inline delivery-status parsing,
  the generic text reader, other families' layouts, the generic reason phrases
  (``codes/data/phrases.toml``), the status and reply-code tables.
* What the held-out figure can NOT remove: which corpus files the generic phrases were written or
  widened for is not recorded anywhere, so phrases that were fitted to a held-out family's files
  still help it. The held-out figure is therefore an upper bound on what a truly unseen family
  gets; the folds marked ``generic`` (no family-specific knowledge exists for them, so the two
  figures coincide) are the most honest part of it.
* **Sisimai 4.25** (Debian's libsisimai-perl) on the same files, its reasons mapped to the
  December 2025 vocabulary. The corpus is Sisimai's own test set (its labels come from a later
  Sisimai), so Sisimai is never held out: its figure is whole-corpus only.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import importlib
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from inboxtrace.bounces import iter_path, parse_bounce
from inboxtrace.bounces.formats import text as text_formats
from inboxtrace.codes.rules import provider_rules

# the module, not the function that inboxtrace.codes exports under the same name
classify_module = importlib.import_module("inboxtrace.codes.classify")

# Folds: each names the corpus families (label ``module``) it holds and the knowledge that is
# specific to them (families.toml names, providers.toml providers). Families not listed form a
# fold of their own with no specific knowledge (they are read by the generic machinery only).
FOLDS: dict[str, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {
    # name: (corpus modules, families.toml families, providers.toml providers)
    "Postfix": (frozenset({"Postfix"}), frozenset({"postfix"}), frozenset()),
    "Sendmail": (frozenset({"Sendmail", "V5sendmail"}), frozenset({"sendmail"}), frozenset()),
    "Exim": (frozenset({"Exim"}), frozenset({"exim"}), frozenset()),
    "qmail": (frozenset({"qmail"}), frozenset({"qmail"}), frozenset()),
    "DragonFly": (frozenset({"DragonFly"}), frozenset({"dragonfly"}), frozenset()),
    "OpenSMTPD": (frozenset({"OpenSMTPD"}), frozenset({"opensmtpd"}), frozenset()),
    "Microsoft": (
        frozenset({"Office365", "Outlook", "Microsoft", "Exchange2003", "Exchange2007"}),
        frozenset({"office365", "exchange"}),
        frozenset({"microsoft"}),
    ),
    "Google": (
        frozenset({"Gmail", "GSuite", "Google", "GoogleWorkspace", "GoogleGroups"}),
        frozenset({"gmail", "googlegroups"}),
        frozenset({"gmail"}),
    ),
    "Yahoo/AOL": (
        frozenset({"Yahoo", "YahooInc", "Aol"}),
        frozenset({"yahoo"}),
        frozenset({"yahoo"}),
    ),
    "AmazonSES": (frozenset({"AmazonSES", "ReceivingSES"}), frozenset(), frozenset({"amazonses"})),
    "KDDI/au": (frozenset({"EZweb", "KDDI"}), frozenset({"ezweb", "kddi"}), frozenset()),
    "Notes/Domino": (frozenset({"Notes", "Domino"}), frozenset({"notes"}), frozenset()),
    "GMX/1&1": (frozenset({"GMX", "EinsUndEins"}), frozenset(), frozenset({"gmx"})),
    "IMailServer": (frozenset({"IMailServer"}), frozenset({"imailserver"}), frozenset()),
    "Mimecast": (frozenset({"Mimecast"}), frozenset({"mimecast"}), frozenset({"mimecast"})),
    "ApacheJames": (frozenset({"ApacheJames"}), frozenset({"apachejames"}), frozenset()),
    "FML": (frozenset({"FML"}), frozenset({"fml"}), frozenset()),
    "mFILTER": (frozenset({"mFILTER"}), frozenset({"mfilter"}), frozenset()),
    "InterScanMSS": (frozenset({"InterScanMSS"}), frozenset({"interscanmss"}), frozenset()),
    "Verizon": (frozenset({"Verizon"}), frozenset({"verizon"}), frozenset({"verizon"})),
    "FrancePTT": (frozenset({"FrancePTT"}), frozenset(), frozenset({"orange"})),
    "Zoho": (frozenset({"Zoho"}), frozenset(), frozenset({"zoho"})),
    "MailRu": (frozenset({"MailRu"}), frozenset(), frozenset({"mailru"})),
    "Apple": (frozenset({"Apple"}), frozenset(), frozenset({"apple"})),
    "Yandex": (frozenset({"Yandex"}), frozenset(), frozenset({"yandex"})),
    "Cox": (frozenset({"Cox"}), frozenset(), frozenset({"cox"})),
    "Spectrum": (frozenset({"Spectrum"}), frozenset(), frozenset({"spectrum"})),
    "NTTDOCOMO": (frozenset({"NTTDOCOMO"}), frozenset(), frozenset({"docomo"})),
    "Tencent": (frozenset({"Tencent"}), frozenset(), frozenset({"qq"})),
    "Barracuda": (frozenset({"Barracuda"}), frozenset(), frozenset({"barracuda"})),
}

# Sisimai 4 reasons merged in the December 2025 vocabulary of the labels.
_SISIMAI_MERGED = {
    "toomanyconn": "ratelimited",
    "speeding": "ratelimited",
    "mesgtoobig": "emailtoolarge",
    "exceedlimit": "emailtoolarge",
}

_SISIMAI_SCRIPT = r"""
use strict; use warnings; use Sisimai;
for my $f (@ARGV) {
    my $v = Sisimai->make($f, 'delivered' => 1, 'vacation' => 1) || [];
    for my $d (@$v) { print join("\t", $f, $d->reason, $d->softbounce == 0 ? 1 : 0), "\n"; }
}
"""


@dataclass
class Score:
    ok: int = 0
    n: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, good: bool, key: str) -> None:
        self.n += 1
        self.ok += good
        if not good:
            self.misses.append(key)

    def pct(self) -> str:
        return f"{100 * self.ok / self.n:5.1f}%" if self.n else "   - "


def default_corpus() -> Path:
    return Path(__file__).resolve().parents[1] / "tests" / "data" / "corpus" / "bounces"


def load_labels(corpus: Path) -> dict[str, list[dict[str, object]]]:
    by_file: dict[str, list[dict[str, object]]] = collections.defaultdict(list)
    for line in (corpus / "labels.jsonl").read_text().splitlines():
        if line:
            label = json.loads(line)
            by_file[str(label["file"])].append(label)
    for labels in by_file.values():
        labels.sort(key=lambda x: int(str(x["recipient_index"])))
    return by_file


def fold_of(module: str) -> str:
    for name, (modules, _fams, _provs) in FOLDS.items():
        if module in modules:
            return name
    return module


def _clear_caches() -> None:
    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("inboxtrace"):
            continue
        for value in list(vars(module).values()):
            info = getattr(value, "cache_info", None)
            if callable(info) and info().maxsize is not None:
                value.cache_clear()


@contextlib.contextmanager
def without(families: frozenset[str], providers: frozenset[str]) -> Iterator[None]:
    """Switch off the named text families and providers' documented replies for a while."""
    real_data = text_formats._data
    real_rules = classify_module.provider_rules
    fams, boundary = real_data()
    kept = tuple(f for f in fams if f.name not in families)
    rules = tuple(r for r in provider_rules() if r.provider not in providers)
    text_formats._data = lambda: (kept, boundary)  # type: ignore[assignment]
    classify_module.provider_rules = lambda: rules  # type: ignore[assignment]
    text_formats._body_gates.cache_clear()
    _clear_caches()
    try:
        yield
    finally:
        text_formats._data = real_data  # type: ignore[assignment]
        classify_module.provider_rules = real_rules  # type: ignore[assignment]
        text_formats._body_gates.cache_clear()
        _clear_caches()


# Pseudo-reasons whose hard/soft label is not about the address (as in bench_bounces).
_NOT_SCORED_HARD = frozenset({"feedback", "vacation", "delivered", "onhold", "undefined"})


@dataclass
class Extra:
    """Measures beside the reason: a failed recipient found, hard/soft agreement."""

    found: int = 0
    hard_ok: int = 0
    hard_n: int = 0

    def add(self, got: tuple[str, bool] | None, label: dict[str, object]) -> None:
        if got is None:
            return
        self.found += 1
        if str(label["reason_dec2025"]) not in _NOT_SCORED_HARD:
            self.hard_n += 1
            self.hard_ok += got[1] == bool(label["hardbounce"])


def reasons_of(path: Path) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for item in iter_path(path):
        report = parse_bounce(item.data, item.source)
        out.extend((r.verdict.reason, r.verdict.hard_bounce) for r in report.recipients)
    return out


def _index(labels: list[dict[str, object]], position: int) -> int:
    repeated = len({x["recipient_index"] for x in labels}) < len(labels)
    return position if repeated else int(str(labels[position]["recipient_index"])) - 1


def score_files(
    corpus: Path,
    labels: dict[str, list[dict[str, object]]],
    names: list[str],
    into: dict[str, Score],
    extra: Extra | None = None,
) -> None:
    for name in names:
        got = reasons_of(corpus / "emails" / name)
        score_one(name, got, labels[name], into, extra)


def score_one(
    name: str,
    got: list[tuple[str, bool]],
    mine: list[dict[str, object]],
    into: dict[str, Score],
    extra: Extra | None,
) -> None:
    for position, label in enumerate(mine):
        i = _index(mine, position)
        item = got[i] if i < len(got) else None
        have = item[0] if item else "(none)"
        want = str(label["reason_dec2025"])
        into[fold_of(str(label["module"]))].add(have == want, f"{name}#{i + 1} {want}->{have}")
        if extra is not None:
            extra.add(item, label)


def sisimai_reasons(corpus: Path, names: list[str]) -> dict[str, list[tuple[str, bool]]]:
    perl = shutil.which("perl")
    if (
        perl is None
        or subprocess.run([perl, "-MSisimai", "-e", "1"], check=False, capture_output=True).returncode
    ):
        print("sisimai: libsisimai-perl is not installed (apt-get install libsisimai-perl)")
        sys.exit(1)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "sisimai.pl"
        script.write_text(_SISIMAI_SCRIPT)
        files = [str(corpus / "emails" / n) for n in names]
        out = subprocess.run([perl, str(script), *files], check=False, capture_output=True, text=True)
    if out.returncode:
        print(f"sisimai: perl failed ({out.returncode}): {out.stderr.strip()[-500:]}")
        sys.exit(1)
    got: dict[str, list[tuple[str, bool]]] = collections.defaultdict(list)
    for line in out.stdout.splitlines():
        path, reason, hard = line.rsplit("\t", 2)
        got[Path(path).name].append((_SISIMAI_MERGED.get(reason, reason), hard == "1"))
    return got


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--no-sisimai", action="store_true")
    parser.add_argument("--misses", action="store_true", help="list the held-out disagreements")
    args = parser.parse_args()
    corpus: Path = args.corpus
    labels = load_labels(corpus)
    names = sorted(labels)
    fold_files: dict[str, list[str]] = collections.defaultdict(list)
    for name in names:
        fold_files[fold_of(str(labels[name][0]["module"]))].append(name)

    whole: dict[str, Score] = collections.defaultdict(Score)
    whole_extra, held_extra, their_extra = Extra(), Extra(), Extra()
    score_files(corpus, labels, names, whole, whole_extra)
    held: dict[str, Score] = collections.defaultdict(Score)
    for fold, files in fold_files.items():
        _modules, fams, provs = FOLDS.get(fold, (frozenset(), frozenset(), frozenset()))
        with without(fams, provs):
            score_files(corpus, labels, files, held, held_extra)
    theirs: dict[str, Score] = collections.defaultdict(Score)
    if not args.no_sisimai:
        sis = sisimai_reasons(corpus, names)
        for name in names:
            score_one(name, sis.get(name, []), labels[name], theirs, their_extra)

    print(
        f"{'fold (label module families)':<34} {'n':>4} {'whole':>7} {'held-out':>9} {'sisimai':>8}  knowledge"
    )
    generic = Score()
    specific = Score()
    for fold in sorted(fold_files, key=lambda f: (-whole[f].n, f)):
        _modules, fams, provs = FOLDS.get(fold, (frozenset(), frozenset(), frozenset()))
        kind = "generic" if not fams and not provs else "specific: " + ",".join(sorted(fams | provs))
        bucket = generic if kind == "generic" else specific
        bucket.ok += held[fold].ok
        bucket.n += held[fold].n
        modules = ",".join(sorted({str(labels[n][0]["module"]) for n in fold_files[fold]}))
        print(
            f"{fold + ' (' + modules + ')':<34.34} {whole[fold].n:>4} {whole[fold].pct():>7} "
            f"{held[fold].pct():>9} {theirs[fold].pct() if theirs else '-':>8}  {kind}"
        )

    def total(scores: dict[str, Score]) -> Score:
        out = Score()
        for s in scores.values():
            out.ok += s.ok
            out.n += s.n
        return out

    w, h = total(whole), total(held)
    print()
    print(f"whole corpus (tuned on)           : {w.ok}/{w.n} = {w.pct()}   (target >= 97%)")
    print(f"family-held-out, all folds        : {h.ok}/{h.n} = {h.pct()}   (target >= 95%)")
    print(f"  folds with family knowledge off : {specific.ok}/{specific.n} = {specific.pct()}")
    print(f"  folds read by generic code only : {generic.ok}/{generic.n} = {generic.pct()}")
    if theirs:
        t = total(theirs)
        print(f"sisimai 4.25, whole corpus        : {t.ok}/{t.n} = {t.pct()}   (its own test set)")

    def extras(label: str, e: Extra) -> None:
        print(
            f"{label:<34}: failed recipient found {e.found}/{w.n} = {100 * e.found / w.n:5.1f}%   "
            f"permanent/temporary {e.hard_ok}/{e.hard_n} = {100 * e.hard_ok / max(e.hard_n, 1):5.1f}%"
        )

    print()
    extras("inboxtrace, whole corpus", whole_extra)
    extras("inboxtrace, family-held-out", held_extra)
    if theirs:
        extras("sisimai 4.25, whole corpus", their_extra)
    print(
        "held-out: each fold scored with its own families.toml layouts and providers.toml replies\n"
        "switched off; the generic phrases stay on (which files they were widened for is not\n"
        "recorded), so it is an upper bound for a family never seen. See the docstring."
    )
    if args.misses:
        print("\nheld-out disagreements:")
        for fold in sorted(held):
            for miss in held[fold].misses:
                print(f"  {fold:<14} {miss}")


if __name__ == "__main__":
    main()
