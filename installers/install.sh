#!/bin/sh
# Deckhand agent installer for Linux (systemd). Served by the coordinator with its URL filled in:
#
#   curl -fsSL https://COORDINATOR/install.sh | sudo sh -s -- --token TOKEN --tag env=prod
#
# Installs the agent package under a prefix, registers the host once, and installs and starts
# the deckhand-agent systemd unit. Running it again upgrades in place, between deployments,
# keeping the host's identity and journal. --uninstall removes it. See --help.
set -eu

# Replaced by the coordinator when it serves this script (the CA fingerprint with --tls auto).
DEFAULT_COORDINATOR_URL='@DECKHAND_COORDINATOR_URL@'
DEFAULT_CA_SHA256='@DECKHAND_CA_SHA256@'
SERVICE=deckhand-agent

usage() {
  cat <<'EOF'
Usage: install.sh [--coordinator URL] [--token TOKEN] [--tag KEY=VALUE ...] [options]
       install.sh --uninstall [--keep-registration] [options]

  --coordinator URL     the coordinator (default: the one that served this script)
  --token TOKEN         registration token, needed on the first install only
                        (or DECKHAND_REGISTRATION_TOKEN)
  --ca-sha256 HEX       the coordinator's CA fingerprint: downloads are checked against that CA
                        and the agent pins it (default: the one of the coordinator that served
                        this script, when it runs with its own CA)
  --tag KEY=VALUE       a tag of this host, repeatable (first install only)
  --prefix DIR          where the agent goes (default /opt/deckhand-agent)
  --config-dir DIR      default /etc/deckhand
  --state-dir DIR       identity and journal (default /var/lib/deckhand)
  --log-dir DIR         default /var/log/deckhand
  --unit-dir DIR        default /etc/systemd/system
  --node PATH           run the agent on this Node.js (20 or later) instead of the
                        runtime the package carries (default: the package's)
  --wait SECONDS        how long an upgrade waits for a running deployment (default 3600)
  --reboot-command CMD  what the agent runs when a hook asks for a reboot (exit 194);
                        without it such a hook fails (agent.yml rebootCommand)
  --download-stall-seconds N
                        a bundle download silent for N seconds fails and is retried
  --proxy URL           HTTP(S) proxy for the coordinator and downloads (agent.yml proxy)
  --no-proxy LIST       hosts reached without the proxy, NO_PROXY's format
  --log-level LEVEL     error, warn, info or debug (agent.yml logLevel)
  --trusted-key FILE_OR_KEY
                        a minisign public key (a .pub file or its RW... line) that revisions
                        must be signed with; repeatable (agent.yml trustedKeys)
                        These six are written to CONFIG_DIR/agent.yml, kept across upgrades;
                        given again, they replace what is there.
  --no-start            install and enable the unit, but do not (re)start it
  --dry-run             print what would be done, change nothing
  --uninstall           stop and remove the agent, and deregister the host
  --keep-registration   with --uninstall: keep the registration, identity and journal

DECKHAND_INSTALL_ROOT=DIR puts every default path under DIR (for tests and images).
EOF
}

die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }
usage_error() { printf 'install.sh: %s (see --help)\n' "$*" >&2; exit 2; }
say() { printf '==> %s\n' "$*"; }

# Runs a command, or only prints it under --dry-run.
run() {
  if [ "$DRY_RUN" = 1 ]; then printf '+ %s\n' "$*"; return 0; fi
  "$@"
}

