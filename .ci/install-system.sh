#!/usr/bin/env bash
# Install the Debian packages listed in .ci/apt-packages.txt (root, non-interactive).
# Services installed here are not left running: the tests start their own instances.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pkgs=$(grep -v '^\s*#' "$here/apt-packages.txt" | tr -s ' \n' ' ')
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
  echo "system packages: all present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "system packages missing:$missing (run as root to install them)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
echo "postfix postfix/mailname string inboxtrace.test" | debconf-set-selections
apt-get -o DPkg::Lock::Timeout=600 update -qq
# policy-rc.d stops the packages' own services from starting during installation.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/dev/null
echo "system packages installed:$missing"
