#!/bin/bash
# Records expect_events.pcap (netns nfctrec, loopback only).
S=$(cd "$(dirname "$0")" && pwd)
mkdir -p /tmp/rec
OUT=$S/..
TXT=$OUT/expect_events.txt; LOG=/tmp/rec/exp.log
rm -f $TXT $LOG /tmp/rec/exp_bg*.log
. $S/rec.sh
u sysctl -w net.netfilter.nf_conntrack_acct=1 net.netfilter.nf_conntrack_timestamp=1
u conntrack -F
u conntrack -F expect
u nft flush ruleset
u nft -f $S/expect.nft
ip netns exec nfctrec strace $STRACE_OPTS -o /tmp/rec/exp_bg1.log timeout -s INT 14 conntrack -E expect > /tmp/rec/exp_bg1.out 2>&1 &
BG1=$!
ip netns exec nfctrec strace $STRACE_OPTS -o /tmp/rec/exp_bg2.log timeout -s INT 14 conntrack -E -e NEW > /tmp/rec/exp_bg2.out 2>&1 &
BG2=$!
sleep 1
ip netns exec nfctrec timeout 30 python3 $S/traffic.py ftpserver 21 127.0.0.1 2 > /tmp/rec/exp_srv.out 2>&1 &
SRV=$!; sleep 0.4
# session 1: client sends PASV and then waits 6 s before using the data connection
ip netns exec nfctrec python3 $S/traffic.py ftpclient 127.0.0.1 21 pasv-hold 6 > /tmp/rec/exp_c1.out 2>&1 &
C1=$!; sleep 1.5
t conntrack -L expect
t conntrack -L expect -o extended
MP=$(ip netns exec nfctrec conntrack -L -p tcp --dport 21 2>/dev/null | sed -n 's/.*sport=\([0-9]*\) dport=21 .*/\1/p' | head -1)
t conntrack -I expect -p tcp -s 127.0.0.1 -d 127.0.0.1 --sport $MP --dport 21 --tuple-src 127.0.0.1 --tuple-dst 127.0.0.1 --mask-src 255.255.255.255 --mask-dst 255.255.255.255 --tuple-port-src 0 --tuple-port-dst 40000 --mask-port-src 0 --mask-port-dst 65535 -t 200
t conntrack -L expect
t conntrack -C expect
t conntrack -F expect
t conntrack -L expect
wait $C1
# session 2: PASV, data connection right away (expectation created and used)
ip netns exec nfctrec python3 $S/traffic.py ftpclient 127.0.0.1 21 pasv > /tmp/rec/exp_c2.out 2>&1
wait $SRV
sleep 0.5
t conntrack -L
t conntrack -S expect
t conntrack -L expect
wait $BG1; echo "[exit status $?]" > /tmp/rec/exp_bg1.rc
wait $BG2; echo "[exit status $?]" > /tmp/rec/exp_bg2.rc
{
echo '# traced in the background during the whole run (started before the traffic):'
echo '$ timeout -s INT 14 conntrack -E expect   (background)'
cat /tmp/rec/exp_bg1.out /tmp/rec/exp_bg1.rc
echo '$ timeout -s INT 14 conntrack -E -e NEW   (background)'
cat /tmp/rec/exp_bg2.out /tmp/rec/exp_bg2.rc
echo '# traffic (not traced): python3 scripts/traffic.py ftpserver 21 127.0.0.1 2, session 1 = ftpclient pasv-hold 6 (the traced commands above ran during its 6 s pause), session 2 = ftpclient pasv'
cat /tmp/rec/exp_c1.out /tmp/rec/exp_c2.out /tmp/rec/exp_srv.out
} >> $TXT
cat /tmp/rec/exp_bg1.log /tmp/rec/exp_bg2.log $LOG > /tmp/rec/exp_all.log
python3 $S/strace2pcap.py /tmp/rec/exp_all.log -o $OUT/expect_events.pcap --stats
