#!/usr/bin/env bash
# calsync's test command. Installs what the tests need (a Python venv, Debian's sabre/dav and
# DAViCal), starts four real CalDAV servers on free ports, runs fmt, clippy and the workspace
# tests against them, and stops the servers again, also on failure or Ctrl-C.
#
#   scripts/test.sh                      everything, as CI runs it (also infra/check.sh)
#   scripts/test.sh -- servers_smoke     cargo test args after `--` (a filter, `-p calsync`, ...)
#   scripts/test.sh --no-lint -- ...     skip fmt and clippy
#   scripts/test.sh --no-infra           skip the CDK checks (they run only without `--` args)
#   scripts/test.sh --no-fuzz            skip the fuzz smoke run (it runs only without `--` args)
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/servers.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/servers.sh"
cd "$CALSYNC_ROOT"

usage() { sed -n '2,10s/^# \{0,1\}//p' "$0"; }

lint=1
infra=1
fuzz=1
test_args=()
while (($#)); do
    case $1 in
    --no-lint) lint=0 ;;
    --no-infra) infra=0 ;;
    --no-fuzz) fuzz=0 ;;
    --) shift; test_args=("$@"); break ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
    shift
done

# --- timing ------------------------------------------------------------------------------

step_names=()
step_times=()
step_results=()

step() {
    local name=$1 start rc=0
    shift
    printf '\n==> %s\n' "$name" >&2
    start=$EPOCHREALTIME
    "$@" || rc=$?
    step_names+=("$name")
    step_times+=("$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')")
    step_results+=("$([[ $rc == 0 ]] && echo ok || echo "FAILED ($rc)")")
    return "$rc"
}

print_summary() {
    local i
    ((${#step_names[@]})) || return 0
    printf '\n==> timing\n' >&2
    for i in "${!step_names[@]}"; do
        printf '  %-28s %7ss  %s\n' "${step_names[$i]}" "${step_times[$i]}" "${step_results[$i]}" >&2
    done
}

# --- steps -------------------------------------------------------------------------------
# A step's function runs in an `||` context, where bash ignores `set -e`: each checks its own
# commands.

install_prerequisites() {
    # pip and apt download from different registries: run them side by side.
    local venv apt rc=0
    (servers_ensure_venv 2>&1 | sed -u 's/^/[venv] /') &
    venv=$!
    (servers_ensure_packages 2>&1 | sed -u 's/^/[apt] /') &
    apt=$!
    wait "$venv" || { echo "python venv setup failed" >&2; rc=1; }
    wait "$apt" || { echo "Debian package install failed" >&2; rc=1; }
    return "$rc"
}

run_dir=
start_servers() {
    mkdir -p "$CALSYNC_WORK/servers"
    servers_reap_stale_runs
    run_dir=$(mktemp -d "$CALSYNC_WORK/servers/run-XXXXXX")
    printf '%s\n' "$$" >"$run_dir/owner"
    servers_start_all "$run_dir" || return 1
    eval "$(servers_env "$run_dir")"
    servers_env "$run_dir" | sed 's/^/  /' >&2
}

stop_servers() {
    [[ -n $run_dir ]] || return 0
    servers_stop_all "$run_dir"
}

cargo_test_args() {
    # `--workspace` overrides `-p`: add it only when the caller did not pick packages.
    local arg
    for arg in "${test_args[@]}"; do
        [[ $arg == -- ]] && break
        case $arg in -p | -p* | --package | --package=* | --workspace) return 0 ;; esac
    done
    printf '%s\n' --workspace
}

on_exit() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n $run_dir ]]; then
        step "stop servers" stop_servers || true
        if ((rc == 0)); then
            rm -rf "$run_dir"
        else
            echo "server logs kept in $run_dir" >&2
        fi
    fi
    print_summary
    if ((rc == 0)); then echo "scripts/test.sh: all steps passed" >&2; else echo "scripts/test.sh: FAILED" >&2; fi
    exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mapfile -t workspace_flag < <(cargo_test_args)

if ((lint)); then
    step "cargo fmt --check" cargo fmt --all -- --check
fi
step "install prerequisites" install_prerequisites
# The CDK app (synth, assertion tests, cdk-nag, cfn-lint): no Rust build, no servers. A run
# filtered with `--` args is about the Rust tests, so it skips this.
if ((infra)) && ((${#test_args[@]} == 0)); then
    step "infra checks (CDK)" infra/check.sh
fi
if ((lint)); then
    step "cargo clippy" cargo clippy --workspace --all-targets --all-features -- -D warnings
fi
# Build before starting the servers so the timing separates compiling from running; the run
# below reuses this build.
# --all-features: the AWS adapters (calsync-core `aws`) are built and tested against moto in
# the same, single debug build.
step "cargo test (build)" cargo test "${workspace_flag[@]}" --all-features --no-run "${test_args[@]}"
# Every fuzz target for 20 s over its seed corpus (fuzz/, scripts/fuzz.sh): a crash fails the
# run. Its own target directory; skipped, like the infra checks, for a filtered run.
if ((fuzz)) && ((${#test_args[@]} == 0)); then
    step "fuzz smoke" scripts/fuzz.sh smoke
fi
step "start servers" start_servers
step "cargo test (run)" cargo test "${workspace_flag[@]}" --all-features "${test_args[@]}"