# Paths end up in sed expressions and in the unit file: keep them to plain characters.
check_path() {
  case $2 in
    /*) ;;
    *) usage_error "$1 must be an absolute path, got \"$2\"" ;;
  esac
  case $2 in
    *[!A-Za-z0-9._/-]*) usage_error "$1 may hold only letters, digits and . _ / -, got \"$2\"" ;;
  esac
}

need_value() {
  if [ "$#" -lt 2 ] || [ -z "$2" ]; then usage_error "$1 needs a value"; fi
}

add_tag() {
  case $1 in
    ?*=*) ;;
    *) usage_error "--tag must be KEY=VALUE, got \"$1\"" ;;
  esac
  TAGS="${TAGS}${1}
"
}

# Settings for agent.yml, one --flag=value a line; passed to config-write as given.
add_setting() {
  case $2 in
    *'
'*) usage_error "$1 must be one line" ;;
  esac
  # --flag=value, so that a value starting with a dash stays a value.
  SETTINGS="${SETTINGS}${1}=${2}
"
}

# Writes the agent.yml settings given as options (creating the file on a first install); a bad
# value is refused before anything else changes.
write_settings() {
  mkdir -p "$CONFIG_DIR"
  set -f
  old_ifs=$IFS
  IFS='
'
  # shellcheck disable=SC2086 # split on newlines only, so values keep their spaces
  set -- $SETTINGS
  IFS=$old_ifs
  set +f
  agent "$RELEASE" config-write --file "$CONFIG_DIR/agent.yml" "$@" || die "the agent settings were refused; nothing was changed"
}

parse_args() {
  while [ "$#" -gt 0 ]; do
    case $1 in
      --coordinator) need_value "$@"; COORDINATOR=$2; shift ;;
      --token) need_value "$@"; TOKEN=$2; shift ;;
      --ca-sha256) need_value "$@"; CA_SHA256=$2; shift ;;
      --tag) need_value "$@"; add_tag "$2"; shift ;;
      --prefix) need_value "$@"; PREFIX=$2; shift ;;
      --config-dir) need_value "$@"; CONFIG_DIR=$2; shift ;;
      --state-dir) need_value "$@"; STATE_DIR=$2; shift ;;
      --log-dir) need_value "$@"; LOG_DIR=$2; shift ;;
      --unit-dir) need_value "$@"; UNIT_DIR=$2; shift ;;
      --node) need_value "$@"; NODE=$2; shift ;;
      --wait) need_value "$@"; WAIT=$2; shift ;;
      --reboot-command | --download-stall-seconds | --proxy | --no-proxy | --log-level | --trusted-key)
        need_value "$@"; add_setting "$1" "$2"; shift ;;
      --no-start) NO_START=1 ;;
      --dry-run) DRY_RUN=1 ;;
      --uninstall) UNINSTALL=1 ;;
      --keep-registration) KEEP_REGISTRATION=1 ;;
      -h | --help) usage; exit 0 ;;
      *) usage_error "unknown option \"$1\"" ;;
    esac
    shift
  done
  case $WAIT in
    '' | *[!0-9]*) usage_error "--wait must be a whole number of seconds, got \"$WAIT\"" ;;
  esac
}

# Flags win over what the last install recorded in install.env, which wins over the defaults.
resolve_paths() {
  root=${DECKHAND_INSTALL_ROOT:-}
  [ -z "$root" ] || check_path DECKHAND_INSTALL_ROOT "$root"
  CONFIG_DIR=${CONFIG_DIR:-$root/etc/deckhand}
  check_path --config-dir "$CONFIG_DIR"
  if [ -f "$CONFIG_DIR/install.env" ]; then
    # shellcheck disable=SC1091 # written by this script; holds only the variables read below
    . "$CONFIG_DIR/install.env"
  fi
  PREFIX=${PREFIX:-${DECKHAND_PREFIX:-$root/opt/deckhand-agent}}
  STATE_DIR=${STATE_DIR:-${DECKHAND_STATE_DIR:-$root/var/lib/deckhand}}
  LOG_DIR=${LOG_DIR:-${DECKHAND_LOG_DIR:-$root/var/log/deckhand}}
  UNIT_DIR=${UNIT_DIR:-${DECKHAND_UNIT_DIR:-$root/etc/systemd/system}}
  NODE=${NODE:-${DECKHAND_NODE:-}}
  COORDINATOR=${COORDINATOR:-${DECKHAND_COORDINATOR:-}}
  for pair in "--prefix $PREFIX" "--state-dir $STATE_DIR" "--log-dir $LOG_DIR" "--unit-dir $UNIT_DIR"; do
    check_path "${pair%% *}" "${pair#* }"
  done
  UNIT_FILE=$UNIT_DIR/$SERVICE.service
}

# The package carries its own Node.js; --node (or an earlier install's) names another one.
check_node() {
  [ -n "$NODE" ] || return 0
  [ -x "$NODE" ] || die "--node $NODE is not an executable file"
  check_path --node "$NODE"
  major=$("$NODE" -p 'process.versions.node.split(".")[0]' </dev/null) || die "cannot run $NODE"
  [ "$major" -ge 20 ] || die "$NODE is Node.js $("$NODE" --version </dev/null); Deckhand needs 20 or later"
}

# The Node.js that runs the agent from a release: --node's, else the release's own.
node_of() {
  if [ -n "$NODE" ]; then printf '%s\n' "$NODE"; else printf '%s\n' "$1/runtime/bin/node"; fi
}

# Any Node.js, for the rare host with neither curl, wget nor sha256sum.
fallback_node() {
  fallback=${NODE:-$(command -v node || true)}
  [ -n "$fallback" ] || die "$1 is needed (or Node.js on PATH): install curl"
  printf '%s\n' "$fallback"
}

# systemctl when systemd runs this host; DECKHAND_SYSTEMCTL names another one (tests).
find_systemctl() {
  SYSTEMCTL=${DECKHAND_SYSTEMCTL:-}
  if [ -z "$SYSTEMCTL" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    SYSTEMCTL=systemctl
  fi
}

resolve_coordinator() {
  case $DEFAULT_COORDINATOR_URL in
    @*) ;;
    *) COORDINATOR=${COORDINATOR:-$DEFAULT_COORDINATOR_URL} ;;
  esac
  [ -n "$COORDINATOR" ] || usage_error "--coordinator is required"
  case $COORDINATOR in
    http://?* | https://?*) COORDINATOR=${COORDINATOR%/} ;;
    *) usage_error "--coordinator must be an http:// or https:// URL, got \"$COORDINATOR\"" ;;
  esac
  case $DEFAULT_CA_SHA256 in
    @* | '') ;;
    *) CA_SHA256=${CA_SHA256:-$DEFAULT_CA_SHA256} ;;
  esac
  [ -z "$CA_SHA256" ] || resolve_pin
}

# The pin as 64 lowercase hex digits; HTTPS only once a CA is pinned.
resolve_pin() {
  CA_SHA256=$(printf '%s' "$CA_SHA256" | tr -d ':' | tr 'A-F' 'a-f')
  case $CA_SHA256 in
    *[!0-9a-f]*) usage_error "--ca-sha256 must be 64 hex digits, got \"$CA_SHA256\"" ;;
  esac
  [ "${#CA_SHA256}" -eq 64 ] || usage_error "--ca-sha256 must be 64 hex digits"
  case $COORDINATOR in
    https://*) ;;
    *) usage_error "a CA fingerprint is given, so --coordinator must be https://" ;;
  esac
}

# Fetches the coordinator's CA and checks it against the pin before trusting it for anything:
# its DER bytes (the PEM's base64) must hash to CA_SHA256. Sets CA_FILE.
fetch_ca() {
  [ -n "$CA_SHA256" ] || return 0
  CA_FILE=$WORK/coordinator-ca.pem
  # Unverified on purpose: the certificate is what gets verified, against the pin, next.
  curl -fsSLk --retry 3 -o "$CA_FILE" "$COORDINATOR/v1/tls/ca.pem" </dev/null || die "cannot download the coordinator's CA from $COORDINATOR/v1/tls/ca.pem"
  actual=$(sed -e '/-----/d' "$CA_FILE" | base64 -d | sha256sum | cut -d ' ' -f 1)
  [ "$actual" = "$CA_SHA256" ] || die "the coordinator at $COORDINATOR presents a CA whose fingerprint is $actual, not the pinned $CA_SHA256: not installing"
}

download() {
  if [ -n "$CA_FILE" ]; then
    curl -fsSL --retry 3 --cacert "$CA_FILE" -o "$2" "$1" </dev/null
  elif command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 -o "$2" "$1" </dev/null
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1" </dev/null
  else
    "$(fallback_node 'curl or wget')" -e 'const [u, f] = process.argv.slice(1); fetch(u).then(async (r) => { if (!r.ok) throw new Error("HTTP " + r.status); require("fs").writeFileSync(f, Buffer.from(await r.arrayBuffer())); }).catch((e) => { console.error(u + ": " + e.message); process.exit(1); });' "$1" "$2" </dev/null
  fi
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  else
    "$(fallback_node sha256sum)" -e 'process.stdout.write(require("crypto").createHash("sha256").update(require("fs").readFileSync(process.argv[1])).digest("hex") + "\n")' "$1" </dev/null
  fi
}

# Downloads and checks the package, unpacks it as a release; sets RELEASE and RELEASE_ID.
fetch_release() {
  platform=linux-$(uname -m | sed -e 's/^x86_64$/x64/' -e 's/^aarch64$/arm64/')
  url="$COORDINATOR/v1/agent/package?platform=$platform"
  say "downloading the agent package for $platform from $COORDINATOR"
  download "$url" "$WORK/package.tar.gz" || die "cannot download $url"
  download "$COORDINATOR/v1/agent/package.sha256?platform=$platform" "$WORK/package.sha256" || die "cannot download the package's checksum"
  expected=$(cut -d ' ' -f 1 "$WORK/package.sha256")
  actual=$(sha256_of "$WORK/package.tar.gz")
  [ "$expected" = "$actual" ] || die "the agent package's checksum is wrong: expected $expected, got $actual"
  RELEASE_ID=$(printf '%.12s' "$actual")
  RELEASE=$PREFIX/releases/$RELEASE_ID
  if [ ! -f "$RELEASE/package.json" ]; then
    mkdir -p "$WORK/unpacked" "$PREFIX/releases"
    tar -xzf "$WORK/package.tar.gz" -C "$WORK/unpacked"
    rm -rf "$RELEASE"
    mv "$WORK/unpacked/deckhand-agent" "$RELEASE"
  fi
}

# The package's better-sqlite3 is built for its own runtime; under --node, fetch one that fits.
check_native() {
  if [ -z "$NODE" ]; then
    [ -x "$RELEASE/runtime/bin/node" ] || die "the agent package carries no Node.js runtime: pass --node PATH"
    agent "$RELEASE" self-check >/dev/null || die "the agent package does not run on this host"
    return 0
  fi
  if "$NODE" "$RELEASE/bin/deckhand-agent.js" self-check </dev/null >/dev/null 2>&1; then
    return 0
  fi
  command -v npm >/dev/null 2>&1 || die "the packaged better-sqlite3 does not load with Node.js $("$NODE" --version) and npm is not installed to fetch one that does"
  say "installing better-sqlite3 for Node.js $("$NODE" --version)"
  (cd "$RELEASE" && npm install --omit=dev --no-audit --no-fund </dev/null) || die "npm could not install better-sqlite3 in $RELEASE"
}

# Runs deckhand-agent from a release: agent RELEASE_DIR ARGS...
agent() {
  release=$1
  shift
  "$(node_of "$release")" "$release/bin/deckhand-agent.js" "$@" </dev/null
}

# Waits (up to --wait) until no deployment runs here; sets REGISTERED and INSTANCE_ID.
wait_until_idle() {
  if state=$(agent "$1" upgrade-check --root "$STATE_DIR" --wait "$WAIT"); then
    rc=0
  else
    rc=$?
  fi
  [ "$rc" -ne 75 ] || die "a deployment is still running on this host after ${WAIT}s; nothing was changed: run the installer again when it is over"
  [ "$rc" -eq 0 ] || die "cannot read the agent's journal in $STATE_DIR"
  REGISTERED=0
  INSTANCE_ID=$(printf '%s\n' "$state" | sed -n 's/.*"instanceId":"\([^"]*\)".*/\1/p')
  [ -z "$INSTANCE_ID" ] || REGISTERED=1
}

