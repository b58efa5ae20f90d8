#!/bin/bash
# B.4 host/nft_ctobj_host: nft 1.0.6 ct helper / ct timeout / ct expectation objects (as in the
# VM's nft_ctobj scenario) under strace, in the scratch netns recnft (loopback traffic with
# OpenBSD nc; created and deleted here).
set -u
S=$(cd "$(dirname "$0")" && pwd)                    # corpus/captures/scripts/recordings
REPO=$(cd "$S/../../../.." && pwd); OUT=$REPO/corpus/captures/more
NS=recnft; T=${TMPDIR:-/tmp}/rec-nft; TXT=$OUT/nft_ctobj_host.txt
rm -rf $T; mkdir -p $T; : > $TXT
ip netns add $NS; ip -n $NS link set lo up
. $S/rec.sh
echo "# netns $NS, kernel $(uname -r), $(nft --version); NFT_MSG_NEWOBJ types 3 ct helper, 7 ct timeout, 9 ct expectation" >> $TXT
ip netns exec $NS timeout 15 nc -l -k 127.0.0.1 8080 </dev/null >/dev/null 2>&1 & S1=$!
ip netns exec $NS timeout 15 nc -l 127.0.0.1 9999 </dev/null >/dev/null 2>&1 & S2=$!
sleep 0.3
t nft add table inet ctobj
t nft add ct helper inet ctobj ftp-std '{ type "ftp" protocol tcp; l3proto inet; }'
t nft add ct helper inet ctobj ftp6 '{ type "ftp" protocol tcp; l3proto ip6; }'
t nft add ct helper inet ctobj nosuch '{ type "nosuch" protocol tcp; }'
t nft add ct timeout inet ctobj tcp-short '{ protocol tcp; l3proto ip; policy = { established: 120, close: 10, syn_sent: 7 }; }'
t nft add ct timeout inet ctobj udp-t '{ protocol udp; l3proto ip6; policy = { unreplied: 15, replied: 60 }; }'
t nft add ct expectation inet ctobj exp1 '{ protocol tcp; dport 2121; timeout 1m; size 12; l3proto ip; }'
t nft add ct expectation inet ctobj exp-udp '{ protocol udp; dport 5060; timeout 30s; size 4; l3proto ip6; }'
t nft add counter inet ctobj cnt
t nft add chain inet ctobj out '{ type filter hook output priority 0; policy accept; }'
t nft add rule inet ctobj out tcp dport 21 ct helper set '"ftp-std"'
t nft add rule inet ctobj out tcp dport 8080 ct timeout set '"tcp-short"' counter name '"cnt"'
t nft add rule inet ctobj out meta nfproto ipv6 meta l4proto udp ct timeout set '"udp-t"'
t nft add rule inet ctobj out ct state new tcp dport 9999 ct expectation set '"exp1"'
t nft list ct helpers table inet ctobj
t nft list ct helper inet ctobj ftp-std
t nft list ct timeout inet ctobj tcp-short
t nft list ct expectation inet ctobj exp1
t nft -a list table inet ctobj
echo "# traffic (not traced, OpenBSD nc): TCP 127.0.0.1 -> 127.0.0.1:8080 (ct timeout tcp-short) and -> :9999 (ct expectation exp1)" >> $TXT
echo hi | ip netns exec $NS timeout 3 nc -N 127.0.0.1 8080 >/dev/null 2>&1
echo hi | ip netns exec $NS timeout 3 nc -N 127.0.0.1 9999 >/dev/null 2>&1
sleep 0.3
t conntrack -L
t conntrack -L expect
t nft list counter inet ctobj cnt
t nft reset counter inet ctobj cnt
t nft list counter inet ctobj cnt
echo "# refused: object still referenced by a rule" >> $TXT
t nft delete ct helper inet ctobj ftp-std
t nft flush chain inet ctobj out
t nft delete ct helper inet ctobj ftp-std
t nft delete ct timeout inet ctobj tcp-short
t nft delete ct expectation inet ctobj exp1
t nft delete ct timeout inet ctobj no-such
t nft list table inet ctobj
t nft delete table inet ctobj
kill $S1 $S2 2>/dev/null; wait $S1 $S2 2>/dev/null
ip netns del $NS
convert $OUT/nft_ctobj_host
