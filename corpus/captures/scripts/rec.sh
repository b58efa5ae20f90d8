# source this file; set TXT and LOG first. Runs everything inside netns $NS (default nfctrec).
# t CMD...  : traced command (strace appended to $LOG), writes "$ CMD", output, "[exit status N]"
# u CMD...  : untraced setup, writes "# (not traced) $ CMD", output, "# [exit status N]"
NS=${NS:-nfctrec}
STRACE_OPTS="-f -ttt -yy -e trace=%network,close,dup,dup2,dup3,clone,clone3,fork,vfork -e read=all -e write=all -s 0"
t() {
  echo "\$ $*" >> "$TXT"
  ip netns exec "$NS" strace $STRACE_OPTS -A -o "$LOG" "$@" >> "$TXT" 2>&1
  echo "[exit status $?]" >> "$TXT"
}
u() {
  echo "# (not traced) \$ $*" >> "$TXT"
  ip netns exec "$NS" "$@" >> "$TXT" 2>&1
  echo "# [exit status $?]" >> "$TXT"
}