register() {
  [ -n "$TOKEN" ] || usage_error "this host is not registered yet: --token is required"
  mkdir -p "$STATE_DIR"
  # Traversable, not listable: a hook with runas must reach its script under deployments/; the
  # agent keeps its identity and journal private inside (0700 and 0600).
  chmod 711 "$STATE_DIR"
  set -- register --coordinator "$COORDINATOR" --token "$TOKEN" --root "$STATE_DIR" --config "$CONFIG_DIR/agent.yml"
  [ -z "$CA_SHA256" ] || set -- "$@" --ca-sha256 "$CA_SHA256"
  # One tag a line; no globbing of tag values.
  set -f
  old_ifs=$IFS
  IFS='
'
  for tag in $TAGS; do set -- "$@" --tag "$tag"; done
  IFS=$old_ifs
  set +f
  INSTANCE_ID=$(agent "$RELEASE" "$@") || die "registration with $COORDINATOR failed"
  say "registered this host as $INSTANCE_ID"
}

# Single-quoted for sh; the paths were checked to hold no quotes.
write_install_env() {
  cat >"$CONFIG_DIR/install.env" <<ENV
# Written by install.sh: where the agent is installed, for upgrades and --uninstall.
DECKHAND_COORDINATOR='$COORDINATOR'
DECKHAND_PREFIX='$PREFIX'
DECKHAND_STATE_DIR='$STATE_DIR'
DECKHAND_LOG_DIR='$LOG_DIR'
DECKHAND_UNIT_DIR='$UNIT_DIR'
DECKHAND_NODE='$NODE'
ENV
}

