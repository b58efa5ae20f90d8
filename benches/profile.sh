#!/usr/bin/env bash
# Profiles nfct-decode with perf (software cpu-clock sampling, DWARF call graphs:
# works in VMs without hardware counters) on a generated 10 MB capture, read 10 times
# in one run, for -f none, the default text, -v and -f json, and prints for each the
# top functions by inclusive time (children) and by self time, as Markdown.
#
#   benches/profile.sh [--size 10M] [--top 15] [--cpu 0] > profile.md
#
# Installs perf (linux-perf) when missing. The `profiling` profile (Cargo.toml) keeps line tables
# (debug = 1), which is all perf needs for symbols and DWARF unwinding.
set -euo pipefail

size=10M
top=15
cpu=0
while [ $# -gt 0 ]; do
    case "$1" in
    --size) size=$2; shift ;;
    --top) top=$2; shift ;;
    --cpu) cpu=$2; shift ;;
    -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "profile.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
cd "$(dirname "$0")/.."
root=$(pwd)
if ! command -v perf >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-perf >&2
fi
cargo build --profile profiling --quiet --bin nfct-decode --example gen_capture >&2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "$root/target/profiling/nfct-decode" "$scratch/"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- src 2>/dev/null || commit="$commit + uncommitted changes in src/"
cap=$scratch/cap.pcap
"$root/target/profiling/examples/gen_capture" --size "$size" -o "$cap" >&2
files=()
for _ in 1 2 3 4 5 6 7 8 9 10; do files+=("$cap"); done

# Frames of the runtime above Runner::run, and closures' plumbing: not informative.
skip='lang_start|catch_unwind|__libc_start|^_start$|^main$|nfct_decode::main|FnOnce|backtrace|Runner::run$|Runner::event$'

echo "### Profile (commit $commit, perf cpu-clock, $size capture read 10 times per run)"
for run in "none:-f none" "text:" "verbose:-v" "json:-f json"; do
    name=${run%%:*}
    # shellcheck disable=SC2206
    args=(${run#*:})
    data=$scratch/$name.data
    set +e
    taskset -c "$cpu" perf record -q -e cpu-clock -F 2999 --call-graph dwarf,16384 -o "$data" \
        "$scratch/nfct-decode" "${args[@]}" "${files[@]}" >/dev/null 2>"$scratch/err"
    rc=$?
    set -e
    [ "$rc" -le 1 ] || { cat "$scratch/err" >&2; exit 1; }
    for mode in children self; do
        echo
        if [ "$mode" = children ]; then
            echo "#### nfct-decode ${args[*]:-(text)}: top $top by inclusive time"
            flags=(--children)
        else
            echo "#### nfct-decode ${args[*]:-(text)}: top $top by self time"
            flags=(--no-children)
        fi
        echo
        echo "| incl % | self % | function |"
        echo "|---:|---:|---|"
        perf report -i "$data" "${flags[@]}" --stdio --no-call-graph --sort symbol --percent-limit 0.5 2>/dev/null |
            grep -v '^#' | grep -v '^$' |
            sed -E 's/^ *([0-9.]+%) +([0-9.]+%)? *\[[.k]\] (.*)$/\1\t\2\t\3/' |
            awk -F'\t' -v mode="$mode" -v skip="$skip" '{
                sym = $3; sub(/( +-)* *$/, "", sym); sub(/ \(inlined\)$/, " (inl)", sym)
                if (mode == "self") { self = $1; incl = "" } else { incl = $1; self = $2 }
                if (mode == "children" && sym ~ skip) next
                print incl "\t" self "\t" sym
            }' |
            head -n "$top" |
            awk -F'\t' '{ s = $3; gsub(/\|/, "\\|", s); if (length(s) > 110) s = substr(s, 1, 107) "..."; printf "| %s | %s | `%s` |\n", $1, $2, s }' || true # head closes the pipe
    done
done
