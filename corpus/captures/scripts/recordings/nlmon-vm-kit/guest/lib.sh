#!/bin/sh
# Helper library for capture scenarios, installed in the guest as /lib.sh. A scenarios file
# (installed as /scenarios.sh, started by /init with the scenario names as arguments) looks like:
#
#   . /lib.sh
#   sc_NAME() { cap_start NAME; run conntrack -L; cap_stop; }
#   run_scenarios "$@"
#
# Everything a scenario writes to $OUT is copied to /out (the 9p share, $WORK/out on the host)
# after each scenario. The guest's sh is busybox ash (see the README for its quirks).

export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
OUT=/tmp/out
mkdir -p "$OUT"

# busybox ash runs its own applets before searching $PATH, so a plain 'ip' or 'nc' would be
# busybox's. Call iproute2 as $IP (/usr/sbin/ip); OpenBSD netcat is installed as 'ncat'.
IP=/usr/sbin/ip

# nlmon0 sees every netlink message of the guest
if [ ! -e /sys/class/net/nlmon0 ]; then
  $IP link add nlmon0 type nlmon && $IP link set nlmon0 up || echo "!! nlmon0 setup failed"
fi
$IP -d link show nlmon0

TXT=/dev/null     # the running capture's .txt; run/note write here (nowhere outside a capture)
TD_PID=""
CAP_NAME=""

# stop_pid PID [SIGNAL] [what]: send SIGNAL (default INT) to a background job, give it 10 s to
# end, then SIGKILL it (with a "!!" line); returns the job's exit status.
stop_pid() {
  local pid=$1 sig=${2:-INT} i=0 st
  kill -"$sig" "$pid" 2>/dev/null
  while [ $i -lt 50 ]; do
    st=$(sed 's/.*) \(.\).*/\1/' "/proc/$pid/stat" 2>/dev/null)
    [ -z "$st" ] || [ "$st" = Z ] && break
    sleep 0.2; i=$((i + 1))
  done
  if [ $i -ge 50 ]; then
    echo "!! ${3:-pid $pid} did not stop on SIG$sig within 10 s: SIGKILL"
    note "!! ${3:-pid $pid} did not stop on SIG$sig within 10 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid"
}

