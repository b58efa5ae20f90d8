#!/bin/bash
# Records ct_output.pcap (issue 6: conntrack's -o modes on events, listings and
# expectations). Own netns nfct6rec, loopback only; created and deleted here.
set -u
S=$(cd "$(dirname "$0")" && pwd)
mkdir -p /tmp/rec6
OUT=$S/../more
TXT=$OUT/ct_output.txt; LOG=/tmp/rec6/main.log
export NS=nfct6rec
rm -f $TXT /tmp/rec6/*.log /tmp/rec6/*.out
ip netns add $NS; ip -n $NS link set lo up
. $S/rec.sh
u sysctl -w net.netfilter.nf_conntrack_acct=1 net.netfilter.nf_conntrack_timestamp=1
u nft -f $S/expect.nft
ip netns exec $NS strace $STRACE_OPTS -o /tmp/rec6/bg1.log timeout -s INT 12 conntrack -E -o timestamp,extended,id,ktimestamp > /tmp/rec6/bg1.out 2>&1 &
BG1=$!
ip netns exec $NS strace $STRACE_OPTS -o /tmp/rec6/bg2.log timeout -s INT 12 conntrack -E expect -o timestamp > /tmp/rec6/bg2.out 2>&1 &
BG2=$!
sleep 1
ip netns exec $NS timeout 30 python3 $S/traffic.py ftpserver 21 127.0.0.1 1 > /tmp/rec6/srv.out 2>&1 &
SRV=$!; sleep 0.4
ip netns exec $NS python3 $S/traffic.py ftpclient 127.0.0.1 21 pasv-hold 4 > /tmp/rec6/c1.out 2>&1 &
C1=$!; sleep 1.5
t conntrack -L expect -o timestamp
t conntrack -I -p tcp -s 10.6.0.1 -d 10.6.0.2 --sport 1111 --dport 80 --state ESTABLISHED -t 120 -u ASSURED,SEEN_REPLY --orig-zone 4 --reply-zone 5
t conntrack -I -p udp -s 10.6.0.1 -d 10.6.0.3 --sport 2222 --dport 53 -t 60 --zone 7 -m 9
t conntrack -I -p icmp -s 10.6.0.1 -d 10.6.0.4 --icmp-type 8 --icmp-code 0 --icmp-id 5 -t 30
t conntrack -L -o timestamp
t conntrack -L -o extended,id,ktimestamp
t conntrack -L -o ktimestamp,id -p tcp --dport 21
t conntrack -G -p udp -s 10.6.0.1 -d 10.6.0.3 --sport 2222 --dport 53 --zone 7 -o extended,id
wait $C1
sleep 1
t conntrack -D -p udp
t conntrack -D -p icmp -o id
wait $SRV
wait $BG1; echo "[exit status $?]" > /tmp/rec6/bg1.rc
wait $BG2; echo "[exit status $?]" > /tmp/rec6/bg2.rc
{
echo '# traced in the background during the whole run (started before the traffic):'
echo '$ timeout -s INT 12 conntrack -E -o timestamp,extended,id,ktimestamp   (background)'
cat /tmp/rec6/bg1.out /tmp/rec6/bg1.rc
echo '$ timeout -s INT 12 conntrack -E expect -o timestamp   (background)'
cat /tmp/rec6/bg2.out /tmp/rec6/bg2.rc
echo '# traffic (not traced): python3 scripts/traffic.py ftpserver 21 127.0.0.1 1, ftpclient pasv-hold 4 (the first traced commands ran during its pause)'
cat /tmp/rec6/c1.out /tmp/rec6/srv.out
} >> $TXT
ip netns del $NS
cat /tmp/rec6/bg1.log /tmp/rec6/bg2.log $LOG > /tmp/rec6/all.log
python3 $S/strace2pcap.py /tmp/rec6/all.log -o $OUT/ct_output.pcap --stats
python3 $S/strace2pcap.py /tmp/rec6/all.log -o $OUT/ct_output.pcapng --pcapng --comments
