#!/bin/sh
# Build one pagewait fuzz target with libFuzzer and run it for SECONDS.
#
#   Apps/Fuzz/run.sh TARGET SECONDS [libFuzzer options...]
#
# TARGET: schedules, schedules-safe, scenario-file or cabi (docs/fuzzing.md).
# SECONDS: 0 runs until a finding or Ctrl-C (or -runs=N, given after it).
#
# Environment:
#   ASAN=1          build with AddressSanitizer too (own scratch path)
#   NO_SEEDS=1      start from an empty corpus (ignore Tests/FuzzCorpus/TARGET)
#   FUZZ_DIR=path   where the growing corpus and crash files go
#                   (default: the build's scratch path, fuzz/TARGET)
#   BUILD_ONLY=1    build, print the executable's path, and stop
#   PW_FUZZ_*       passed through to the schedule targets (PW_FUZZ_STRATEGY, ...)
set -eu

usage() {
    echo "usage: $0 schedules|schedules-safe|scenario-file|cabi|command-line SECONDS [libFuzzer options...]" >&2
    exit 2
}
[ $# -ge 2 ] || usage
target=$1
seconds=$2
shift 2
case "$target" in
    schedules|schedules-safe|scenario-file|cabi|command-line) ;;
    *) usage ;;
esac
case "$seconds" in
    ''|*[!0-9]*) usage ;;
esac

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

if [ "${ASAN:-0}" = 1 ]; then
    scratch=.build-fuzz-asan
    sanitize=fuzzer,address
else
    scratch=.build-fuzz
    sanitize=fuzzer
fi

# SwiftPM stops when a source changes mid-build; try again a few times.
build() {
    PW_FUZZ=1 swift build -c release --scratch-path "$scratch" --product "fuzz-$target" \
        -Xswiftc "-sanitize=$sanitize" 2>&1
}
tries=0
until log=$(build); do
    tries=$((tries + 1))
    if [ $tries -ge 3 ] || ! printf '%s' "$log" | grep -q "modified during the build"; then
        printf '%s\n' "$log" >&2
        exit 1
    fi
done
bin=$(PW_FUZZ=1 swift build -c release --scratch-path "$scratch" --show-bin-path)/fuzz-$target
if [ "${BUILD_ONLY:-0}" = 1 ]; then
    echo "$bin"
    exit 0
fi

dir=${FUZZ_DIR:-$scratch/fuzz/$target}
mkdir -p "$dir/corpus" "$dir/artifacts"
seeds=Tests/FuzzCorpus/$target
[ "${NO_SEEDS:-0}" = 1 ] && seeds=
[ -z "$seeds" ] || [ -d "$seeds" ] || seeds=
dict=
[ -f "Apps/Fuzz/dictionaries/$target.dict" ] && dict=-dict=Apps/Fuzz/dictionaries/$target.dict

# Without this, Swift's backtracer takes the trap and libFuzzer writes no
# crash file.
export SWIFT_BACKTRACE=enable=no
# A command line runs with small budgets (CommandLineFuzzer.caps): one
# that takes a minute is a hang. Options given after SECONDS override it.
timeout=
[ "$target" = command-line ] && timeout=-timeout=60
# shellcheck disable=SC2086
exec "$bin" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$dir/artifacts/" \
    $timeout $dict "$@" "$dir/corpus" $seeds
