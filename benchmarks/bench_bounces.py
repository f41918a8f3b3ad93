"""Bounce parsing: reason accuracy on the labeled corpus and speed against Sisimai (Perl).

Usage: .venv/bin/python benchmarks/bench_bounces.py [--corpus DIR] [--rounds N] [--no-sisimai] [--show N]

Prints: agreement of ``reason`` with the labels' ``reason_dec2025`` (matched by file and recipient
order), files parsed without error, not-bounces wrongly reported, a confusion table of the
disagreements, and messages/s for inboxtrace and for Debian's libsisimai-perl on the same files.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from inboxtrace.bounces import iter_path, parse_bounce, read_bounces
from inboxtrace.model.bounce import BounceKind

# Pseudo-reasons whose hard/soft label is not about the address.
_NOT_SCORED_HARD = frozenset({"feedback", "vacation", "delivered", "onhold", "undefined"})

_SISIMAI_SCRIPT = r"""
use strict; use warnings; use Sisimai;
my $n = 0;
for my $f (@ARGV) {
    my $v = Sisimai->make($f, 'delivered' => 1, 'vacation' => 1);
    $n += scalar(@$v) if $v;
}
print "$n\n";
"""


def default_corpus() -> Path:
    return Path(__file__).resolve().parents[2] / "shared" / "corpus" / "bounces"


def accuracy(corpus: Path, show: int, write_known: Path | None = None) -> tuple[float, int]:
    labels = [json.loads(line) for line in (corpus / "labels.jsonl").read_text().splitlines() if line]
    by_file: dict[str, list[dict[str, object]]] = collections.defaultdict(list)
    for label in labels:
        by_file[str(label["file"])].append(label)
    ok = 0
    errors: list[tuple[str, str]] = []
    confusion: collections.Counter[tuple[str, str]] = collections.Counter()
    examples: dict[tuple[str, str], list[str]] = collections.defaultdict(list)
    hard_ok = hard_n = code_ok = code_n = 0
    known: list[str] = []
    files = sorted((corpus / "emails").iterdir())
    for path in files:
        got = []
        for report in read_bounces(iter_path(path)):  # a file may be an mbox of several messages
            if report.kind is BounceKind.ERROR:
                errors.append((path.name, report.error or ""))
            got.extend(r.verdict for r in report.recipients)
        for label in sorted(by_file.get(path.name, []), key=lambda x: int(str(x["recipient_index"]))):
            i = int(str(label["recipient_index"])) - 1
            verdict = got[i] if i < len(got) else None
            want = str(label["reason_dec2025"])
            have = verdict.reason if verdict else "(none)"
            key = f"{path.name}#{i + 1}"
            if have == want:
                ok += 1
            else:
                confusion[(want, have)] += 1
                examples[(want, have)].append(key)
                known.append(f"{key} reason {have}  #! label: {want}")
                continue
            if verdict is not None and want not in _NOT_SCORED_HARD:
                hard_n += 1
                hard_ok += verdict.hard_bounce == bool(label["hardbounce"])
                if verdict.hard_bounce != bool(label["hardbounce"]):
                    known.append(f"{key} hard {verdict.hard_bounce}  #! label: {label['hardbounce']}")
            if verdict is not None and label["replycode"] and verdict.reply_code is not None:
                code_n += 1
                code_ok += verdict.reply_code == int(str(label["replycode"]))
                if verdict.reply_code != int(str(label["replycode"])):
                    known.append(f"{key} code {verdict.reply_code}  #! label: {label['replycode']}")
    not_bounces = sorted((corpus / "not-bounces").iterdir())
    wrong = [p.name for p in not_bounces if parse_bounce(p.read_bytes(), p.name).is_bounce]
    if write_known is not None:
        head = [
            "#! Reviewed disagreements with labels.jsonl: file#recipient field value-inboxtrace-gives.",
            "#! Written by benchmarks/bench_bounces.py --write-known; the corpus test checks them too.",
            "#! Fix them with general rules, never per-file ones.",
        ]
        write_known.write_text("\n".join([*head, *known]) + "\n", encoding="utf-8")
    n = len(labels)
    print(f"reason agreement     : {ok}/{n} = {100 * ok / n:.1f}%   (target >= 97%)")
    print(f"hard/soft agreement  : {hard_ok}/{hard_n} = {100 * hard_ok / max(hard_n, 1):.1f}%")
    print(f"reply code agreement : {code_ok}/{code_n} = {100 * code_ok / max(code_n, 1):.1f}%")
    print(f"files without error  : {len(files) - len(errors)}/{len(files)}")
    for name, why in errors:
        print(f"  error {name}: {why}")
    print(f"not-bounces reported as bounces: {len(wrong)}/{len(not_bounces)} {wrong}")
    if confusion:
        print("\ndisagreements (label -> got: count, examples)")
        for (want, have), count in confusion.most_common():
            print(f"  {want:>16} -> {have:<16} {count:3d}  {' '.join(examples[(want, have)][:show])}")
    return ok / n, len(files)


def speed(corpus: Path, rounds: int, sisimai: bool) -> None:
    files = sorted((corpus / "emails").iterdir()) + sorted((corpus / "not-bounces").iterdir())
    blobs = [(p.name, p.read_bytes()) for p in files]
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for name, data in blobs:
            parse_bounce(data, name)
        best = min(best, time.perf_counter() - start)
    ours = len(blobs) / best
    print(f"\ninboxtrace: {len(blobs)} messages in {best:.3f}s = {ours:,.0f} messages/s (best of {rounds})")
    if not sisimai:
        return
    perl = shutil.which("perl")
    if (
        perl is None
        or subprocess.run([perl, "-MSisimai", "-e", "1"], check=False, capture_output=True).returncode
    ):
        print("sisimai  : libsisimai-perl is not installed (apt-get install libsisimai-perl)")
        sys.exit(1)
    with tempfile.NamedTemporaryFile("w", suffix=".pl", delete=False) as script:
        script.write(_SISIMAI_SCRIPT)
    best_s = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run([perl, script.name, *map(str, files)], check=True, capture_output=True)
        best_s = min(best_s, time.perf_counter() - start)
    Path(script.name).unlink()
    theirs = len(files) / best_s
    print(f"sisimai 4 : {len(files)} messages in {best_s:.3f}s = {theirs:,.0f} messages/s (best of {rounds})")
    print(f"ratio     : {ours / theirs:.2f}x Sisimai's messages/s   (target >= 3x)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--show", type=int, default=4, help="examples per disagreement")
    parser.add_argument("--no-sisimai", action="store_true")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--write-known", type=Path, help="write the disagreements for tests/bounces")
    args = parser.parse_args()
    accuracy(args.corpus, args.show, args.write_known)
    if not args.no_speed:
        speed(args.corpus, args.rounds, not args.no_sisimai)


if __name__ == "__main__":
    main()
