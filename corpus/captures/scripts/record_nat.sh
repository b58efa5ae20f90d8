#!/bin/bash
# Records nat.pcap. Needs netns nfctrec/nfctpeer/nfctcli set up as in RECORDED.md.
S=$(cd "$(dirname "$0")" && pwd)
mkdir -p /tmp/rec
OUT=$S/..
TXT=$OUT/nat.txt; LOG=/tmp/rec/nat.log; BGLOG=/tmp/rec/nat_bg.log
rm -f $TXT $LOG $BGLOG
. $S/rec.sh
u sysctl -w net.ipv4.ip_forward=1 net.netfilter.nf_conntrack_acct=1 net.netfilter.nf_conntrack_timestamp=1
u conntrack -F
u nft flush ruleset
u nft -f $S/nat.nft
echo '$ timeout -s INT 12 conntrack -E   (background)' >> $TXT
ip netns exec nfctrec strace $STRACE_OPTS -o $BGLOG timeout -s INT 12 conntrack -E > /tmp/rec/nat_bg.out 2>&1 &
BG=$!
sleep 1
{
echo "# traffic (not traced): masqueraded TCP nfctcli -> nfctpeer:9000, DNAT nfctpeer -> 10.99.0.1:8080 -> nfctcli:80, active FTP through the ftp helper + NAT"
ip netns exec nfctpeer timeout 10 python3 $S/traffic.py tcpserver 9000 & SRV=$!; sleep 0.4
ip netns exec nfctcli python3 $S/traffic.py tcpclient 10.99.0.2 9000; wait $SRV
ip netns exec nfctcli timeout 10 python3 $S/traffic.py tcpserver 80 & SRV=$!; sleep 0.4
ip netns exec nfctpeer python3 $S/traffic.py tcpclient 10.99.0.1 8080; wait $SRV
ip netns exec nfctpeer timeout 10 python3 $S/traffic.py ftpserver 21 & SRV=$!; sleep 0.4
ip netns exec nfctcli python3 $S/traffic.py ftpclient 10.99.0.2 21 active; wait $SRV
} > /tmp/rec/nat_traffic.out 2>&1
wait $BG; echo "[exit status $?]" > /tmp/rec/nat_bg.rc
cat /tmp/rec/nat_bg.out >> $TXT; cat /tmp/rec/nat_bg.rc >> $TXT
cat /tmp/rec/nat_traffic.out >> $TXT
t conntrack -I -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 1000 --dport 80 --state ESTABLISHED -t 100 --dst-nat 192.168.9.9:8080
t conntrack -I -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 1001 --dport 80 --state ESTABLISHED -t 100 --src-nat 172.16.0.1:5000
t conntrack -I -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 1002 --dport 80 --state ESTABLISHED -t 100 --src-nat 172.16.0.1 --dst-nat 192.168.9.9
t conntrack -I -p udp -s 10.0.0.1 -d 10.0.0.2 --sport 1003 --dport 53 -r 10.0.0.7 -q 10.0.0.1 --reply-port-src 53 --reply-port-dst 1003 -t 100
t conntrack -I -p tcp -s fd00::1 -d fd00::2 --sport 1004 --dport 80 --state ESTABLISHED -t 100 --dst-nat [fd00::9]:8080
t conntrack -L
t conntrack -L -o extended
t conntrack -L -o id
FTPPORT=$(ip netns exec nfctrec conntrack -L -p tcp --dport 21 2>/dev/null | sed -n 's/.*sport=\([0-9]*\) dport=21 .*/\1/p' | head -1)
t conntrack -G -p tcp -s 192.168.100.200 -d 10.99.0.2 --sport $FTPPORT --dport 21
t conntrack -G -p tcp -s 10.99.0.2 -d 10.99.0.1 --sport 20 --dport $(ip netns exec nfctrec conntrack -L -p tcp --sport 20 2>/dev/null | sed -n 's/.*sport=20 dport=\([0-9]*\) .*/\1/p' | head -1)
t conntrack -G -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 1000 --dport 80
t conntrack -L --src-nat
t conntrack -L --dst-nat
t conntrack -L --src-nat 10.99.0.1
t conntrack -L --dst-nat 192.168.100.200
t conntrack -L -j 172.16.0.1
cat $BGLOG $LOG > /tmp/rec/nat_all.log
python3 $S/strace2pcap.py /tmp/rec/nat_all.log -o $OUT/nat.pcap --stats
