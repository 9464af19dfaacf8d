#!/bin/sh
# Installs the Vigie agent on a Linux machine without dpkg (or with it, if you prefer):
#
#   curl -fsSLO https://<collector>/downloads/install.sh && sudo sh install.sh
#
# The enrollment token is read from /etc/vigie-agent/enroll.env (VIGIE_URL=…,
# VIGIE_ENROLL_TOKEN=…, mode 0600; downloadable from the dashboard) or from the environment,
# never from the command line. Other settings, from the environment:
#   VIGIE_REMOTE        the local ceiling of remote intervention: off | actions (default) | scripts
#   VIGIE_DOWNLOAD_URL  where to fetch the executable (default $VIGIE_URL/downloads/vigie-agent-linux-<arch>)
#   VIGIE_SHA256        expected SHA-256 of the executable
#   VIGIE_PREFIX        install under another root (images, tests); nothing is started then
# `sh install.sh uninstall` removes the agent; `sh install.sh purge` also its state, token and user.
set -eu

P="${VIGIE_PREFIX:-}"
BIN=/usr/local/bin/vigie-agent
UNIT_FILE=/etc/systemd/system/vigie-agent.service
STATE_DIR=/var/lib/vigie-agent
CONF_DIR=/etc/vigie-agent
USER_NAME=vigie-agent

say() { printf 'vigie-agent: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

systemd_running() { [ -z "$P" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }

strip_quotes() { printf '%s' "$1" | sed -e 's/^["'\'']//' -e 's/["'\'']$//'; }

read_enroll_env() {
  [ -f "$P$CONF_DIR/enroll.env" ] || return 0
  chmod 0600 "$P$CONF_DIR/enroll.env"
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      VIGIE_URL=*) VIGIE_URL=$(strip_quotes "${line#VIGIE_URL=}") ;;
      VIGIE_ENROLL_TOKEN=*) VIGIE_ENROLL_TOKEN=$(strip_quotes "${line#VIGIE_ENROLL_TOKEN=}") ;;
    esac
  done < "$P$CONF_DIR/enroll.env"
}

download() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1"
  else
    die "neither curl nor wget is installed"
  fi
}

# The same unit as the .deb's, with the executable in /usr/local/bin.
write_unit() {
  mkdir -p "$P/etc/systemd/system"
  cat > "$P$UNIT_FILE" <<'UNIT'
[Unit]
Description=Vigie RMM agent
Documentation=https://github.com/vigie-rmm/vigie#install-the-agent
Wants=network-online.target
After=network-online.target
# Not enrolled yet: nothing to run (enroll, then `systemctl start vigie-agent`).
ConditionPathExists=/var/lib/vigie-agent/credential.json

[Service]
Type=simple
User=vigie-agent
Group=vigie-agent
ExecStart=/usr/local/bin/vigie-agent run --state-dir /var/lib/vigie-agent
Restart=always
RestartSec=5
# The credential and the spool: created 0700, owned by vigie-agent, the only writable place.
StateDirectory=vigie-agent
StateDirectoryMode=0700
UMask=0077
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
CapabilityBoundingSet=
AmbientCapabilities=
SystemCallArchitectures=native
# No MemoryDenyWriteExecute: V8's JIT needs writable-then-executable pages.

[Install]
WantedBy=multi-user.target
UNIT
  chmod 0644 "$P$UNIT_FILE"
}

CEILING_FILE=/etc/vigie-agent-remote.conf
POLKIT_RULE=/etc/polkit-1/rules.d/50-vigie-agent.rules

# The local ceiling of remote intervention (off | actions | scripts, default actions): what this
# machine lets the provider do, whatever its collector says. Root's file, 0644; VIGIE_REMOTE (in
# enroll.env or the environment) sets it, and an existing file is kept when VIGIE_REMOTE is not given.
write_ceiling() {
  remote="${VIGIE_REMOTE:-}"
  if [ -z "$remote" ] && [ -f "$ENROLL_ENV" ]; then
    remote=$(sed -n 's/^VIGIE_REMOTE=["'\'']\{0,1\}\([a-z]*\)["'\'']\{0,1\}$/\1/p' "$ENROLL_ENV" | tail -n 1)
  fi
  case "$remote" in
    off|actions|scripts|'') ;;
    *) echo "vigie-agent: VIGIE_REMOTE must be off, actions or scripts (got \"$remote\"); keeping the ceiling as it is" >&2; remote='' ;;
  esac
  if [ -n "$remote" ] || [ ! -f "$P$CEILING_FILE" ]; then
    umask 022
    printf '# Vigie agent: what the provider may do on this machine (off | actions | scripts).\n# Only root can change it; the agent reads it before every remote command.\nremote: %s\n' "${remote:-actions}" > "$P$CEILING_FILE.tmp"
    chown 0:0 "$P$CEILING_FILE.tmp" 2>/dev/null || true
    chmod 0644 "$P$CEILING_FILE.tmp"
    mv "$P$CEILING_FILE.tmp" "$P$CEILING_FILE"
  fi
  # The service account may reboot and restart services (polkit) only when the ceiling allows actions.
  level=$(sed -n 's/^remote:[[:space:]]*\([a-z]*\)$/\1/p' "$P$CEILING_FILE")
  if [ "$level" = off ]; then
    rm -f "$P$POLKIT_RULE"
  elif [ -d "$P/etc/polkit-1/rules.d" ]; then
    cat > "$P$POLKIT_RULE" <<'RULE'
