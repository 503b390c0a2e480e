#!/usr/bin/env bash
# Install the Debian packages the tests need when they are missing (root on these machines).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v dovecot >/dev/null 2>&1 || test -x /usr/sbin/dovecot || need+=(dovecot-imapd)
# Chinese and Thai customers: the headless browser needs their fonts to render (and screenshot) them.
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
fc-list 2>/dev/null | grep -qiE "Loma|Garuda|Noto Sans Thai" || need+=(fonts-thai-tlwg)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
