# shellcheck shell=bash
# Real CalDAV servers for calsync's tests: Radicale, Xandikos, sabre/dav 1.8 and DAViCal on
# 127.0.0.1, each on a free port, in a run directory of its own; and moto_server, which
# emulates DynamoDB, SQS and KMS for the AWS adapters. Sourced by scripts/test.sh and
# scripts/servers.sh; recipes and measurements: docs of the servers in shared/reference.
#
# A run directory holds one subdirectory per server (config, data, server.log, server.pid) and
# an `<kind>.env` file with the `export CALSYNC_TEST_...` lines the tests read.

CALSYNC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CALSYNC_WORK=${CALSYNC_WORK:-$CALSYNC_ROOT/.work}
CALSYNC_VENV=${CALSYNC_VENV:-$CALSYNC_ROOT/.venv}
# Seconds a server may take from launch to its first HTTP answer (they need 0.1-2.5 s).
CALSYNC_SERVER_TIMEOUT=${CALSYNC_SERVER_TIMEOUT:-60}
CALSYNC_SERVER_KINDS=(radicale xandikos sabre davical moto)

servers_log() { printf '[servers] %s\n' "$*" >&2; }

# --- prerequisites -------------------------------------------------------------------------

# The pip requirements plus the interpreter version: a change to either rebuilds the venv.
servers_venv_fingerprint() {
    { cat "$CALSYNC_ROOT/scripts/python-requirements.txt"; "${CALSYNC_PYTHON:-python3}" --version; } |
        sha256sum | cut -d' ' -f1
}

servers_ensure_venv() {
    local stamp=$CALSYNC_VENV/.calsync-requirements want
    want=$(servers_venv_fingerprint)
    if [[ -x $CALSYNC_VENV/bin/python && -f $stamp && $(<"$stamp") == "$want" ]]; then
        servers_log "python venv up to date ($CALSYNC_VENV)"
        return 0
    fi
    servers_log "creating python venv $CALSYNC_VENV"
    rm -rf "$CALSYNC_VENV"
    "${CALSYNC_PYTHON:-python3}" -m venv "$CALSYNC_VENV"
    "$CALSYNC_VENV/bin/pip" install --quiet --disable-pip-version-check \
        -r "$CALSYNC_ROOT/scripts/python-requirements.txt"
    printf '%s\n' "$want" >"$stamp"
}