// Vigie agent (remote intervention, local ceiling "actions" or "scripts"): the vigie-agent service
// account may reboot the machine (with a delay and a message) and restart services.
polkit.addRule(function (action, subject) {
  if (subject.user == "vigie-agent" && (action.id == "org.freedesktop.login1.reboot" ||
      action.id == "org.freedesktop.login1.reboot-multiple-sessions" ||
      action.id == "org.freedesktop.login1.set-wall-message" ||
      action.id == "org.freedesktop.systemd1.manage-units")) {
    return polkit.Result.YES;
  }
});
RULE
    chmod 0644 "$P$POLKIT_RULE"
  fi
}

install_agent() {
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "unsupported processor $(uname -m)" ;;
  esac
  VIGIE_URL="${VIGIE_URL:-}"
  VIGIE_ENROLL_TOKEN="${VIGIE_ENROLL_TOKEN:-}"
  read_enroll_env
  url="${VIGIE_DOWNLOAD_URL:-}"
  if [ -z "$url" ]; then
    [ -n "$VIGIE_URL" ] || die "set VIGIE_URL (in $CONF_DIR/enroll.env or the environment) or VIGIE_DOWNLOAD_URL"
    url="${VIGIE_URL%/}/downloads/vigie-agent-linux-$arch"
  fi

  tmp=$(mktemp "${TMPDIR:-/tmp}/vigie-agent.XXXXXX")
  trap 'rm -f "$tmp"' EXIT
  download "$url" "$tmp"
  if [ -n "${VIGIE_SHA256:-}" ]; then
    echo "$VIGIE_SHA256  $tmp" | sha256sum -c - >/dev/null 2>&1 || die "checksum mismatch for $url"
  fi
  chmod 0755 "$tmp"
  "$tmp" --version | grep -q '^vigie-agent ' || die "$url is not a vigie-agent executable for this machine"

  systemd_running && systemctl stop vigie-agent.service 2>/dev/null || true
  mkdir -p "$P/usr/local/bin"
  cp "$tmp" "$P$BIN.new" && chmod 0755 "$P$BIN.new" && mv -f "$P$BIN.new" "$P$BIN"

  if ! grep -q "^$USER_NAME:" "$P/etc/passwd"; then
    useradd ${P:+--prefix "$P"} --system --user-group --no-create-home --home-dir "$STATE_DIR" \
      --shell /usr/sbin/nologin --comment "Vigie RMM agent" "$USER_NAME"
  fi
  uid=$(awk -F: -v u="$USER_NAME" '$1 == u { print $3 }' "$P/etc/passwd")
  gid=$(awk -F: -v u="$USER_NAME" '$1 == u { print $4 }' "$P/etc/passwd")
  mkdir -p "$P$STATE_DIR" "$P$CONF_DIR"
  chmod 0700 "$P$CONF_DIR"
  ENROLL_ENV="$P$CONF_DIR/enroll.env"
  write_ceiling

  if [ -f "$P$STATE_DIR/credential.json" ]; then
    say "already enrolled; executable updated"
  elif [ -n "$VIGIE_URL" ] && [ -n "$VIGIE_ENROLL_TOKEN" ]; then
    export VIGIE_ENROLL_TOKEN
    "$P$BIN" enroll --url "$VIGIE_URL" --state-dir "$P$STATE_DIR" || die "enrollment with $VIGIE_URL failed"
    rm -f "$P$CONF_DIR/enroll.env"
  else
    say "installed but not enrolled: put VIGIE_URL and VIGIE_ENROLL_TOKEN in $CONF_DIR/enroll.env and run this script again"
  fi
  chown -R "$uid:$gid" "$P$STATE_DIR"
  chmod 0700 "$P$STATE_DIR"

  if command -v systemctl >/dev/null 2>&1 || [ -d "$P/etc/systemd" ]; then
    write_unit
    if systemd_running; then
      systemctl daemon-reload
      systemctl enable --now vigie-agent.service
    elif command -v systemctl >/dev/null 2>&1; then
      systemctl ${P:+--root="$P"} enable vigie-agent.service >/dev/null 2>&1 || true
    fi
  else
    say "no systemd here: start '$BIN run' with your init system, as user $USER_NAME"
  fi
  # The network probe pings through the system's ping program (the .deb depends on iputils-ping).
  command -v ping >/dev/null 2>&1 || say "the ping program is missing: the network probe cannot ping until it is installed (package iputils-ping, or iputils on RPM-based systems)"
  say "installed $("$P$BIN" --version)"
}

uninstall_agent() {
  if systemd_running; then
    systemctl disable --now vigie-agent.service 2>/dev/null || true
  elif command -v systemctl >/dev/null 2>&1; then
    systemctl ${P:+--root="$P"} disable vigie-agent.service >/dev/null 2>&1 || true
  fi
  rm -f "$P$BIN" "$P$UNIT_FILE"
  systemd_running && systemctl daemon-reload || true
  if [ "$1" = purge ]; then
    rm -rf "$P$STATE_DIR" "$P$CONF_DIR" "$P$CEILING_FILE" "$P$POLKIT_RULE"
    if grep -q "^$USER_NAME:" "$P/etc/passwd"; then userdel ${P:+--prefix "$P"} "$USER_NAME" || true; fi
    if grep -q "^$USER_NAME:" "$P/etc/group"; then groupdel ${P:+--prefix "$P"} "$USER_NAME" || true; fi
  fi
  say "removed"
}

case "${1:-install}" in
  install) install_agent ;;
  uninstall | purge) uninstall_agent "$1" ;;
  *) die "usage: sh install.sh [install|uninstall|purge]" ;;
esac