write_config() {
  mkdir -p "$CONFIG_DIR" "$LOG_DIR"
  chmod 750 "$LOG_DIR"
  [ -f "$CONFIG_DIR/agent.env" ] || cat >"$CONFIG_DIR/agent.env" <<'ENV'
# Environment of the deckhand-agent service, kept across upgrades. For example:
# HTTPS_PROXY=http://proxy.example:3128
# NODE_EXTRA_CA_CERTS=/etc/ssl/certs/internal-ca.pem
ENV
  write_install_env
  # The agent writes STATE/logs/agent.log: make that the log directory.
  [ -e "$STATE_DIR/logs" ] || ln -s "$LOG_DIR" "$STATE_DIR/logs"
}

# The unit from the package, with this install's paths.
write_unit() {
  mkdir -p "$UNIT_DIR"
  # Without --node the template's runtime path is right once the prefix is replaced.
  node_expr=s/^//
  [ -z "$NODE" ] || node_expr="s|^ExecStart=/opt/deckhand-agent/current/runtime/bin/node |ExecStart=$NODE |"
  sed -e "$node_expr" \
    -e "s|/opt/deckhand-agent/|$PREFIX/|g" \
    -e "s|/var/lib/deckhand\\([/ ]\\)|$STATE_DIR\\1|g" -e "s|/var/lib/deckhand\$|$STATE_DIR|" \
    -e "s|/var/log/deckhand/|$LOG_DIR/|g" \
    -e "s|/etc/deckhand/|$CONFIG_DIR/|g" \
    "$PREFIX/current/share/systemd/$SERVICE.service" >"$UNIT_FILE.tmp"
  mv "$UNIT_FILE.tmp" "$UNIT_FILE"
  # systemd 254 and later can grow the restart delay: 5 s doubling up to 5 min.
  [ -n "$SYSTEMCTL" ] || return 0
  version=$($SYSTEMCTL --version 2>/dev/null | sed -n '1s/^systemd \([0-9]*\).*/\1/p')
  if [ "${version:-0}" -ge 254 ]; then
    mkdir -p "$UNIT_FILE.d"
    printf '[Service]\nRestartSteps=6\nRestartMaxDelaySec=5min\n' >"$UNIT_FILE.d/backoff.conf"
  fi
}

