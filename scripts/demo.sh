#!/usr/bin/env bash
# calsync in two minutes, on the embedded default (SQLite, a local key file, no cloud):
# two Radicale users' calendars, linked with the `calsync` CLI and kept in two-way sync by
# `calsync serve`. Events created, edited and deleted on either side cross over within one
# poll interval. Everything runs on 127.0.0.1 and is stopped at the end.
#
#   scripts/demo.sh                 interval 5 s
#   DEMO_INTERVAL=15 scripts/demo.sh
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/servers.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/servers.sh"
cd "$CALSYNC_ROOT"

interval=${DEMO_INTERVAL:-5}
demo_dir=$CALSYNC_WORK/demo
data_dir=$demo_dir/calsync-data
serve_pid=

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

cleanup() {
    if [[ -n $serve_pid ]] && kill -0 "$serve_pid" 2>/dev/null; then
        kill -INT "$serve_pid" 2>/dev/null || true
        wait "$serve_pid" 2>/dev/null || true
    fi
    servers_stop_all "$demo_dir/servers"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "1. Preparing: Radicale (a CalDAV server) in a Python venv, and a build of calsync"
servers_ensure_venv
cargo build --quiet --bin calsync
calsync=$CALSYNC_ROOT/target/debug/calsync
rm -rf "$demo_dir"
mkdir -p "$demo_dir"
servers_start_radicale "$demo_dir/servers" >/dev/null
server=$(sed -n 's/^export CALSYNC_TEST_RADICALE_URL=//p' "$demo_dir/servers/radicale.env")
echo "Radicale is up at $server with two users, alice and bob"

# Each user gets a calendar, as they would in any CalDAV client.
for who in alice/work bob/home; do
    curl -sf -u "${who%%/*}:secret" -X MKCALENDAR "$server$who/" -o /dev/null
done

calendar_url() { printf '%s%s/' "$server" "$1"; }

put_event() { # user/calendar uid summary
    local user=${1%%/*} start
    start=$(date -u -d '+2 days' +%Y%m%d)
    printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calsync demo//EN\r\nBEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:%s\r\nDTSTART;TZID=Europe/Berlin:%sT100000\r\nDTEND;TZID=Europe/Berlin:%sT110000\r\nSUMMARY:%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' \
        "$2" "$(date -u +%Y%m%dT%H%M%SZ)" "$start" "$start" "$3" |
        curl -sf -u "$user:secret" -X PUT -H 'Content-Type: text/calendar; charset=utf-8' \
            --data-binary @- "$(calendar_url "$1")$2.ics" -o /dev/null
}

delete_event() { # user/calendar uid
    curl -sf -u "${1%%/*}:secret" -X DELETE "$(calendar_url "$1")$2.ics" -o /dev/null
}

# Every SUMMARY stored in a calendar, one per line.
summaries() {
    curl -sf -u "${1%%/*}:secret" -X REPORT -H 'Depth: 1' -H 'Content-Type: application/xml' \
        --data '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-data/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter></C:filter></C:calendar-query>' \
        "$(calendar_url "$1")" | grep -o 'SUMMARY:[^&<]*' | sed 's/^SUMMARY://; s/\r$//' || true
}

# Polls until `summaries <calendar>` does (or, with "absent", no longer does) contain the text.
await() { # user/calendar text [absent]
    local started=$EPOCHREALTIME deadline=$((SECONDS + interval * 3 + 10)) found
    while ((SECONDS < deadline)); do
        found=0
        summaries "$1" | grep -qxF -- "$2" && found=1
        if [[ ${3:-present} == present && $found == 1 ]] || [[ ${3:-} == absent && $found == 0 ]]; then
            printf '   -> on %s after %.1f s\n' "$1" "$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')"
            return 0
        fi
        sleep 0.2
    done
    echo "   !! not seen on $1 within the deadline" >&2
    return 1
}

say "2. Connecting both accounts (discovery finds their calendars)"
export CALSYNC_DATA_DIR=$data_dir
CALSYNC_PASSWORD=secret run "$calsync" account add caldav alice --url "$server" --username alice
CALSYNC_PASSWORD=secret run "$calsync" account add caldav bob --url "$server" --username bob
run "$calsync" calendar list
ids=$("$calsync" calendar list --json | "$CALSYNC_VENV/bin/python" -c \
    'import json,sys; print(" ".join(c["id"] for c in sorted(json.load(sys.stdin), key=lambda c: c["account"])))')

say "3. Linking them two ways, then serving (a check every ${interval} s)"
# shellcheck disable=SC2086 # two calendar ids
run "$calsync" link add alice-and-bob --topology pair $ids
"$calsync" serve --interval "$interval" >"$demo_dir/serve.log" 2>&1 &
serve_pid=$!
echo "\$ calsync serve --interval $interval   (running in the background, log: $demo_dir/serve.log)"

say "4. Alice books a meeting; Bob adds a dentist appointment"
put_event alice/work meeting-1 "Project kickoff"
await bob/home "Project kickoff"
put_event bob/home dentist-1 "Dentist"
await alice/work "Dentist"

say "5. Alice renames her meeting; Bob cancels the dentist"
put_event alice/work meeting-1 "Project kickoff (room 4)"
await bob/home "Project kickoff (room 4)"
delete_event bob/home dentist-1
await alice/work "Dentist" absent

say "6. Where things stand"
run "$calsync" status --interval "$interval"
echo
echo "alice/work holds: $(summaries alice/work | paste -sd, -)"
echo "bob/home holds:   $(summaries bob/home | paste -sd, -)"

say "Done. Stopping calsync and Radicale."
