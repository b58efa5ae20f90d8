#!/bin/bash
# B.2b host/conntrackd_sync: two conntrackd 1.4.7 in sync mode (FTFW over UDP on a veth pair
# between the scratch netns recsyncA 10.199.0.1 and recsyncB 10.199.0.2; nothing else on that
# link). Entries are created / updated / deleted on node A (conntrack, not traced); node A's
# daemon runs untraced; node B's daemon and the client commands on B (-e external cache, -c
# commit into B's kernel table, -i, -s, -n, -k) are traced, so the pcap holds node B's netlink
# traffic only (start-up dump, events, the CT NEW requests of the commit).
set -u
S=$(cd "$(dirname "$0")" && pwd)                    # corpus/captures/scripts/recordings
REPO=$(cd "$S/../../../.." && pwd); OUT=$REPO/corpus/captures/more
T=/tmp/rec-sync; TXT=$OUT/conntrackd_sync.txt   # T fixed: conntrackd-sync-{A,B}.conf name /tmp/rec-sync
CA=$S/conntrackd-sync-A.conf; CB=$S/conntrackd-sync-B.conf
rm -rf $T; mkdir -p $T; : > $TXT
ip netns add recsyncA; ip netns add recsyncB
ip -n recsyncA link set lo up; ip -n recsyncB link set lo up
ip link add vsa netns recsyncA type veth peer name vsb netns recsyncB
ip -n recsyncA addr add 10.199.0.1/24 dev vsa; ip -n recsyncA link set vsa up
ip -n recsyncB addr add 10.199.0.2/24 dev vsb; ip -n recsyncB link set vsb up
NS=recsyncB
. $S/rec.sh
echo "# netns recsyncA (10.199.0.1, vsa) <-> recsyncB (10.199.0.2, vsb), kernel $(uname -r), $(conntrackd -v 2>&1 | head -1)" >> $TXT
echo "# configs scripts/conntrackd-sync-A.conf and -B.conf (FTFW, UDP port 3780, ExpectationSync Off)" >> $TXT
echo "# node A (not traced): \$ conntrackd -C conntrackd-sync-A.conf   (foreground, in the background)" >> $TXT
ip netns exec recsyncA timeout -s INT 30 conntrackd -C $CA > $T/A.out 2>&1 &
CTDA=$!
bgt ctdB timeout -s INT 30 conntrackd -C $CB
CTDB=$!
sleep 2
ua() { echo "# (not traced, node A) \$ $*" >> $TXT; ip netns exec recsyncA "$@" >> $TXT 2>&1; echo "# [exit status $?]" >> $TXT; }
ua conntrack -I -p tcp -s 198.51.100.1 -d 198.51.100.2 --sport 40001 --dport 80 --state ESTABLISHED -u ASSURED,SEEN_REPLY -t 300 -m 5
ua conntrack -I -p udp -s 198.51.100.1 -d 203.0.113.53 --sport 40003 --dport 53 -t 60 -m 7
ua conntrack -I -p tcp -s 2001:db8::1 -d 2001:db8::2 --sport 50000 --dport 443 --state ESTABLISHED -u ASSURED -t 200
ua conntrack -I -p icmp -s 198.51.100.1 -d 203.0.113.9 --icmp-type 8 --icmp-code 0 --icmp-id 77 -t 30
ua conntrack -I -p sctp -s 198.51.100.1 -d 198.51.100.5 --sport 3868 --dport 3868 --state ESTABLISHED --orig-vtag 0x11223344 --reply-vtag 0x55667788 -t 120
ua conntrack -U -p tcp -s 198.51.100.1 --sport 40001 -m 6
sleep 1
echo "# node A's daemon: \$ conntrackd -C conntrackd-sync-A.conf -i  (not traced)" >> $TXT
ip netns exec recsyncA conntrackd -C $CA -i >> $TXT 2>&1
t conntrackd -C $CB -e
t conntrackd -C $CB -s network
t conntrackd -C $CB -c
sleep 1
t conntrack -L
t conntrackd -C $CB -i
ua conntrack -D -p udp -s 198.51.100.1
sleep 1
t conntrackd -C $CB -e
t conntrackd -C $CB -n
sleep 1
t conntrackd -C $CB -s
t conntrackd -C $CB -k
echo "# node A: \$ conntrackd -C conntrackd-sync-A.conf -k  (not traced)" >> $TXT
ip netns exec recsyncA conntrackd -C $CA -k >> $TXT 2>&1
bgdone ctdB $CTDB
wait $CTDA
{ echo "# --- output of node A's daemon (not traced):"; cat $T/A.out; } >> $TXT
u conntrack -L
ip netns del recsyncA; ip netns del recsyncB
convert $OUT/conntrackd_sync
