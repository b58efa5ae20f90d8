#!/bin/bash
# Records gre_sctp.pcap (netns nfctrec, loopback only, raw IP sockets).
S=$(cd "$(dirname "$0")" && pwd)
mkdir -p /tmp/rec
OUT=$S/..
TXT=$OUT/gre_sctp.txt; LOG=/tmp/rec/gs.log
rm -f $TXT $LOG /tmp/rec/gs_bg.log
. $S/rec.sh
u sysctl -w net.netfilter.nf_conntrack_acct=1 net.netfilter.nf_conntrack_timestamp=1
u conntrack -F
u nft flush ruleset
u nft -f $S/track.nft
ip netns exec nfctrec strace $STRACE_OPTS -o /tmp/rec/gs_bg.log timeout -s INT 6 conntrack -E > /tmp/rec/gs_bg.out 2>&1 &
BG=$!; sleep 1
{
ip netns exec nfctrec python3 $S/rawproto.py sctp
ip netns exec nfctrec python3 $S/rawproto.py sctp-open
ip netns exec nfctrec python3 $S/rawproto.py gre
ip netns exec nfctrec python3 $S/rawproto.py proto33
} > /tmp/rec/gs_traffic.out 2>&1
wait $BG; echo "[exit status $?]" > /tmp/rec/gs_bg.rc
{ echo '$ timeout -s INT 6 conntrack -E   (background)'; cat /tmp/rec/gs_bg.out /tmp/rec/gs_bg.rc
  echo '# traffic (not traced): python3 scripts/rawproto.py sctp; ... sctp-open; ... gre; ... proto33'
  cat /tmp/rec/gs_traffic.out; } >> $TXT
t conntrack -L
t conntrack -L -o extended
t conntrack -G -p sctp -s 127.0.0.1 -d 127.0.0.1 --sport 5001 --dport 6001
t conntrack -I -p sctp -s 10.0.0.5 -d 10.0.0.6 --sport 2905 --dport 2905 --state SHUTDOWN_SENT --orig-vtag 0xdeadbeef --reply-vtag 0x12345678 -t 50
t conntrack -I -p gre -s 10.0.0.7 -d 10.0.0.8 --srckey 0x100 --dstkey 0x200 --reply-key-src 0x300 --reply-key-dst 0x400 -t 100
t conntrack -I -p dccp -s 10.0.0.1 -d 10.0.0.2 --sport 1 --dport 2 --state OPEN --role client -t 100
t conntrack -I -p dccp -s 10.0.0.1 -d 10.0.0.2 --sport 3 --dport 4 --state REQUEST --role server -t 100
t conntrack -L -p sctp
t conntrack -L -p gre
t conntrack -L -p dccp
t conntrack -L -o extended
t conntrack -D -p sctp -s 127.0.0.1
cat /tmp/rec/gs_bg.log $LOG > /tmp/rec/gs_all.log
python3 $S/strace2pcap.py /tmp/rec/gs_all.log -o $OUT/gre_sctp.pcap --stats
