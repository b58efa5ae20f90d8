#!/usr/bin/env bash
# Times nfct-decode in each output format against tshark on one generated capture
# (issues 7, 14) and prints a Markdown table: messages/s, MB/s (10^6 bytes of
# capture input per second), peak RSS, and the ratios to tshark and to the bare
# walk (examples/bare_walk.rs: the machine's limit for walking every attribute).
# Rows run on one core (taskset -c 0, -j 1) unless they say `-j N`: those run on
# every core the machine has, to give the speed-up of N decoding threads. Output
# to /dev/null, input from the page cache (read once first).
#
#   benches/compare.sh                       # 100M capture in /tmp (generated if missing)
#   benches/compare.sh --size 500M           # another size
#   benches/compare.sh --file cap.pcap       # an existing capture
#   benches/compare.sh --big                 # also 100M vs 2G memory flatness (~2 GB disk)
#   options: --runs N (default 5, median), --tshark-size 100M, --no-tshark, --tmp DIR
# Rows "stdin: ..." read the capture from a pipe (`cat FILE | nfct-decode ... -`; cat
# itself is not pinned to core 0 and its memory is not counted).
#
# tshark runs on the same capture when it is at most 128 MiB (about a minute for
# -T json on 100M); on a larger one, or with --tshark-size, on a smaller capture
# written by the same generator with the same mix, and the ratios compare rates per
# message. tshark's start-up (about 0.7 s) is part of its time, as for nfct-decode. Exit status of nfct-decode 1 (error findings: the
# mix contains the deliberately malformed requests of errors_extack) is expected.
set -euo pipefail

size=100M
file=""
runs=5
tshark_size=""
tshark=1
big=0
tmp=${TMPDIR:-/tmp}
while [ $# -gt 0 ]; do
    case "$1" in
    --size) size=$2; shift ;;
    --file) file=$2; shift ;;
    --runs) runs=$2; shift ;;
    --tshark-size) tshark_size=$2; shift ;;
    --no-tshark) tshark=0 ;;
    --big) big=1 ;;
    --tmp) tmp=$2; shift ;;
    -h | --help) sed -n '2,/^[^#]/{/^#/p}' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

cd "$(dirname "$0")/.."
root=$(pwd)

