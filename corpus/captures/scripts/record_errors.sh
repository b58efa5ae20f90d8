#!/bin/bash
# Records errors_extack.pcap (netns nfctrec).
S=$(cd "$(dirname "$0")" && pwd)
mkdir -p /tmp/rec
OUT=$S/..
TXT=$OUT/errors_extack.txt; LOG=/tmp/rec/err.log
rm -f $TXT $LOG
. $S/rec.sh
u conntrack -F
u conntrack -I -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 40000 --dport 80 --state ESTABLISHED -t 300 -u ASSURED,SEEN_REPLY -m 5
u conntrack -I -p tcp -s 10.0.0.1 -d 10.0.0.3 --sport 40001 --dport 443 --state SYN_SENT -t 60 -m 0x105 --zone 3
u conntrack -I -p udp -s 10.0.1.5 -d 10.0.0.1 --sport 40000 --dport 53 -t 30 -m 6
u conntrack -I -p tcp -s 192.168.5.5 -d 10.0.0.1 --sport 40000 --dport 22 --state TIME_WAIT -t 50 -u ASSURED
u conntrack -I -p icmp -s 10.0.0.1 -d 10.0.0.4 --icmp-type 8 --icmp-code 0 --icmp-id 77 -t 25
t python3 $OUT/errors_extack.py
u conntrack -L
python3 $S/strace2pcap.py $LOG -o $OUT/errors_extack.pcap --stats
