#!/usr/bin/env bash
# Install the Debian packages a list names (root, non-interactive), and nothing else.
#
#   bash .ci/install-system.sh               the packages of the test suite and benchmarks (.ci/apt-packages.txt)
#   bash .ci/install-system.sh demo          the packages `make demo` needs (.ci/apt-demo.txt)
#   bash .ci/install-system.sh FILE          the packages a list file names (one per line)
#
# The machine is left as it was, except for the packages:
# * the packages' own services are not started while they install (a policy-rc.d that answers 101);
#   an existing /usr/sbin/policy-rc.d is kept aside and put back, byte for byte, afterwards;
# * services the packages enable at boot (systemd "wants" links, SysV rc links) are disabled again, so
#   nothing starts at the next boot that did not before. The tests start their own instances.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
case "${1:-tests}" in
  tests) list="$here/apt-packages.txt" ;;
  demo) list="$here/apt-demo.txt" ;;
  *) list="$1"; [ -f "$list" ] || { echo "usage: $0 [tests|demo|LIST-FILE]" >&2; exit 2; } ;;
esac
pkgs=$(grep -v '^\s*#' "$list" | tr -s ' \n' ' ')
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
  echo "system packages: all present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "system packages missing:$missing (run 'make system' as root, or install them with apt-get)" >&2
  exit 1
fi

policy=/usr/sbin/policy-rc.d
saved=""
boot_links() {
  { find /etc/systemd/system -path '*.wants/*' -type l 2>/dev/null || true
    find /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d -name 'S*' -type l 2>/dev/null || true; } | sort
}
links_before=$(mktemp)
boot_links > "$links_before"
restore() {
  if [ -n "$saved" ]; then
    mv -f "$saved" "$policy"
  else
    rm -f "$policy"
  fi
  # Boot links the installation added: disable the service again (the package stays installed).
  boot_links | comm -13 "$links_before" - | while read -r link; do
    case "$link" in
      /etc/systemd/system/*)
        unit=$(basename "$link")
        if command -v systemctl >/dev/null 2>&1; then
          systemctl disable --no-reload -q "$unit" 2>/dev/null || rm -f "$link"
        else
          rm -f "$link"
        fi
        echo "not enabled at boot: $unit" ;;
      /etc/rc*)
        name=$(basename "$link" | sed 's/^S[0-9]*//')
        update-rc.d "$name" disable >/dev/null 2>&1 || rm -f "$link"
        echo "not enabled at boot: $name (SysV)" ;;
    esac
  done | sort -u
  rm -f "$links_before"
}
trap restore EXIT

export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
echo "postfix postfix/mailname string inboxtrace.test" | debconf-set-selections
apt-get -o DPkg::Lock::Timeout=600 update -qq
# policy-rc.d stops the packages' own services from starting during installation.
if [ -e "$policy" ] || [ -L "$policy" ]; then
  saved=$(mktemp /usr/sbin/.policy-rc.d.inboxtrace.XXXXXX)
  cp -a "$policy" "$saved"
fi
printf '#!/bin/sh\nexit 101\n' > "$policy.inboxtrace.tmp"
chmod +x "$policy.inboxtrace.tmp"
mv -f "$policy.inboxtrace.tmp" "$policy"
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/dev/null
echo "system packages installed:$missing"
