#!/bin/sh
# Installs the Vigie agent as a launchd daemon on macOS (Intel, or Apple Silicon under Rosetta 2).
# From the folder of the extracted archive:  sudo ./install.sh
# The enrollment token is read from enroll.env beside this script or in /Library/Vigie/Agent
# (VIGIE_URL=…, VIGIE_ENROLL_TOKEN=…; downloadable from the dashboard) or from the environment,
# never from the command line. VIGIE_PREFIX installs under another root (tests); nothing is
# loaded into launchd then.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
P="${VIGIE_PREFIX:-}"
AGENT_DIR=/Library/Vigie/Agent
BIN=$AGENT_DIR/vigie-agent
STATE_DIR="/Library/Application Support/Vigie/agent"
PLIST=/Library/LaunchDaemons/com.vigie.agent.plist
LOG_DIR=/Library/Logs/Vigie

say() { printf 'vigie-agent: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
strip_quotes() { printf '%s' "$1" | sed -e 's/^["'\'']//' -e 's/["'\'']$//'; }

read_enroll_env() {
  [ -f "$1" ] || return 0
  chmod 0600 "$1"
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      VIGIE_URL=*) VIGIE_URL=$(strip_quotes "${line#VIGIE_URL=}") ;;
      VIGIE_ENROLL_TOKEN=*) VIGIE_ENROLL_TOKEN=$(strip_quotes "${line#VIGIE_ENROLL_TOKEN=}") ;;
      VIGIE_REMOTE=*) VIGIE_REMOTE=$(strip_quotes "${line#VIGIE_REMOTE=}") ;;
    esac
  done < "$1"
}

[ -n "$P" ] || [ "$(id -u)" = 0 ] || die "run as root: sudo $0"
VIGIE_URL="${VIGIE_URL:-}"
VIGIE_ENROLL_TOKEN="${VIGIE_ENROLL_TOKEN:-}"
# The local ceiling of remote intervention: off | actions (default) | scripts.
VIGIE_REMOTE="${VIGIE_REMOTE:-}"
CEILING="/Library/Application Support/Vigie/remote.conf"
read_enroll_env "$HERE/enroll.env"
read_enroll_env "$P$AGENT_DIR/enroll.env"

[ -z "$P" ] && launchctl bootout system "$PLIST" 2>/dev/null || true
mkdir -p "$P$AGENT_DIR" "$P$STATE_DIR" "$P$LOG_DIR" "$P/Library/LaunchDaemons"
cp "$HERE/vigie-agent" "$P$BIN.new"
chmod 0755 "$P$BIN.new"
mv -f "$P$BIN.new" "$P$BIN"
# A browser download marks the files quarantined; the executable is not notarized.
command -v xattr >/dev/null 2>&1 && xattr -d com.apple.quarantine "$P$BIN" 2>/dev/null || true
# The SEA injection dropped Node's signature: an ad-hoc one where codesign exists (a provider
# with a Developer ID signs and notarizes the archive instead, see README).
command -v codesign >/dev/null 2>&1 && codesign --force --sign - "$P$BIN" 2>/dev/null || true
chmod 0700 "$P$STATE_DIR"
chmod 0755 "$P$LOG_DIR"

# What the provider may do on this Mac, whatever its collector says: root's file, 0644, kept as it
# is on an update unless VIGIE_REMOTE is given.
case "$VIGIE_REMOTE" in
  off | actions | scripts | '') ;;
  *) die "VIGIE_REMOTE must be off, actions or scripts (got \"$VIGIE_REMOTE\")" ;;
esac
if [ -n "$VIGIE_REMOTE" ] || [ ! -f "$P$CEILING" ]; then
  printf '# Vigie agent: what the provider may do on this Mac (off | actions | scripts).\n# Only root can change it; the agent reads it before every remote command.\nremote: %s\n' "${VIGIE_REMOTE:-actions}" > "$P$CEILING.tmp"
  chown 0:0 "$P$CEILING.tmp"
  chmod 0644 "$P$CEILING.tmp"
  mv -f "$P$CEILING.tmp" "$P$CEILING"
fi

if [ -f "$P$STATE_DIR/credential.json" ]; then
  say "already enrolled; executable updated"
elif [ -n "$VIGIE_URL" ] && [ -n "$VIGIE_ENROLL_TOKEN" ]; then
  export VIGIE_ENROLL_TOKEN
  "$P$BIN" enroll --url "$VIGIE_URL" --state-dir "$P$STATE_DIR" || die "enrollment with $VIGIE_URL failed"
  rm -f "$HERE/enroll.env" "$P$AGENT_DIR/enroll.env"
else
  say "installed but not enrolled: put VIGIE_URL and VIGIE_ENROLL_TOKEN in $AGENT_DIR/enroll.env and run this script again"
fi

cp "$HERE/com.vigie.agent.plist" "$P$PLIST"
chmod 0644 "$P$PLIST"
[ -n "$P" ] || chown root:wheel "$PLIST"
if [ -z "$P" ]; then
  launchctl bootstrap system "$PLIST" 2>/dev/null || launchctl load -w "$PLIST"
fi
say "installed $("$P$BIN" --version)"
