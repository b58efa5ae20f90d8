#!/bin/bash
# B.2 host/conntrackd_stats: conntrackd 1.4.7 in stats mode (scripts/conntrackd-stats.conf), run in
# the foreground under strace (background job), while entries are created (conntrack -I, not
# traced) and a TCP connection runs on loopback (OpenBSD nc); client commands -s / -i / -i -x /
# -R / -f / -F / -k traced (they talk to the daemon over its UNIX socket; only the daemon's own
# netlink traffic lands in the pcap). Scratch netns recctd, created and deleted here.
set -u
S=$(cd "$(dirname "$0")" && pwd)                    # corpus/captures/scripts/recordings
REPO=$(cd "$S/../../../.." && pwd); OUT=$REPO/corpus/captures/more
NS=recctd; T=/tmp/rec-ctd; TXT=$OUT/conntrackd_stats.txt   # T fixed: conntrackd-stats.conf names /tmp/rec-ctd
C=$S/conntrackd-stats.conf
rm -rf $T; mkdir -p $T; : > $TXT
ip netns add $NS; ip -n $NS link set lo up
. $S/rec.sh
echo "# netns $NS, kernel $(uname -r), $(conntrackd -v 2>&1 | head -1); config scripts/conntrackd-stats.conf:" >> $TXT
sed 's/^/#   /' $C >> $TXT
u sysctl -w net.netfilter.nf_conntrack_acct=1
u nft -f $S/track.nft
u conntrack -I -p tcp -s 198.51.100.1 -d 198.51.100.2 --sport 40001 --dport 80 --state ESTABLISHED -u ASSURED,SEEN_REPLY -t 300 -m 5
u conntrack -I -p udp -s 198.51.100.1 -d 203.0.113.53 --sport 40003 --dport 53 -t 60
bgt ctd timeout -s INT 30 conntrackd -C $C
CTD=$BGPID
sleep 2
echo "# (the daemon dumped the table at start-up and listens to events)" >> $TXT
u conntrack -I -p icmp -s 198.51.100.1 -d 203.0.113.9 --icmp-type 8 --icmp-code 0 --icmp-id 77 -t 30
u conntrack -I -p tcp -s 2001:db8::1 -d 2001:db8::2 --sport 50000 --dport 443 --state ESTABLISHED -t 200
ip netns exec $NS timeout 5 nc -l 127.0.0.1 8080 </dev/null > /dev/null 2>&1 & SRV=$!
sleep 0.3
ush 'echo hello | timeout 3 nc -N 127.0.0.1 8080'
wait $SRV
u conntrack -D -p udp
sleep 0.5
t conntrackd -C $C -s
t conntrackd -C $C -s cache
t conntrackd -C $C -s runtime
t conntrackd -C $C -i
t conntrackd -C $C -i ct -x
t conntrackd -C $C -R
sleep 0.5
t conntrackd -C $C -i
t conntrackd -C $C -f internal
t conntrackd -C $C -F
sleep 0.5
t conntrackd -C $C -s
t conntrackd -C $C -k
bgdone ctd $CTD
{
echo "# --- daemon log ($T/conntrackd.log):"
cat $T/conntrackd.log
echo "# --- stats flow log ($T/conntrackd-stats.log):"
cat $T/conntrackd-stats.log
} >> $TXT 2>&1
u conntrack -L
ip netns del $NS
convert $OUT/conntrackd_stats