servers_as_root() {
    if [[ $(id -u) == 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        servers_log "need root or sudo to run: $*"
        return 1
    fi
}

servers_missing_packages() {
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null | grep -qx installed || printf '%s\n' "$pkg"
    done
}

servers_apt_install() {
    local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600)
    servers_log "apt-get install $*"
    if servers_as_root "${apt[@]}" install -y --no-install-recommends "$@"; then
        return 0
    fi
    # The machine's package lists may be missing or stale (a removed .deb answers 404):
    # refresh them once and retry. A source that cannot be reached only warns here.
    servers_log "apt-get install failed; running apt-get update and retrying"
    servers_as_root "${apt[@]}" update || true
    servers_as_root "${apt[@]}" install -y --no-install-recommends "$@"
}

servers_ensure_packages() {
    # php8.2-cgi goes first: it satisfies davical's PHP dependency, which would otherwise pull
    # in apache2 and libapache2-mod-php.
    local first=(curl php8.2-cgi php-cli php-sqlite3 php-sabre-dav php-sabre-vobject php-xml php-mbstring)
    local second=(davical php-pgsql php-curl postgresql)
    local missing
    mapfile -t missing < <(servers_missing_packages "${first[@]}")
    if ((${#missing[@]})); then servers_apt_install "${missing[@]}"; fi
    mapfile -t missing < <(servers_missing_packages "${second[@]}")
    if ((${#missing[@]})); then servers_apt_install "${missing[@]}"; fi
    servers_log "debian packages present"
}

# --- process handling ----------------------------------------------------------------------

servers_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts a server in its own session (so Ctrl-C in the terminal reaches only our trap, which
# then stops it) with its output in <dir>/server.log, and records its PID in <dir>/server.pid.
servers_launch() {
    local dir=$1
    shift
    setsid "$@" >"$dir/server.log" 2>&1 </dev/null &
    printf '%s\n' "$!" >"$dir/server.pid"
}

# A dead server can stay a zombie for seconds (this machine's PID 1 reaps orphans slowly), and
# `kill -0` succeeds on zombies: look at the process state too.
servers_alive() {
    local state
    state=$(sed -n 's/^.*) \(.\).*$/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $state && $state != Z ]]
}

servers_fail() {
    local name=$1 dir=$2 message=$3
    servers_log "$name: $message"
    if [[ -f $dir/server.log ]]; then
        servers_log "$name: last lines of $dir/server.log:"
        tail -n 30 "$dir/server.log" | sed "s/^/[$name] /" >&2
    fi
    return 1
}

# Polls until the URL answers with any HTTP status (401 counts: the server is up).
servers_wait_http() {
    local name=$1 dir=$2 url=$3 pid deadline code
    pid=$(<"$dir/server.pid")
    deadline=$((SECONDS + CALSYNC_SERVER_TIMEOUT))
    while ((SECONDS < deadline)); do
        code=$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$url" || true)
        if [[ $code != 000 && -n $code ]]; then return 0; fi
        if ! servers_alive "$pid"; then
            servers_fail "$name" "$dir" "the server exited before answering on $url"
            return 1
        fi
        sleep 0.05
    done
    servers_fail "$name" "$dir" "no answer on $url within ${CALSYNC_SERVER_TIMEOUT}s"
}

servers_kill_pidfile() {
    local file=$1 pid i
    [[ -f $file ]] || return 0
    pid=$(<"$file")
    if servers_alive "$pid"; then
        # The server leads its own process group (setsid): signal the group, so workers go too.
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            servers_alive "$pid" || break
            sleep 0.02
        done
        if servers_alive "$pid"; then
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$file"
}

servers_write_env() {
    local dir=$1 var=$2 url=$3 user=$4 pass=$5
    printf 'export CALSYNC_TEST_%s_URL=%q\nexport CALSYNC_TEST_%s_USER=%q\nexport CALSYNC_TEST_%s_PASS=%q\n' \
        "$var" "$url" "$var" "$user" "$var" "$pass" >"$dir.env"
}

# --- the servers ---------------------------------------------------------------------------

servers_start_radicale() {
    local dir=$1/radicale port
    mkdir -p "$dir/collections"
    port=$(servers_free_port)
    printf 'alice:secret\nbob:secret\n' >"$dir/users"
    cat >"$dir/config" <<EOF
[server]
hosts = 127.0.0.1:$port
[auth]
type = htpasswd
htpasswd_filename = $dir/users
htpasswd_encryption = plain
# Radicale delays every 401 by a second; clients that ask without credentials first (as
# python-caldav does) would pay it on each request.
delay = 0
[rights]
type = owner_only
[storage]
filesystem_folder = $dir/collections
# Validate the item cache by mtime and size instead of re-reading and hashing every item:
# Radicale scans every item of a collection on each new PUT (UID check), so this is ~1.5x
# faster writes on large calendars.
use_mtime_and_size_for_item_cache = True
[logging]
level = warning
EOF
    # Without fsync per write: see radicale_without_fsync.py.
    servers_launch "$dir" "$CALSYNC_VENV/bin/python" "$CALSYNC_ROOT/scripts/radicale_without_fsync.py" \
        -C "$dir/config"
    servers_wait_http radicale "$dir" "http://127.0.0.1:$port/" || return 1
    servers_write_env "$dir" RADICALE "http://127.0.0.1:$port/" alice secret
}

servers_start_xandikos() {
    local dir=$1/xandikos port
    mkdir -p "$dir/data" "$dir/state"
    port=$(servers_free_port)
    # Xandikos has no authentication on plain HTTP (--htpasswd needs --autocert): any
    # credentials are accepted, so the tests send these for uniformity.
    servers_launch "$dir" "$CALSYNC_VENV/bin/xandikos" serve -d "$dir/data" --defaults \
        -l 127.0.0.1 -p "$port" --state-dir "$dir/state" --no-detect-systemd
    servers_wait_http xandikos "$dir" "http://127.0.0.1:$port/" || return 1
    servers_write_env "$dir" XANDIKOS "http://127.0.0.1:$port/" user secret
}

servers_start_sabre() {
    local dir=$1/sabre port sql=/usr/share/doc/php-sabre-dav/examples/sql
    mkdir -p "$dir/data"
    port=$(servers_free_port)
    cat >"$dir/server.php" <<'EOF'
<?php
// sabre/dav 1.8 (Debian php-sabre-dav) CalDAV server for calsync's tests: SQLite backend,
// Basic auth alice/secret. /usr/share/php is on PHP's include_path on Debian.
date_default_timezone_set('UTC');
require_once 'Sabre/autoload.php';

$pdo = new \PDO('sqlite:' . __DIR__ . '/data/db.sqlite');
$pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);

class TestBasicAuth extends \Sabre\DAV\Auth\Backend\AbstractBasic {
    protected function validateUserPass($username, $password) {
        return $username === 'alice' && $password === 'secret';
    }
}

$principalBackend = new \Sabre\DAVACL\PrincipalBackend\PDO($pdo);
$calendarBackend = new \Sabre\CalDAV\Backend\PDO($pdo);
$server = new \Sabre\DAV\Server(array(
    new \Sabre\CalDAV\Principal\Collection($principalBackend),
    new \Sabre\CalDAV\CalendarRootNode($principalBackend, $calendarBackend),
));
$server->setBaseUri('/');
$server->addPlugin(new \Sabre\DAV\Auth\Plugin(new TestBasicAuth(), 'SabreDAV'));
$server->addPlugin(new \Sabre\DAVACL\Plugin());
$server->addPlugin(new \Sabre\CalDAV\Plugin());
$server->exec();
EOF
    # shellcheck disable=SC2016 # the single quotes hold PHP code
    {
        cat "$sql/sqlite.calendars.sql" "$sql/sqlite.principals.sql"
        echo "INSERT INTO principals (uri, email, displayname) VALUES
              ('principals/alice', 'alice@example.org', 'Alice'),
              ('principals/alice/calendar-proxy-read', null, null),
              ('principals/alice/calendar-proxy-write', null, null);"
    } | php -r '$db = new PDO("sqlite:" . $argv[1]); $db->exec(stream_get_contents(STDIN));' "$dir/data/db.sqlite" ||
        { servers_fail sabre "$dir" "could not create the SQLite database"; return 1; }
    (cd "$dir" && servers_launch "$dir" php -S "127.0.0.1:$port" server.php)
    servers_wait_http sabre "$dir" "http://127.0.0.1:$port/" || return 1
    servers_write_env "$dir" SABRE "http://127.0.0.1:$port/" alice secret
}

# PostgreSQL's tools: initdb refuses to run as root, so as root they run as `postgres`.
servers_as_pg() {
    if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

servers_pg_bin() {
    local initdb
    initdb=$(find /usr/lib/postgresql -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1)
    [[ -n $initdb ]] || { servers_log "no PostgreSQL server found under /usr/lib/postgresql"; return 1; }
    dirname "$initdb"
}

servers_start_davical() {
    local dir=$1/davical port pgport pgbin pgroot
    mkdir -p "$dir"
    port=$(servers_free_port)
    pgport=$(servers_free_port)
    pgbin=$(servers_pg_bin) || return 1
    # The private cluster lives in its own temporary directory rather than in the run
    # directory: the `postgres` user must be able to reach it, and the checkout may sit under
    # a home directory it cannot enter.
    pgroot=$(mktemp -d "${TMPDIR:-/tmp}/calsync-pg.XXXXXX")
    printf '%s\n' "$pgroot" >"$dir/pgroot"
    printf '%s\n' "$pgbin" >"$dir/pgbin"
    mkdir -p "$pgroot/sock"
    if [[ $(id -u) == 0 ]]; then chown -R postgres: "$pgroot"; fi
    servers_as_pg "$pgbin/initdb" -D "$pgroot/data" -A trust -U postgres -E UTF8 --no-sync \
        >"$dir/initdb.log" 2>&1 || { servers_fail davical "$dir" "initdb failed: $(tail -n 5 "$dir/initdb.log")"; return 1; }
    # A throwaway cluster: durability settings off make the schema load about twice as fast.
    servers_as_pg "$pgbin/pg_ctl" -D "$pgroot/data" -l "$pgroot/postgres.log" -w -t 30 \
        -o "-p $pgport -k $pgroot/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null || { servers_fail davical "$dir" "PostgreSQL did not start: $(tail -n 5 "$pgroot/postgres.log")"; return 1; }

    local psql=(psql -h 127.0.0.1 -p "$pgport" -U postgres -qXAt)
    PGHOST=127.0.0.1 PGPORT=$pgport PGUSER=postgres PSQLOPTS="-h 127.0.0.1 -p $pgport" \
        DBAOPTS="--dbhost 127.0.0.1 --dbport $pgport" \
        sh /usr/share/davical/dba/create-database.sh davical adminpw >"$dir/create-database.log" 2>&1 ||
        { servers_fail davical "$dir" "create-database.sh failed: $(tail -n 5 "$dir/create-database.log")"; return 1; }
    "${psql[@]}" davical -c "
      INSERT INTO usr (active, email_ok, updated, username, password, fullname, email)
        VALUES (TRUE, current_date, current_date, 'alice', '**secret', 'Alice', 'alice@example.org');
      INSERT INTO principal (type_id, user_no, displayname, default_privileges)
        SELECT 1, user_no, 'Alice', 0::BIT(24) FROM usr WHERE username = 'alice';" >/dev/null ||
        { servers_fail davical "$dir" "could not create the user alice"; return 1; }

    # DAViCal reads /etc/davical/config.php before any path we control: run a copy of the app
    # whose always.php reads our config first.
    cp -a /usr/share/davical "$dir/app"
    cat >"$dir/config.php" <<EOF
<?php
\$c->pg_connect[] = "host=127.0.0.1 port=$pgport dbname=davical user=davical_app";
\$c->system_name = "calsync test DAViCal";
\$c->admin_email = 'admin@example.org';
EOF
    sed -i "s#^if ( @file_exists('/etc/davical/'.\$_SERVER\['SERVER_NAME'\].'-conf.php') ) {#if ( @file_exists('$dir/config.php') ) {\n  include('$dir/config.php');\n}\nelse &#" \
        "$dir/app/htdocs/always.php"
    grep -q "include('$dir/config.php')" "$dir/app/htdocs/always.php" ||
        { servers_fail davical "$dir" "could not point always.php at our config (DAViCal changed?)"; return 1; }
    (cd "$dir/app/htdocs" && servers_launch "$dir" php -S "127.0.0.1:$port" -t "$dir/app/htdocs")
    servers_wait_http davical "$dir" "http://127.0.0.1:$port/caldav.php/" || return 1
    servers_write_env "$dir" DAVICAL "http://127.0.0.1:$port/caldav.php/" alice secret
}

# One moto_server for every AWS test: each test run names its own table, queue and key, so
# runs never share state. Tests read CALSYNC_TEST_AWS_ENDPOINT (dummy credentials, us-east-1).
servers_start_moto() {
    local dir=$1/moto port
    mkdir -p "$dir"
    port=$(servers_free_port)
    # One request at a time: see moto_server_serial.py.
    servers_launch "$dir" "$CALSYNC_VENV/bin/python" "$CALSYNC_ROOT/scripts/moto_server_serial.py" \
        -H 127.0.0.1 -p "$port"
    servers_wait_http moto "$dir" "http://127.0.0.1:$port/moto-api/" || return 1
    printf 'export CALSYNC_TEST_AWS_ENDPOINT=%q\n' "http://127.0.0.1:$port" >"$dir.env"
}

servers_stop_one() {
    local dir=$1/$2 pgroot pgbin
    [[ -d $dir ]] || return 0
    servers_kill_pidfile "$dir/server.pid"
    if [[ -f $dir/pgroot ]]; then
        pgroot=$(<"$dir/pgroot")
        pgbin=$(<"$dir/pgbin")
        if [[ -f $pgroot/data/postmaster.pid ]]; then
            servers_as_pg "$pgbin/pg_ctl" -D "$pgroot/data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
        rm -rf "$pgroot"
        rm -f "$dir/pgroot"
    fi
}

# --- a whole run ---------------------------------------------------------------------------

# Starts all four servers at once in <run dir> and waits for all; on any failure stops the
# ones that came up and returns non-zero.
servers_start_all() {
    local run=$1 kind failed=0
    local -A pids=()
    mkdir -p "$run"
    # sabre and DAViCal start from inside their directories: paths must not be relative.
    run=$(cd "$run" && pwd)
    for kind in "${CALSYNC_SERVER_KINDS[@]}"; do
        "servers_start_$kind" "$run" &
        pids[$kind]=$!
    done
    for kind in "${CALSYNC_SERVER_KINDS[@]}"; do
        wait "${pids[$kind]}" && continue
        # Another process may have bound the free port between our check and the server's
        # bind: one more try, on a new port. The first attempt's files stay for its log.
        servers_log "$kind did not start; trying once more"
        servers_stop_one "$run" "$kind"
        mv "$run/$kind" "$run/$kind.first-attempt"
        if ! "servers_start_$kind" "$run"; then
            servers_log "$kind did not start"
            failed=1
        fi
    done
    if ((failed)); then
        servers_stop_all "$run"
        return 1
    fi
    servers_log "all servers up: $(servers_env "$run" | grep -cE '_(URL|ENDPOINT)=') of ${#CALSYNC_SERVER_KINDS[@]}"
}

servers_stop_all() {
    local run=$1 kind
    [[ -d $run ]] || return 0
    for kind in "${CALSYNC_SERVER_KINDS[@]}"; do
        servers_stop_one "$run" "$kind"
    done
}

servers_env() {
    local run=$1 kind
    for kind in "${CALSYNC_SERVER_KINDS[@]}"; do
        [[ -f $run/$kind.env ]] && cat "$run/$kind.env"
    done
    printf 'export CALSYNC_TEST_PYTHON=%q\n' "$CALSYNC_VENV/bin/python"
    printf 'export CALSYNC_TEST_PYCLIENT=%q\n' "$CALSYNC_ROOT/scripts/pyclient.py"
}

# Stops the servers of test runs whose owning process is gone (killed with SIGKILL, say).
servers_reap_stale_runs() {
    local run owner
    for run in "$CALSYNC_WORK"/servers/run-*; do
        [[ -f $run/owner ]] || continue
        owner=$(<"$run/owner")
        if ! kill -0 "$owner" 2>/dev/null; then
            servers_log "stopping servers left behind by a dead run ($run)"
            servers_stop_all "$run"
            rm -rf "$run"
        fi
    done
}
