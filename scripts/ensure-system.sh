#!/usr/bin/env bash
# Install the Debian packages the tests need when they are missing (root on these machines).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v dovecot >/dev/null 2>&1 || test -x /usr/sbin/dovecot || need+=(dovecot-imapd)
# Chinese and Thai customers: the headless browser needs their fonts to render (and screenshot) them,
# and the weekly digest's charts (matplotlib) and PDF (fpdf2) embed the same fonts.
# (Read the list once: `fc-list | grep -q` under pipefail fails whenever grep stops reading early,
# and then the fonts were "missing" and reinstalled on every run.)
fonts=$(fc-list 2>/dev/null || true)
grep -qi "Noto Sans CJK" <<<"$fonts" || need+=(fonts-noto-cjk)
grep -qiE "Loma|Garuda|Noto Sans Thai" <<<"$fonts" || need+=(fonts-thai-tlwg)
# Customers write in emoji too (😡 is a ranking cue): without a colour emoji font they draw as boxes.
grep -qi "Noto Color Emoji" <<<"$fonts" || need+=(fonts-noto-color-emoji)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