activate_release() {
  ln -sfn "$RELEASE" "$PREFIX/current"
  for old in "$PREFIX"/releases/*; do
    [ "$old" = "$RELEASE" ] || [ ! -d "$old" ] || rm -rf "$old"
  done
}

print_plan() {
  if [ -f "$STATE_DIR/agent.db" ]; then action="upgrade in place (keeping $STATE_DIR)"; else action="install and register"; fi
  say "dry run: would $action"
  printf '  coordinator  %s\n  package      %s/v1/agent/package?platform=linux-%s\n' "$COORDINATOR" "$COORDINATOR" "$(uname -m)"
  printf '  node         %s\n  prefix       %s\n  config       %s\n  state        %s\n  logs         %s\n  unit         %s\n' \
    "${NODE:-the Node.js runtime in the package}" "$PREFIX" "$CONFIG_DIR" "$STATE_DIR" "$LOG_DIR" "$UNIT_FILE"
  [ -n "$SYSTEMCTL" ] || say "systemd is not running here: the unit would be written but not started"
}

install_agent() {
  resolve_coordinator
  if [ "$DRY_RUN" = 1 ]; then print_plan; return 0; fi
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  fetch_ca
  fetch_release
  check_native
  write_settings
  wait_until_idle "$RELEASE"
  if [ "$REGISTERED" = 1 ]; then
    say "upgrading $INSTANCE_ID in place (its identity and journal stay in $STATE_DIR)"
    [ -z "$TOKEN$TAGS" ] || say "already registered: --token and --tag are ignored"
  else
    register
  fi
  write_config
  if [ -n "$SYSTEMCTL" ] && [ -f "$UNIT_FILE" ]; then $SYSTEMCTL stop "$SERVICE" || true; fi
  activate_release
  write_unit
  start_service
  say "deckhand-agent $(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$RELEASE/package.json") is installed in $PREFIX as $INSTANCE_ID"
}

start_service() {
  if [ -z "$SYSTEMCTL" ]; then
    say "systemd is not running here; start the agent with:"
    sed -n 's/^ExecStart=/  /p' "$UNIT_FILE"
    return 0
  fi
  $SYSTEMCTL daemon-reload
  $SYSTEMCTL enable "$SERVICE"
  if [ "$NO_START" = 1 ]; then say "not started (--no-start): systemctl start $SERVICE"; else $SYSTEMCTL restart "$SERVICE"; fi
}

# rm -rf, but never of an empty path or a top-level system directory.
remove() {
  case $1 in
    '' | / | /opt | /etc | /var | /var/lib | /var/log | /usr | /etc/systemd | /etc/systemd/system) die "refusing to remove \"$1\"" ;;
  esac
  run rm -rf -- "$1"
}

uninstall_agent() {
  if [ -x "$PREFIX/current/bin/deckhand-agent.js" ] && [ -x "$(node_of "$PREFIX/current")" ]; then
    [ "$DRY_RUN" = 1 ] || wait_until_idle "$PREFIX/current"
  fi
  if [ -n "$SYSTEMCTL" ] && [ -f "$UNIT_FILE" ]; then
    run "$SYSTEMCTL" stop "$SERVICE" || true
    run "$SYSTEMCTL" disable "$SERVICE" || true
  fi
  if [ "$KEEP_REGISTRATION" = 0 ] && [ -f "$STATE_DIR/agent.db" ]; then
    run "$(node_of "$PREFIX/current")" "$PREFIX/current/bin/deckhand-agent.js" deregister --root "$STATE_DIR" </dev/null ||
      die "could not deregister this host; the service is stopped and its files are still here: run --uninstall again, or add --keep-registration"
  fi
  remove "$UNIT_FILE"
  remove "$UNIT_FILE.d"
  [ -z "$SYSTEMCTL" ] || run "$SYSTEMCTL" daemon-reload
  remove "$PREFIX"
  if [ "$KEEP_REGISTRATION" = 0 ]; then
    remove "$STATE_DIR"
    remove "$LOG_DIR"
    remove "$CONFIG_DIR"
  fi
  say "deckhand-agent is uninstalled${INSTANCE_ID:+ ($INSTANCE_ID)}"
}

main() {
  COORDINATOR='' TOKEN=${DECKHAND_REGISTRATION_TOKEN:-} CA_SHA256='' CA_FILE='' TAGS='' SETTINGS='' PREFIX='' CONFIG_DIR='' STATE_DIR='' LOG_DIR=''
  UNIT_DIR='' NODE='' WAIT=3600 NO_START=0 DRY_RUN=0 UNINSTALL=0 KEEP_REGISTRATION=0 INSTANCE_ID=''
  parse_args "$@"
  resolve_paths
  if [ "$(id -u)" != 0 ] && [ -z "${DECKHAND_INSTALL_ROOT:-}" ] && [ "$DRY_RUN" = 0 ]; then
    die "run this as root (curl -fsSL .../install.sh | sudo sh -s -- ...)"
  fi
  check_node
  find_systemctl
  if [ "$UNINSTALL" = 1 ]; then uninstall_agent; else install_agent; fi
}

# Last line: a script piped into sh is read whole before anything runs.
main "$@"
