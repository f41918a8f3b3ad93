#!/usr/bin/env bash
# The README's main job on bundled real examples. $1: the bin dir of the venv that has inboxtrace.
set -euo pipefail
bin="${1:-.venv/bin}"
here="$(cd "$(dirname "$0")" && pwd)"
# the demo store is kept (one fixed place, rebuilt each run) so the browser can open it afterwards
db_dir="${INBOXTRACE_DEMO_DIR:-${TMPDIR:-/tmp}/inboxtrace-demo}"
mkdir -p "$db_dir"
rm -f "$db_dir/demo.db" "$db_dir/demo.db-wal" "$db_dir/demo.db-shm"
db="sqlite:///$db_dir/demo.db"
echo "== A real Postfix log (examples/postfix/maillog) into an embedded SQLite store"
"$bin/inboxtrace" ingest --quiet --db "$db" "$here/postfix/maillog"
echo
echo "== Where did each recipient's mail go?"
"$bin/inboxtrace" report --db "$db"
echo
echo "== The story of one message: tempfail@example.com (deferred again and again, then expired)"
"$bin/inboxtrace" trace --db "$db" tempfail@example.com
echo
echo "== Hard-bounced addresses to drop from the list (CSV)"
"$bin/inboxtrace" suppressions --db "$db"
echo
echo "== What do these real SMTP replies mean? (examples/replies.txt)"
while IFS= read -r line; do
  [ -n "$line" ] || continue
  "$bin/inboxtrace" explain "$line"
  echo
done < "$here/replies.txt"
echo "== 250 and 550 side by side"
"$bin/inboxtrace" explain 250 550
echo
echo "== The same store in the browser (Activity, message pages, Overview ...): run"
echo "   $bin/inboxtrace serve --db $db"
echo "   and open http://127.0.0.1:8025/"
