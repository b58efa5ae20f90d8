# rec.sh - helpers for the host (strace) recordings; source it after setting NS, TXT and T
# (T = scratch dir for strace logs and background output). Everything runs inside netns $NS.
#   t CMD...            traced command (strace appended to $T/main.log): "$ CMD", output, "[exit status N]"
#   u CMD...            untraced setup: "# (not traced) $ CMD", output, "# [exit status N]"
#   tsh 'CMD LINE'      traced shell line (sh -c), logged as written
#   ush 'CMD LINE'      untraced shell line
#   bgt NAME CMD...     traced background command, strace log $T/bg-NAME.log, output $T/bg-NAME.out;
#                       sets BGPID; bgdone NAME writes its output and exit status to the transcript
#   convert OUT         all logs ($T/bg-*.log, then $T/main.log) -> OUT.pcap and OUT.pcapng
# Same conventions as the existing corpus (corpus/captures/scripts/rec.sh of the project); the
# strace line is the one strace2pcap.py documents, plus the clone family so that children
# inherit the fd table in strace2pcap's view.
STRACE_OPTS="-f -ttt -T -yy -e trace=%network,read,write,close,dup,dup2,dup3,clone,clone3,fork,vfork -e read=all -e write=all -s 0"
# the converter of the repository (REPO and S are set by the record_*.sh script that sources this)
S2P=${S2P:-${REPO:-$S/../../../..}/corpus/captures/scripts/strace2pcap.py}
t() {
  echo "\$ $*" >> "$TXT"
  ip netns exec "$NS" strace $STRACE_OPTS -A -o "$T/main.log" "$@" >> "$TXT" 2>&1
  echo "[exit status $?]" >> "$TXT"
}
u() {
  echo "# (not traced) \$ $*" >> "$TXT"
  ip netns exec "$NS" "$@" >> "$TXT" 2>&1
  echo "# [exit status $?]" >> "$TXT"
}
tsh() {
  echo "\$ $1" >> "$TXT"
  ip netns exec "$NS" strace $STRACE_OPTS -A -o "$T/main.log" sh -c "$1" >> "$TXT" 2>&1
  echo "[exit status $?]" >> "$TXT"
}
ush() {
  echo "# (not traced) \$ $1" >> "$TXT"
  ip netns exec "$NS" sh -c "$1" >> "$TXT" 2>&1
  echo "# [exit status $?]" >> "$TXT"
}
bgt() {
  local name=$1; shift
  echo "\$ $*   (background, traced; output at the end of the transcript)" >> "$TXT"
  echo "$*" > "$T/bg-$name.cmd"
  ip netns exec "$NS" strace $STRACE_OPTS -o "$T/bg-$name.log" "$@" > "$T/bg-$name.out" 2>&1 &
  BGPID=$!
}
bgdone() {
  local name=$1 pid=$2 rc
  wait "$pid"; rc=$?
  {
    echo "# --- output of the background command: $(cat "$T/bg-$name.cmd")"
    cat "$T/bg-$name.out"
    echo "[exit status $rc]"
  } >> "$TXT"
}
convert() {
  local out=$1 extra=${2:-}
  cat $(ls "$T"/bg-*.log 2>/dev/null) "$T/main.log" > "$T/all.log"
  python3 $S2P "$T/all.log" -o "$out.pcap" --stats $extra
  python3 $S2P "$T/all.log" -o "$out.pcapng" --pcapng --comments $extra
}
