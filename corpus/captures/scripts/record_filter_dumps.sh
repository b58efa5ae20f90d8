#!/bin/bash
# Records filter_dumps.pcap (netns nfctrec; entries inserted over ctnetlink, no traffic).
S=$(cd "$(dirname "$0")" && pwd)
mkdir -p /tmp/rec
OUT=$S/..
TXT=$OUT/filter_dumps.txt; LOG=/tmp/rec/fd.log
rm -f $TXT $LOG
. $S/rec.sh
u sysctl -w net.netfilter.nf_conntrack_acct=1 net.netfilter.nf_conntrack_timestamp=1
u conntrack -F
u conntrack -I -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 40000 --dport 80 --state ESTABLISHED -t 300 -u ASSURED,SEEN_REPLY -m 5
u conntrack -I -p tcp -s 10.0.0.1 -d 10.0.0.3 --sport 40001 --dport 443 --state SYN_SENT -t 60 -m 0x105 --zone 3
u conntrack -I -p udp -s 10.0.0.9 -d 10.0.1.1 --sport 5353 --dport 53 -t 30 -m 0x205
u conntrack -I -p udp -s 10.0.1.5 -d 10.0.0.1 --sport 40000 --dport 53 -t 30 -m 6
u conntrack -I -p tcp -s fd00::1 -d fd00::2 --sport 50000 --dport 80 --state ESTABLISHED -t 200 -u SEEN_REPLY
u conntrack -I -p icmp -s 10.0.0.1 -d 10.0.0.4 --icmp-type 8 --icmp-code 0 --icmp-id 77 -t 25
u conntrack -I -p tcp -s 192.168.5.5 -d 10.0.0.1 --sport 40000 --dport 22 --state TIME_WAIT -t 50 -u ASSURED
t conntrack -L -p tcp --sport 40000
t conntrack -L --orig-src 10.0.0.1
t conntrack -L -s 10.0.0.0/24
t conntrack -L -d 10.0.0.1 -p udp
t conntrack -L -r 10.0.0.1
t conntrack -L -f ipv6
t conntrack -L -f ipv4 -p icmp
t conntrack -L -z
t conntrack -L -o extended
t conntrack -L -m 5/0xff
t conntrack -L -m 0x105
t conntrack -L -u ASSURED
t conntrack -L -u SEEN_REPLY,ASSURED
t conntrack -L -w 3
t conntrack -L -p udp --dport 53 -m 6
python3 $S/strace2pcap.py $LOG -o $OUT/filter_dumps.pcap --stats
