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
* **other public corpus, never tuned on** (``--flufl DIR``): the test bounces that the flufl.bounce
  library (GNU Mailman's bounce detector, LGPL-3) ships with its expected failed addresses, read
  from Debian's python3-flufl.bounce where it is installed (nothing is copied into this
  repository). Its answers are addresses and permanent/temporary, no reasons, so it measures
  finding the failed recipients: inboxtrace and Sisimai 4.25 side by side on the same files.
  Nobody may change a rule because of this figure: it is kept as a measure of mail never seen.
"""

from __future__ import annotations

import argparse
import ast
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
from inboxtrace.codes.memo import clear_input_caches
from inboxtrace.codes.rules import provider_rules
from inboxtrace.model.bounce import BounceKind
from inboxtrace.model.reply import ReplyClass

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
    for my $d (@$v) {
        my $a = $d->recipient ? $d->recipient->address : '';
        print join("\t", $f, $d->reason, $d->softbounce == 0 ? 1 : 0, $a,
                   $d->deliverystatus // '', $d->action // ''), "\n";
    }
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


@contextlib.contextmanager
def without(families: frozenset[str], providers: frozenset[str]) -> Iterator[None]:
    """Switch off the named text families and providers' documented replies for a while."""
    real_rules = classify_module.provider_rules
    kept = tuple(f for f in text_formats.families() if f.name not in families)
    rules = tuple(r for r in provider_rules() if r.provider not in providers)
    text_formats.use_families(kept)
    classify_module.provider_rules = lambda: rules  # type: ignore[assignment]
    clear_input_caches()
    try:
        yield
    finally:
        text_formats.use_families(None)
        classify_module.provider_rules = real_rules  # type: ignore[assignment]
        clear_input_caches()


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


@dataclass(frozen=True)
class SisimaiRow:
    reason: str
    hard: bool
    address: str
    status: str
    action: str


def sisimai_rows(files: list[Path]) -> dict[str, list[SisimaiRow]]:
    """What Sisimai 4.25 makes of each file, by file name (in the order it lists recipients)."""
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
        args = [str(f) for f in files]
        out = subprocess.run([perl, str(script), *args], check=False, capture_output=True, text=True)
    if out.returncode:
        print(f"sisimai: perl failed ({out.returncode}): {out.stderr.strip()[-500:]}")
        sys.exit(1)
    got: dict[str, list[SisimaiRow]] = collections.defaultdict(list)
    for line in out.stdout.splitlines():
        path, reason, hard, address, status, action = line.split("\t")
        row = SisimaiRow(_SISIMAI_MERGED.get(reason, reason), hard == "1", address, status, action)
        got[Path(path).name].append(row)
    return got


def sisimai_reasons(corpus: Path, names: list[str]) -> dict[str, list[tuple[str, bool]]]:
    rows = sisimai_rows([corpus / "emails" / n for n in names])
    return {name: [(r.reason, r.hard) for r in got] for name, got in rows.items()}


# --- another public corpus with its own expected answers, never tuned on ---------------------

FLUFL_DATA = Path("/usr/lib/python3/dist-packages/flufl/bounce/tests/data")


def flufl_expected(data: Path) -> dict[str, dict[str, bool]]:
    """file -> {failed address (lower case): temporary?} from the package's own test table.

    The table (``testing/helpers.py``, ``DATA``) lists per detector and file the addresses that
    detector must return, with a flag for temporary failures; a file's answer is the union over
    its detectors (an empty union: no failed address in it). It is read as a literal, never run.
    """
    helpers = data.parent.parent / "testing" / "helpers.py"
    tree = ast.parse(helpers.read_text(encoding="utf-8"))
    table: object = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "DATA" for t in node.targets
        ):
            table = ast.literal_eval(node.value)
    if not isinstance(table, tuple):
        raise SystemExit(f"flufl: no DATA table in {helpers}")
    out: dict[str, dict[str, bool]] = collections.defaultdict(dict)
    for entry in table:
        _detector, name, addresses = entry[:3]
        temporary = bool(entry[3]) if len(entry) > 3 else False
        out[name]  # a file listed with no address still has an answer: none failed
        for address in addresses:
            out[name][address.decode().lower()] = temporary
    return dict(out)


