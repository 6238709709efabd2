#!/usr/bin/env bash
# calsync's fuzz targets (fuzz/: cargo-fuzz + libFuzzer) on the stable toolchain.
#
#   scripts/fuzz.sh smoke                 every target for FUZZ_SMOKE_SECONDS (20), two at a time,
#                                         built unoptimised (cheaper to build, slower to run)
#   scripts/fuzz.sh run TARGET SECONDS    one target, a long run (extra libFuzzer flags may follow)
#   scripts/fuzz.sh build                 build the targets only
#   scripts/fuzz.sh list                  the targets
#
# Inputs a run finds go to .work/fuzz/corpus/TARGET, never into the committed seeds; a crash
# is saved in fuzz/artifacts/TARGET/ and fails the command. FUZZ_SANITIZER=address builds
# with AddressSanitizer (default none: calsync forbids unsafe code; ASan is a slower build).
# Builds go to CALSYNC_FUZZ_TARGET_DIR (default ~/.cache/calsync/fuzz-target), outside the
# clone: a fuzz build recompiles every dependency with instrumentation, and kept there it is
# reused by later runs on the machine (CI clones afresh each time).
set -euo pipefail

# Pinned: `cargo fuzz` flags and output are not a stable interface.
CARGO_FUZZ_VERSION=0.13.2

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fuzz_dir="$root/fuzz"
work="$root/.work/fuzz"
sanitizer=${FUZZ_SANITIZER:-none}
target_dir=${CALSYNC_FUZZ_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/calsync/fuzz-target}
# cargo-fuzz passes nightly-only flags (-Zsanitizer=..., and cargo's -Z options); the only
# toolchain here is stable, and RUSTC_BOOTSTRAP=1 makes it accept them.
export RUSTC_BOOTSTRAP=1

usage() { sed -n '2,15s/^# \{0,1\}//p' "$0"; }

targets() {
    sed -n 's/^name = "\(.*\)"$/\1/p' "$fuzz_dir/Cargo.toml" | grep -v '^calsync-fuzz$'
}

dictionary() {
    case $1 in
    ical_*) echo "$fuzz_dir/dict/ical.dict" ;;
    caldav_*) echo "$fuzz_dir/dict/dav.dict" ;;
    webhook_*) echo "$fuzz_dir/dict/webhook.dict" ;;
    esac
}

ensure_cargo_fuzz() {
    if [[ $(cargo fuzz --version 2>/dev/null) == "cargo-fuzz $CARGO_FUZZ_VERSION" ]]; then
        return 0
    fi
    # A debug build of the driver: it only runs cargo and libFuzzer, and builds in half the
    # time. Installed in cargo's bin directory, so later runs on this machine reuse it.
    cargo install --locked --debug cargo-fuzz --version "$CARGO_FUZZ_VERSION"
}

# --codegen-units 16: cargo fuzz defaults to 1, which makes the cold build of calsync-core's
# dependencies several minutes longer for a few percent of speed (see fuzz/Cargo.toml).
fuzz_flags=(--sanitizer "$sanitizer" --codegen-units 16 --target-dir "$target_dir")

# build [cargo fuzz build flags...]
build() {
    ensure_cargo_fuzz
    (cd "$fuzz_dir" && cargo fuzz build "${fuzz_flags[@]}" "$@")
}

# run TARGET SECONDS [libFuzzer flags...]; FUZZ_PROFILE=--dev runs the unoptimised build.
run() {
    local target=$1 seconds=$2
    shift 2
    local found="${FUZZ_FOUND_DIR:-$work/corpus}/$target"
    mkdir -p "$found" "$fuzz_dir/artifacts/$target"
    (cd "$fuzz_dir" && cargo fuzz run "${fuzz_flags[@]}" ${FUZZ_PROFILE:+"$FUZZ_PROFILE"} "$target" \
        "$found" "corpus/$target" -- \
        -max_total_time="$seconds" -dict="$(dictionary "$target")" \
        -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 "$@")
}

# The smoke run's mutations follow a fixed seed: a crash CI meets, a rerun here meets too
# (`scripts/fuzz.sh run TARGET SECONDS -seed=...`), instead of CI turning red at random on
# an input no one can find again. Long runs explore with fresh seeds.
SMOKE_SEED=20261205

smoke() {
    local seconds=${FUZZ_SMOKE_SECONDS:-20} target pid failed=0
    local -a names pids
    # Unoptimised (fuzz/Cargo.toml [profile.dev]): the cold build dominates a smoke run.
    export FUZZ_PROFILE=--dev
    # From the committed seeds only, whatever long runs left in .work: the same work on
    # every machine, and no minutes spent loading a big corpus.
    export FUZZ_FOUND_DIR="$work/smoke-corpus"
    rm -rf "$FUZZ_FOUND_DIR"
    build --dev
    mkdir -p "$work/logs"
    mapfile -t names < <(targets)
    # Two at a time: libFuzzer uses one core per process, and CI has two.
    for ((i = 0; i < ${#names[@]}; i += 2)); do
        pids=()
        for target in "${names[@]:i:2}"; do
            run "$target" "$seconds" -seed="$SMOKE_SEED" >"$work/logs/$target.log" 2>&1 &
            pids+=("$!:$target")
        done
        for pid in "${pids[@]}"; do
            target=${pid#*:}
            if wait "${pid%%:*}"; then
                echo "$target: $(grep -E '^#[0-9]+[[:space:]]+DONE' "$work/logs/$target.log" | tail -1)" >&2
            else
                echo "$target: FAILED; log follows" >&2
                tail -n 60 "$work/logs/$target.log" >&2
                failed=1
            fi
        done
    done
    return "$failed"
}

case ${1:-} in
smoke) smoke ;;
run)
    [[ $# -ge 3 ]] || { usage >&2; exit 2; }
    ensure_cargo_fuzz
    shift
    run "$@"
    ;;
build) build ;;
list) targets ;;
-h | --help) usage ;;
*) usage >&2; exit 2 ;;
esac
