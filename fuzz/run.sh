#!/usr/bin/env bash
# Fuzzes every target of fuzz/ for a short time on stable Rust (CI), or one target
# for as long as you like. See docs/fuzzing.md.
#
#   fuzz/run.sh                      every target, 20 s each
#   fuzz/run.sh 60                   every target, 60 s each
#   fuzz/run.sh --total 480          every target, 480 s in all, build included
#   fuzz/run.sh --jobs 1 60 record   only `record`, 60 s, one at a time
#
# Options: --total S (budget for build and all runs, split evenly over the targets),
# --jobs N (targets fuzzed at once; default: min(2, cores)), a number (seconds per
# target), target names (default: all, from `cargo fuzz list`).
#
# Each target runs as
#   cargo fuzz run -s none T fuzz/corpus/T corpus/T -- -max_total_time=S \
#       -timeout=2 -rss_limit_mb=512 [-dict=fuzz/dict/T.dict]
# so new inputs go to the scratch folder fuzz/corpus/T (git-ignored) and the
# committed seeds in corpus/T stay as they are. Exit status 1 if any target found
# a crash, hang or memory blow-up; the reproducer command is printed.
set -euo pipefail

cd "$(dirname "$0")/.."

per=20
total=""
jobs=""
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --total) total="$2"; shift 2 ;;
        --jobs) jobs="$2"; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        [0-9]*) per="$1"; shift ;;
        *) targets+=("$1"); shift ;;
    esac
done
if [ -z "$jobs" ]; then
    cores=$(nproc 2>/dev/null || echo 1)
    jobs=$(( cores < 2 ? cores : 2 ))
fi

start=$(date +%s)
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

echo "== building the fuzz targets (stable, -s none)"
cargo fuzz build -s none

if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list)
fi
n=${#targets[@]}
if [ -n "$total" ]; then
    left=$(( total - ($(date +%s) - start) ))
    # Rounds of $jobs targets; a few seconds per round go to start-up.
    rounds=$(( (n + jobs - 1) / jobs ))
    per=$(( left / rounds - 3 ))
    if [ "$per" -lt 5 ]; then per=5; fi
fi
echo "== fuzzing ${n} targets, ${per} s each, ${jobs} at a time"

logs=fuzz/target/run-logs
mkdir -p "$logs"
failed=()

run_one() {
    local t=$1
    local dict=()
    if [ -f "fuzz/dict/$t.dict" ]; then dict=(-dict="fuzz/dict/$t.dict"); fi
    mkdir -p "fuzz/corpus/$t" "corpus/$t"
    local s=0
    cargo fuzz run -s none "$t" "fuzz/corpus/$t" "corpus/$t" -- \
        -max_total_time="$per" -timeout=2 -rss_limit_mb=512 -print_final_stats=1 \
        "${dict[@]}" >"$logs/$t.log" 2>&1 || s=$?
    echo "$s" >"$logs/$t.status"
}

report() {
    local t=$1 status=$2 log="$logs/$1.log"
    local done_line execs
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
    execs=$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}' || true)
    if [ "$status" -eq 0 ]; then
        printf '%-22s ok     %8s exec/s  %s\n' "$t" "${execs:-?}" \
            "$(echo "$done_line" | grep -oE 'cov: [0-9]+ ft: [0-9]+' || true)"
    else
        printf '%-22s FAILED (status %s)\n' "$t" "$status"
        local artifact
        artifact=$(grep -oE 'fuzz/artifacts/[^ ]+' "$log" | tail -1 || true)
        if [ -z "$artifact" ]; then
            artifact=$(ls -t "fuzz/artifacts/$t"/* 2>/dev/null | head -1 || true)
        fi
        echo "---- last lines of $log"
        tail -n 40 "$log"
        echo "----"
        if [ -n "$artifact" ]; then
            echo "reproduce: cargo fuzz run -s none $t $artifact"
            echo "minimize:  cargo fuzz tmin -s none $t $artifact"
        else
            echo "no artifact found; see $log"
        fi
        failed+=("$t")
    fi
}

# Run $jobs targets at a time; report each as it finishes (its status file appears).
running=()
reap() {
    local still=() t
    for t in "${running[@]}"; do
        if [ -f "$logs/$t.status" ]; then
            report "$t" "$(cat "$logs/$t.status")"
        else
            still+=("$t")
        fi
    done
    running=("${still[@]}")
}
for t in "${targets[@]}"; do
    rm -f "$logs/$t.status"
    while [ ${#running[@]} -ge "$jobs" ]; do
        wait -n 2>/dev/null || sleep 1
        reap
    done
    run_one "$t" &
    running+=("$t")
done
while [ ${#running[@]} -gt 0 ]; do
    wait -n 2>/dev/null || sleep 1
    reap
done

echo "== done in $(( $(date +%s) - start )) s"
if [ ${#failed[@]} -gt 0 ]; then
    echo "FAILED targets: ${failed[*]}"
    exit 1
fi
