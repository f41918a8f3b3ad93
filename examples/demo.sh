#!/usr/bin/env bash
# The README's main job on bundled real examples. $1: the bin dir of the venv that has inboxtrace.
set -euo pipefail
bin="${1:-.venv/bin}"
here="$(cd "$(dirname "$0")" && pwd)"
echo "== What do these real SMTP replies mean? (examples/replies.txt)"
while IFS= read -r line; do
  [ -n "$line" ] || continue
  "$bin/inboxtrace" explain "$line"
  echo
done < "$here/replies.txt"
echo "== 250 and 550 side by side"
"$bin/inboxtrace" explain 250 550