need_apt() { # package
    if [ -z "${apt_updated:-}" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >&2
}
[ -x /usr/bin/time ] || need_apt time
command -v taskset >/dev/null || need_apt util-linux
if [ "$tshark" = 1 ] && ! command -v tshark >/dev/null; then
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
    need_apt tshark
fi

echo "building (release)..." >&2
cargo build --release --quiet --bin nfct-decode --example gen_capture --example bare_walk >&2
# Copies: a concurrent `cargo build` must not swap the binaries in the middle of a run.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "$root/target/release/nfct-decode" "$root/target/release/examples/gen_capture" \
    "$root/target/release/examples/bare_walk" "$scratch/"
bin=$scratch/nfct-decode
gen=$scratch/gen_capture
bare=$scratch/bare_walk
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- src Cargo.toml 2>/dev/null || commit="$commit + uncommitted changes in src/"

generate() { # size path
    if [ ! -s "$2" ]; then
        echo "generating $2 ($1)..." >&2
        "$gen" --size "$1" -o "$2" >&2
    fi
}
if [ -z "$file" ]; then
    file=$tmp/nfct_bench_$size.pcap
    generate "$size" "$file"
fi
[ -r "$file" ] || { echo "compare.sh: cannot read $file" >&2; exit 2; }

one=(taskset -c 0)
cores=$(nproc)

bytes_of() { stat -c %s "$1"; }
# Messages and records of a capture, as nfct-decode counts them.
counts() { # file -> "records messages"
    "$bin" -f none --summary "$1" 2>/dev/null | sed -n 's/^ *records \([0-9]*\), messages \([0-9]*\),.*/\1 \2/p' | head -1
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# measure LABEL FILE N CMD... : runs CMD N times (stdout to /dev/null; "@FILE@" in
# CMD is replaced by FILE; a CMD starting with "stdin:" reads FILE from a pipe), and
# appends "label file secs rss_kb" (tab-separated) (median wall time, largest peak RSS) to $scratch/rows.
measure() {
    local label=$1 f=$2 n=$3
    shift 3
    local stdin=0 pin=("${one[@]}")
    if [ "$1" = "all-cores:" ]; then pin=(); shift; fi
    if [ "$1" = "stdin:" ]; then stdin=1; shift; fi
    local args=() a
    for a in "$@"; do args+=("${a//@FILE@/$f}"); done
    cat "$f" >/dev/null # page cache
    : >"$scratch/t"
    local rss=0 i t0 t1 r rc
    for ((i = 0; i < n; i++)); do
        t0=$(date +%s%N)
        set +e
        if [ "$stdin" = 1 ]; then
            cat "$f" | "${pin[@]}" /usr/bin/time -v -o "$scratch/tv" "${args[@]}" >/dev/null 2>"$scratch/err"
        else
            "${pin[@]}" /usr/bin/time -v -o "$scratch/tv" "${args[@]}" >/dev/null 2>"$scratch/err"
        fi
        rc=$?
        set -e
        t1=$(date +%s%N)
        if [ "$rc" -gt 1 ]; then
            echo "compare.sh: $label failed (exit $rc):" >&2
            cat "$scratch/err" >&2
            exit 1
        fi
        echo "$(( t1 - t0 ))" >>"$scratch/t"
        r=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$scratch/tv")
        [ "${r:-0}" -gt "$rss" ] && rss=$r
    done
    printf '%s\t%s\t%s\t%s\n' "$label" "$f" "$(awk '{print $1/1e9}' "$scratch/t" | median)" "$rss" >>"$scratch/rows"
    echo "  $label: done" >&2
}

read -r records messages < <(counts "$file")
fbytes=$(bytes_of "$file")
echo "measuring on $file ($fbytes bytes, $records records, $messages messages), $runs runs each..." >&2

measure "cat (page cache)" "$file" "$runs" cat @FILE@
"${one[@]}" "$bare" "$file" --runs "$runs" >"$scratch/bare"
echo "  bare walk: done" >&2
measure "nfct-decode -f none" "$file" "$runs" "$bin" -j 1 -f none @FILE@
measure "nfct-decode -f none --summary" "$file" "$runs" "$bin" -j 1 -f none --summary @FILE@
measure "nfct-decode (text)" "$file" "$runs" "$bin" -j 1 @FILE@
measure "nfct-decode -v" "$file" "$runs" "$bin" -j 1 -v @FILE@
measure "nfct-decode -f json" "$file" "$runs" "$bin" -j 1 -f json @FILE@
measure "nfct-decode -f conntrack" "$file" "$runs" "$bin" -j 1 -f conntrack @FILE@
measure "stdin: nfct-decode -f none -" "$file" "$runs" stdin: "$bin" -j 1 -f none -
measure "stdin: nfct-decode -f json -" "$file" "$runs" stdin: "$bin" -j 1 -f json -
# The same on every core: -j 1 (the sequential path, for the speed-up), -j 2,
# and -j with one thread per core when there are more than 2.
jobs=(1 2)
[ "$cores" -gt 2 ] && jobs+=("$cores")
for j in "${jobs[@]}"; do
    measure "nfct-decode -f none -j $j" "$file" "$runs" all-cores: "$bin" -j "$j" -f none @FILE@
    measure "nfct-decode (text) -j $j" "$file" "$runs" all-cores: "$bin" -j "$j" @FILE@
    measure "nfct-decode -v -j $j" "$file" "$runs" all-cores: "$bin" -j "$j" -v @FILE@
    measure "nfct-decode -f json -j $j" "$file" "$runs" all-cores: "$bin" -j "$j" -f json @FILE@
    measure "stdin: nfct-decode -f json -j $j -" "$file" "$runs" all-cores: stdin: "$bin" -j "$j" -f json -
done

small=""
if [ "$tshark" = 1 ]; then
    if [ -z "$tshark_size" ] && [ "$fbytes" -le $((128 << 20)) ]; then
        measure "tshark -V" "$file" 1 tshark -n -r @FILE@ -V
        measure "tshark -T json" "$file" 1 tshark -n -r @FILE@ -T json
    else
        small=$tmp/nfct_bench_${tshark_size:-100M}.pcap
        generate "${tshark_size:-100M}" "$small"
        measure "nfct-decode -v (small)" "$small" "$runs" "$bin" -v @FILE@
        measure "nfct-decode -f json (small)" "$small" "$runs" "$bin" -f json @FILE@
        measure "tshark -V (small)" "$small" 1 tshark -n -r @FILE@ -V
        measure "tshark -T json (small)" "$small" 1 tshark -n -r @FILE@ -T json
    fi
fi

if [ "$big" = 1 ]; then
    bigf=$tmp/nfct_bench_2G.pcap
    generate 2G "$bigf"
    measure "nfct-decode -f none (2G)" "$bigf" 1 "$bin" -j 1 -f none @FILE@
    measure "nfct-decode -f none --summary (2G)" "$bigf" 1 "$bin" -j 1 -f none --summary @FILE@
    measure "nfct-decode -f json (2G)" "$bigf" 1 "$bin" -j 1 -f json @FILE@
    measure "stdin: nfct-decode -f none - (2G)" "$bigf" 1 stdin: "$bin" -j 1 -f none -
    measure "nfct-decode -f json -j 2 (2G)" "$bigf" 1 all-cores: "$bin" -j 2 -f json @FILE@
    measure "nfct-decode -v -j 2 (2G)" "$bigf" 1 all-cores: "$bin" -j 2 -v @FILE@
    measure "stdin: nfct-decode -f json -j 2 - (2G)" "$bigf" 1 all-cores: stdin: "$bin" -j 2 -f json -
    measure "stdin: nfct-decode -v -j 2 - (2G)" "$bigf" 1 all-cores: stdin: "$bin" -j 2 -v -
fi

# ---- report
declare -A msgs_of bytes_of_f
for f in "$file" $small ${bigf:-}; do
    read -r _ m < <(counts "$f")
    msgs_of[$f]=$m
    bytes_of_f[$f]=$(bytes_of "$f")
done

echo "## nfct-decode vs tshark: $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "- commit: $commit; $("$bin" --version 2>/dev/null || echo nfct-decode); $(rustc --version)"
echo "- machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ {printf "%.0f GB RAM", $2/1048576}' /proc/meminfo), Linux $(uname -r)"
command -v tshark >/dev/null && echo "- $(tshark --version 2>/dev/null | head -1)"
echo "- the nfct-decode binary built from that tree at the start of the run; rows without \`-j N\` on one core (taskset -c 0, -j 1), rows with it on all $cores cores; output to /dev/null, input in the page cache; wall time: median of $runs runs (1 for tshark and the 2G file); peak RSS: /usr/bin/time -v"
for f in "$file" $small ${bigf:-}; do
    echo "- $(basename "$f"): ${bytes_of_f[$f]} bytes, ${msgs_of[$f]} netlink messages"
done
echo
echo "| run | capture | wall s | messages/s | MB/s | peak RSS MB |"
echo "|---|---|---:|---:|---:|---:|"
while IFS=$'\t' read -r label f secs rss; do
    awk -v l="$label" -v c="$(basename "$f")" -v s="$secs" -v m="${msgs_of[$f]}" -v b="${bytes_of_f[$f]}" -v r="$rss" \
        'BEGIN { printf "| %s | %s | %.3f | %.0f | %.0f | %.1f |\n", l, c, s, m/s, b/s/1e6, r/1024 }'
    echo "$label|$secs|${msgs_of[$f]}|${bytes_of_f[$f]}" >>"$scratch/rates"
done <"$scratch/rows"

rate() { awk -F'|' -v l="$1" '$1 == l { printf "%.6f", $3/$2 }' "$scratch/rates"; }
mbs() { awk -F'|' -v l="$1" '$1 == l { printf "%.6f", $4/$2/1e6 }' "$scratch/rates"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.0fx", a/b; else print "n/a" }'; }
echo
echo "Ratios (messages per second):"
echo
if [ "$tshark" = 1 ] && [ -z "$small" ]; then
    echo "- -f json vs tshark -T json: $(ratio "$(rate "nfct-decode -f json")" "$(rate "tshark -T json")") (target 100x)"
    echo "- text -v vs tshark -V: $(ratio "$(rate "nfct-decode -v")" "$(rate "tshark -V")") (target 50x)"
elif [ "$tshark" = 1 ]; then
    echo "- -f json vs tshark -T json: $(ratio "$(rate "nfct-decode -f json")" "$(rate "tshark -T json (small)")") ($(ratio "$(rate "nfct-decode -f json (small)")" "$(rate "tshark -T json (small)")") on the small capture itself; target 100x)"
    echo "- text -v vs tshark -V: $(ratio "$(rate "nfct-decode -v")" "$(rate "tshark -V (small)")") ($(ratio "$(rate "nfct-decode -v (small)")" "$(rate "tshark -V (small)")") on the small capture itself; target 50x)"
fi
echo "- default text: $(awk -v r="$(rate "nfct-decode (text)")" 'BEGIN { printf "%.2f", r/1e6 }') million messages/s (target 2)"
echo "- -f none: $(awk -v r="$(mbs "nfct-decode -f none")" 'BEGIN { printf "%.2f", r/1e3 }') GB/s on one core (target 1.25), cat reads $(awk -v r="$(mbs "cat (page cache)")" 'BEGIN { printf "%.2f", r/1e3 }') GB/s"
echo "- bare walk (examples/bare_walk, the file in memory, one core): $(sed 's/^bare_walk //' "$scratch/bare")"
bare_gbs=$(sed -n 's/.*GB\/s=\([0-9.]*\).*/\1/p' "$scratch/bare")
echo "- -f none against the bare walk: $(awk -v a="$(mbs "nfct-decode -f none")" -v b="$bare_gbs" 'BEGIN { if (b > 0) printf "%.0f%% of its rate", 100*a/1e3/b; else print "n/a" }')"
echo
echo "Threads (messages per second, -j N against -j 1, both on all $cores cores):"
echo
for fmt in "-f none" "(text)" "-v" "-f json"; do
    line="- $fmt:"
    for j in "${jobs[@]}"; do
        [ "$j" = 1 ] && continue
        line="$line -j $j $(awk -v a="$(rate "nfct-decode $fmt -j $j")" -v b="$(rate "nfct-decode $fmt -j 1")" 'BEGIN { if (a > 0 && b > 0) printf "%.2fx", a/b; else print "n/a" }')"
    done
    echo "$line (target for -j 2: 1.8x)"
done
line="- stdin -f json:"
for j in "${jobs[@]}"; do
    [ "$j" = 1 ] && continue
    line="$line -j $j $(awk -v a="$(rate "stdin: nfct-decode -f json -j $j -")" -v b="$(rate "stdin: nfct-decode -f json -j 1 -")" 'BEGIN { if (a > 0 && b > 0) printf "%.2fx", a/b; else print "n/a" }')"
done
echo "$line"