# cap_start NAME [tcpdump args...]: start tcpdump (default: -i nlmon0) writing $OUT/NAME.pcap,
# its stderr to $OUT/NAME.tcpdump.log, and start $OUT/NAME.txt. One capture at a time.
cap_start() {
  CAP_NAME=$1; shift
  TXT=$OUT/$CAP_NAME.txt
  : > "$TXT"
  [ $# -gt 0 ] || set -- -i nlmon0
  # --immediate-mode: otherwise libpcap's TPACKET_V3 ring hands a block over only after its 1 s
  # timeout, and packets still in the ring at SIGINT are lost.
  # -B 65536 (KiB): in immediate mode libpcap uses TPACKET_V2 with one ~262 KB frame per packet
  # (snaplen 262144); the default 2 MB ring holds ~7 packets and bursts get dropped.
  tcpdump -Z root "$@" --immediate-mode -B 65536 -U -w "$OUT/$CAP_NAME.pcap" 2> "$OUT/$CAP_NAME.tcpdump.log" &
  TD_PID=$!
  # tcpdump says "listening on" once its socket is bound; give it up to 10 s
  local i=0
  while ! grep -q 'listening on' "$OUT/$CAP_NAME.tcpdump.log" 2>/dev/null && [ $i -lt 50 ]; do
    sleep 0.2; i=$((i + 1))
  done
  sleep 0.5
  echo "== capture $CAP_NAME started (tcpdump pid $TD_PID, args: $*)"
}

# cap_stop: wait 2 s for stragglers, stop tcpdump with SIGINT, print its counters
cap_stop() {
  if [ -z "$TD_PID" ]; then echo "!! cap_stop without a running capture"; return 1; fi
  sleep 2
  stop_pid "$TD_PID" INT tcpdump
  echo "== capture $CAP_NAME stopped: $(tr '\n' ' ' < "$OUT/$CAP_NAME.tcpdump.log")"
  TD_PID=""
  TXT=/dev/null
}

# run CMD...: log "$ CMD", its stdout+stderr and "[exit N]" to the capture's .txt
run() {
  echo "\$ $*" >> "$TXT"
  "$@" >> "$TXT" 2>&1
  echo "[exit $?]" >> "$TXT"
}

# note TEXT...: a "# TEXT" line in the .txt
note() { echo "# $*" >> "$TXT"; }

# ev_start FILE [conntrack args...]: background 'conntrack ARGS' (e.g. -E, -E expect, -E -o id)
# with its output in FILE; sets EV_PID. ev_stop FILE [PID]: SIGINT it and append FILE to the .txt.
EV_PID=""
ev_start() {
  local f=$1; shift
  echo "\$ conntrack $* &   (output below, after it was stopped)" >> "$TXT"
  conntrack "$@" > "$f" 2>&1 &
  EV_PID=$!
  sleep 1
}
ev_stop() {
  local pid=${2:-$EV_PID} rc
  sleep 1
  stop_pid "$pid" INT conntrack; rc=$?
  cat "$1" >> "$TXT"; echo "[stopped with SIGINT, exit $rc]" >> "$TXT"; rm -f "$1"
}

# bg_start FILE CMD...: run CMD in the background, output in FILE; sets BG_PID.
# bg_wait FILE PID [what]: wait for it to end by itself and append FILE to the .txt.
BG_PID=""
bg_start() {
  local f=$1; shift
  echo "\$ $* &   (output below, after it ended)" >> "$TXT"
  "$@" > "$f" 2>&1 &
  BG_PID=$!
}
bg_wait() {
  local rc
  wait "$2"; rc=$?
  note "--- output of ${3:-the background command} (exit $rc):"
  cat "$1" >> "$TXT"; rm -f "$1"
}

# wait_file FILE: wait up to 10 s for FILE to exist (e.g. a listener's "ready" file)
wait_file() {
  local i=0
  while [ ! -e "$1" ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
  [ -e "$1" ] || note "!! $1 did not appear"
}

# int_stop FILE PID what [SIGNAL]: stop a background listener (default SIGINT) started with
# 'CMD > FILE 2>&1 & PID=$!' or bg_start, and append FILE to the .txt. Background jobs of this
# non-interactive sh start with SIGINT ignored: programs that install their own handler
# (conntrack, tcpdump) still stop on SIGINT, others ('nft monitor', most small C programs,
# sleep) do not: pass TERM for them.
int_stop() {
  local rc
  sleep 1
  stop_pid "$2" "${4:-INT}" "$3"; rc=$?
  note "--- output of $3 (stopped with SIG${4:-INT}, exit $rc):"
  cat "$1" >> "$TXT"; rm -f "$1"
}

# modpath NAME: path of a loaded module's .ko (to insmod it again after an rmmod)
modpath() { grep "/$1.ko" /modules.order.load | head -1; }

# versions.txt: kernel, tools, kernel config, the scenario files, the programs in /usr/local/bin
write_versions() {
  {
    echo "kernel: $(uname -r) $(uname -v)"
    tcpdump --version 2>&1
    conntrack --version 2>&1
    nft --version 2>&1
    nfct list version 2>&1 | head -1   # 'nfct version' only prints the usage
    conntrackd -v 2>&1 | head -1    # (added for the nfct-decode recordings)
    $IP -V 2>&1
    echo "busybox: $(busybox 2>&1 | head -1)"
    echo "kernel config (from the linux-image package):"; cat /etc/kconfig-nf 2>/dev/null
    echo "scenario files:"; md5sum /scenarios.sh /lib.sh
    echo "/usr/local/bin:"; ls -l /usr/local/bin
  } > "$OUT/versions.txt" 2>&1
}

# run_scenarios [NAME...]: write versions.txt, then run sc_NAME for each NAME (none given: every
# sc_NAME() defined at the start of a line in /scenarios.sh, in file order), copying $OUT to /out
# after each scenario so a later hang loses nothing.
run_scenarios() {
  local names="$*" s t0
  [ -n "$names" ] || names=$(sed -n 's/^sc_\([A-Za-z0-9_]*\) *().*/\1/p' /scenarios.sh)
  write_versions
  for s in $names; do
    if ! command -v "sc_$s" >/dev/null 2>&1; then
      echo "!! no scenario '$s' (no function sc_$s in /scenarios.sh)"
      continue
    fi
    echo "===== scenario $s"
    t0=$(date +%s)
    "sc_$s"
    if [ -n "$TD_PID" ]; then echo "!! scenario $s left its capture running; stopping it"; cap_stop; fi
    echo "===== scenario $s done ($(($(date +%s) - t0)) s)"
    cp -r "$OUT"/* /out/ 2>/dev/null
  done
  echo "===== done; copying to /out"
  cp -r "$OUT"/* /out/ && ls -l /out
}