@dataclass
class Found:
    """One tool's measures on a corpus with expected failed addresses."""

    files: int = 0  # files with at least one expected address
    any_found: int = 0  # ... of which the tool named at least one of them
    exact: int = 0  # ... of which the tool named exactly the expected set
    quiet_files: int = 0  # files whose answer is "no failed address"
    quiet_ok: int = 0  # ... where the tool named none either
    temp_ok: int = 0  # expected addresses found, permanent/temporary as expected
    temp_n: int = 0

    def add(self, want: dict[str, bool], got: dict[str, bool]) -> None:
        if not want:
            self.quiet_files += 1
            self.quiet_ok += not got
            return
        self.files += 1
        self.any_found += bool(want.keys() & got.keys())
        self.exact += want.keys() == got.keys()
        for address in want.keys() & got.keys():
            self.temp_n += 1
            self.temp_ok += want[address] == got[address]

    def line(self, label: str) -> str:
        def pct(a: int, b: int) -> str:
            return f"{a}/{b} = {100 * a / max(b, 1):5.1f}%"

        return (
            f"{label:<12} failed recipient found {pct(self.any_found, self.files)}   "
            f"addresses exactly right {pct(self.exact, self.files)}   "
            f"permanent/temporary {pct(self.temp_ok, self.temp_n)}   "
            f"no failure where none {pct(self.quiet_ok, self.quiet_files)}"
        )


def inboxtrace_failed(path: Path) -> dict[str, bool]:
    """Failed (or delayed) recipients of the bounces in a file: address -> temporary?"""
    out: dict[str, bool] = {}
    for item in iter_path(path):
        report = parse_bounce(item.data, item.source)
        if report.kind is not BounceKind.DSN:
            continue
        for r in report.recipients:
            if r.verdict.reply_class is not ReplyClass.SUCCESS:
                temporary = r.action == "delayed" or r.verdict.reply_class is ReplyClass.TRANSIENT
                out[r.recipient.lower()] = temporary
    return out


def sisimai_failed(rows: list[SisimaiRow]) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for r in rows:
        if r.reason in ("delivered", "vacation", "feedback") or not r.address:
            continue
        out[r.address.lower()] = r.action == "delayed" or r.status.startswith("4")
    return out


def flufl_measure(data: Path, with_sisimai: bool) -> None:
    if not (data / "postfix_01.txt").is_file():
        print(f"flufl: no test bounces at {data} (apt-get install python3-flufl.bounce)")
        sys.exit(1)
    want = flufl_expected(data)
    files = sorted(want)
    mine = Found()
    for name in files:
        mine.add(want[name], inboxtrace_failed(data / name))
    print(f"\nother public corpus, never tuned on: flufl.bounce tests ({len(files)} files, {data})")
    print(mine.line("inboxtrace"))
    if with_sisimai:
        rows = sisimai_rows([data / n for n in files])
        theirs = Found()
        for name in files:
            theirs.add(want[name], sisimai_failed(rows.get(name, [])))
        print(theirs.line("sisimai 4.25"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--no-sisimai", action="store_true")
    parser.add_argument("--misses", action="store_true", help="list the held-out disagreements")
    parser.add_argument(
        "--flufl", type=Path, default=FLUFL_DATA, help="flufl.bounce's test bounces (never tuned on)"
    )
    parser.add_argument("--no-flufl", action="store_true")
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
    if not args.no_flufl:
        flufl_measure(args.flufl, not args.no_sisimai)
    if args.misses:
        print("\nheld-out disagreements:")
        for fold in sorted(held):
            for miss in held[fold].misses:
                print(f"  {fold:<14} {miss}")


if __name__ == "__main__":
    main()
