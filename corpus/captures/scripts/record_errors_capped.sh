#!/bin/bash
# Records errors_capped.pcap (+ .pcapng) in a scratch netns nfctcap (created and deleted here).
S=$(cd "$(dirname "$0")" && pwd)
OUT=$S/..
NS=nfctcap
TXT=$OUT/errors_capped.txt; LOG=/tmp/rec2/capped.log
mkdir -p /tmp/rec2; rm -f $TXT $LOG
ip netns add $NS && ip -n $NS link set lo up || exit 1
. $S/rec.sh
cd $OUT
u sysctl -w net.netfilter.nf_conntrack_acct=1 net.netfilter.nf_conntrack_timestamp=1
u conntrack -F
t python3 errors_capped.py
u conntrack -L
ip netns del $NS
# --family all: (c3) is NETLINK_ROUTE, (c4) NETLINK_GENERIC
python3 $S/strace2pcap.py $LOG -o $OUT/errors_capped.pcap --family all --stats
python3 $S/strace2pcap.py $LOG -o $OUT/errors_capped.pcapng --family all --pcapng --comments
