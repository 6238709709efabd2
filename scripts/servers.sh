#!/usr/bin/env bash
# The test servers for development: start them once, then run single tests quickly.
#
#   eval "$(scripts/servers.sh start)"   install what is missing, start the four servers,
#                                        export CALSYNC_TEST_* into this shell
#   cargo test --test integration servers_smoke
#   scripts/servers.sh env               print the export lines again
#   scripts/servers.sh stop              stop them
#
# They run in .work/servers/dev until stopped (scripts/test.sh uses runs of its own).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/servers.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/servers.sh"

run_dir=$CALSYNC_WORK/servers/dev

case ${1:-} in
start)
    # Everything but the export lines goes to stderr, so `eval "$(...)"` sees only those.
    {
        servers_ensure_venv
        servers_ensure_packages
        servers_stop_all "$run_dir"
        rm -rf "$run_dir"
        servers_start_all "$run_dir"
    } >&2
    servers_env "$run_dir"
    ;;
stop)
    servers_stop_all "$run_dir"
    rm -rf "$run_dir"
    servers_log "stopped"
    ;;
env)
    if ! ls "$run_dir"/*.env >/dev/null 2>&1; then
        servers_log "no servers running; start them with: eval \"\$(scripts/servers.sh start)\""
        exit 1
    fi
    servers_env "$run_dir"
    ;;
*)
    sed -n '2,10s/^# \{0,1\}//p' "$0" >&2
    exit 2
    ;;
esac
