#!/bin/bash
# Records interleaved.pcap (+ .pcapng) in a scratch netns nfctcap (created and deleted here).
S=$(cd "$(dirname "$0")" && pwd)
OUT=$S/..
NS=nfctcap
TXT=$OUT/interleaved.txt; LOG=/tmp/rec2/interleaved.log
mkdir -p /tmp/rec2; rm -f $TXT $LOG
ip netns add $NS && ip -n $NS link set lo up || exit 1
. $S/rec.sh
cd $OUT
u sysctl -w net.netfilter.nf_conntrack_acct=1 net.netfilter.nf_conntrack_timestamp=1
u conntrack -F
for i in $(seq 1 20); do
  u conntrack -I -p tcp -s 10.55.0.$i -d 10.55.1.1 --sport $((30000+i)) --dport 443 --state ESTABLISHED -t 600 -u ASSURED,SEEN_REPLY
done
t python3 interleaved.py
u conntrack -L
ip netns del $NS
python3 $S/strace2pcap.py $LOG -o $OUT/interleaved.pcap --stats
python3 $S/strace2pcap.py $LOG -o $OUT/interleaved.pcapng --pcapng --comments
