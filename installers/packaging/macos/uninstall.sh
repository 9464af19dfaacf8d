#!/bin/sh
# Removes the Vigie agent from macOS: the launchd daemon, the executable, and (with --purge)
# its credential, spool and logs.  sudo ./uninstall.sh [--purge]
set -eu

P="${VIGIE_PREFIX:-}"
PLIST=/Library/LaunchDaemons/com.vigie.agent.plist

[ -n "$P" ] || [ "$(id -u)" = 0 ] || { echo "run as root: sudo $0" >&2; exit 1; }
if [ -z "$P" ]; then
  launchctl bootout system "$PLIST" 2>/dev/null || launchctl unload -w "$PLIST" 2>/dev/null || true
fi
rm -f "$P$PLIST"
rm -rf "$P/Library/Vigie/Agent"
rmdir "$P/Library/Vigie" 2>/dev/null || true
if [ "${1:-}" = --purge ]; then
  rm -rf "$P/Library/Application Support/Vigie" "$P/Library/Logs/Vigie"
fi
echo "vigie-agent: removed" >&2
