#!/usr/bin/env bash
# calsync's benchmarks, reproducibly: installs what they need (the Python venv with Radicale
# and vdirsyncer, `zip`), builds release binaries, starts Radicale and moto_server on free
# ports as the benchmark needs, runs it and stops the servers again. The JSON report goes to stdout, progress to stderr.
#
#   scripts/bench.sh                          calsync-bench all --json (every benchmark)
#   scripts/bench.sh caldav --events 2000     any calsync-bench arguments
#   scripts/bench.sh propagation --json       change → visible through `calsync serve` (Radicale + emulators)
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/servers.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/servers.sh"
cd "$CALSYNC_ROOT"

args=("$@")
((${#args[@]})) || args=(all --json)

servers_ensure_venv >&2
cargo build --release --quiet -p calsync -p calsync-bench -p calsync-fn-webhook -p calsync-fn-api \
    -p calsync-fn-scheduler -p calsync-fn-sync >&2

mkdir -p "$CALSYNC_WORK/servers"
run_dir=$(mktemp -d "$CALSYNC_WORK/servers/bench-XXXXXX")
cleanup() {
    servers_stop_all "$run_dir"
    rm -rf "$run_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# What each benchmark needs; `all` runs every one.
wants() { [[ ${args[0]} == all || " $* " == *" ${args[0]} "* ]]; }
if wants caldav propagation; then
    servers_start_radicale "$run_dir" >&2
    eval "$(cat "$run_dir/radicale.env")"
fi
if wants cost; then
    servers_start_moto "$run_dir" >&2
    eval "$(cat "$run_dir/moto.env")"
fi
if wants lambda-init; then
    # The deployment zips are made with Info-ZIP's `zip`.
    if [[ -n $(servers_missing_packages zip) ]]; then servers_apt_install zip >&2; fi
fi
PATH=$CALSYNC_VENV/bin:$PATH "$CALSYNC_ROOT/target/release/calsync-bench" "${args[@]}"
