#!/bin/bash
# Records mixed.pcap (netns nfctrec): netfilter + route + nftables + generic + sock_diag.
S=$(cd "$(dirname "$0")" && pwd)
mkdir -p /tmp/rec
OUT=$S/..
TXT=$OUT/mixed.txt; LOG=/tmp/rec/mixed.log
rm -f $TXT $LOG
. $S/rec.sh
u conntrack -F
u nft flush ruleset
u nft -f $S/track.nft
u conntrack -I -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 40000 --dport 80 --state ESTABLISHED -t 300 -u ASSURED,SEEN_REPLY -m 5
u conntrack -I -p udp -s fd00::1 -d fd00::2 --sport 5353 --dport 53 -t 30
t sh $S/mixed.sh
python3 $S/strace2pcap.py $LOG -o $OUT/mixed.pcap --family all --stats
python3 $S/strace2pcap.py $LOG -o $OUT/mixed.pcapng --pcapng --comments --family all
