#!/bin/bash
# Records more/synproxy.pcap (+ more/synproxy.txt): conntrack entries carrying a
# CTA_SYNPROXY nest with non-zero isn/its/tsoff, made by the kernel's SYNPROXY (nft
# `synproxy` statement) and read back with conntrack-tools.
#
# Two scratch network namespaces, created and deleted here (run as root):
#   synA 10.77.0.1/24 (client) --vsynA/vsynB veth-- synB 10.77.0.2/24 (server + synproxy)
# Nothing is changed in the caller's namespace (no conntrack entries, rules or sysctls).
#
# Usage: corpus/captures/scripts/synproxy.sh   (STRACE2PCAP=path/to/strace2pcap.py to
# override the converter, default corpus/captures/scripts/strace2pcap.py)
set -u
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
STRACE2PCAP=${STRACE2PCAP:-$ROOT/corpus/captures/scripts/strace2pcap.py}
OUT=$ROOT/corpus/captures/more
TXT=$OUT/synproxy.txt
W=$(mktemp -d)
LOG=$W/main.log
STRACE_OPTS="-f -ttt -T -yy -e trace=%network,read,write,close,dup,dup2,dup3 -e read=all -e write=all -s 0"

if ip netns list | grep -q -w -E 'synA|synB'; then
  echo "netns synA or synB exists already; delete it first" >&2
  exit 1
fi
cleanup() {
  ip netns del synA 2>/dev/null
  ip netns del synB 2>/dev/null
  rm -rf "$W"
}
trap cleanup EXIT

# A command line as it could be typed again: words with shell metacharacters in '...'.
show() {
  local a s=""
  for a in "$@"; do
    if [[ $a =~ ^[A-Za-z0-9_./:,=+@%-]+$ ]]; then s+="$a "; else s+="'$a' "; fi
  done
  printf '%s' "${s% }"
}
# h CMD...: untraced setup command (host-side `ip` or `ip netns exec NS ...`)
h() {
  echo "# (not traced) \$ $(show "$@")" >> "$TXT"
  "$@" >> "$TXT" 2>&1
  echo "# [exit status $?]" >> "$TXT"
}
# t CMD...: traced command, run in synB under strace (appended to $LOG)
t() {
  echo "\$ $(show "$@")" >> "$TXT"
  ip netns exec synB strace $STRACE_OPTS -A -o "$LOG" "$@" >> "$TXT" 2>&1
  echo "[exit status $?]" >> "$TXT"
}

SRV='import socket,time;s=socket.create_server(("",8080));c,a=s.accept();print("accepted",a,flush=True);print("got",c.recv(100),flush=True);c.sendall(b"pong\n");time.sleep(12)'
CLI='import socket,time;c=socket.create_connection(("10.77.0.2",8080),5,("10.77.0.1",40080));print("connected",c.getsockname(),"->",c.getpeername(),flush=True);c.sendall(b"ping\n");print("got",c.recv(100),flush=True);time.sleep(10)'

rm -f "$TXT"
{
  echo "# kernel $(uname -r); $(conntrack --version 2>&1); $(nft --version); $(strace -V | head -1); $(python3 --version 2>&1)"
  echo "# netns synA 10.77.0.1/24 (client) --vsynA/vsynB veth-- synB 10.77.0.2/24 (TCP server on 8080 behind nft synproxy)"
  echo "# traced commands (\$ lines) ran in synB as: ip netns exec synB strace $STRACE_OPTS -A -o LOG CMD"
} >> "$TXT"
h ip netns add synA
h ip netns add synB
h ip -n synA link set lo up
h ip -n synB link set lo up
h ip link add vsynA netns synA type veth peer name vsynB netns synB
h ip -n synA addr add 10.77.0.1/24 dev vsynA
h ip -n synA link set vsynA up
h ip -n synB addr add 10.77.0.2/24 dev vsynB
h ip -n synB link set vsynB up
h ip netns exec synA sysctl -w net.ipv4.tcp_timestamps=1
h ip netns exec synB sysctl -w net.ipv4.tcp_timestamps=1 net.ipv4.tcp_syncookies=2 net.netfilter.nf_conntrack_tcp_loose=0
h ip netns exec synB nft add table inet synp
h ip netns exec synB nft add chain inet synp pre '{ type filter hook prerouting priority raw; policy accept; }'
h ip netns exec synB nft add rule inet synp pre tcp dport 8080 tcp flags syn notrack
h ip netns exec synB nft add chain inet synp in '{ type filter hook input priority filter; policy accept; }'
h ip netns exec synB nft add rule inet synp in tcp dport 8080 ct state invalid,untracked synproxy mss 1460 wscale 7 timestamp sack-perm
h ip netns exec synB nft add rule inet synp in ct state invalid drop
h ip netns exec synB nft list ruleset

# traffic: server in synB, client in synA (fixed source port 40080), both keep the
# connection open while the traced commands run
ip netns exec synB timeout 30 python3 -c "$SRV" > "$W/srv.out" 2>&1 &
SRVPID=$!
sleep 0.5
ip netns exec synA timeout 30 python3 -c "$CLI" > "$W/cli.out" 2>&1 &
CLIPID=$!
sleep 1.5

t conntrack -L
t conntrack -L -o extended
t conntrack -G -p tcp -s 10.77.0.1 -d 10.77.0.2 --sport 40080 --dport 8080 -o extended

h ip netns exec synB cat /proc/net/stat/synproxy
wait $CLIPID; CLIRC=$?
wait $SRVPID; SRVRC=$?
{
  echo "# traffic (not traced, background, started before the traced commands, which ran while both slept):"
  echo "# (not traced) \$ $(show ip netns exec synB timeout 30 python3 -c "$SRV")   (background)"
  sed 's/^/#   /' "$W/srv.out"
  echo "# [exit status $SRVRC]"
  echo "# (not traced) \$ $(show ip netns exec synA timeout 30 python3 -c "$CLI")   (background)"
  sed 's/^/#   /' "$W/cli.out"
  echo "# [exit status $CLIRC]"
} >> "$TXT"
h ip netns del synA
h ip netns del synB

python3 "$STRACE2PCAP" "$LOG" -o "$OUT/synproxy.pcap" --stats
