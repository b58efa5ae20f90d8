#!/bin/bash
# B.3 host/nfct_timeout_host + host/nfct_helper_host: nfct 1.4.7 cttimeout commands (as in the VM's
# cttimeout scenario) and cthelper commands (this kernel has no nfnetlink_cthelper: refusals),
# under strace, in the scratch netns recnfct (created and deleted here).
set -u
S=$(cd "$(dirname "$0")" && pwd)                    # corpus/captures/scripts/recordings
REPO=$(cd "$S/../../../.." && pwd); OUT=$REPO/corpus/captures/more
NS=recnfct
ip netns add $NS; ip -n $NS link set lo up
. $S/rec.sh

T=${TMPDIR:-/tmp}/rec-nfct-t; TXT=$OUT/nfct_timeout_host.txt; rm -rf $T; mkdir -p $T; : > $TXT
echo "# netns $NS, kernel $(uname -r) (CONFIG_NF_CT_NETLINK_TIMEOUT=y, no DCCP conntrack), $(nfct list version 2>&1 | head -1 | cut -d: -f1)" >> $TXT
t nfct list timeout
t nfct add timeout tcp-pol inet tcp established 100 syn_sent 20 close 10 time_wait 30 fin_wait 40
t nfct add timeout tcp6-pol inet6 tcp established 500 close_wait 50
t nfct add timeout udp-pol inet udp unreplied 10 replied 20
t nfct add timeout udplite-pol inet udplite unreplied 11 replied 21
t nfct add timeout icmp-pol inet icmp timeout 15
t nfct add timeout icmpv6-pol inet6 icmpv6 timeout 16
t nfct add timeout sctp-pol inet sctp established 200 cookie_wait 4 shutdown_sent 5 shutdown_ack_sent 9
t nfct add timeout dccp-pol inet dccp request 6 respond 7 open 300 closing 8
t nfct add timeout gre-pol inet gre unreplied 12 replied 90
t nfct add timeout generic-pol inet generic timeout 120
echo "# refused by nfct itself (state name unknown for udp, nothing sent):" >> $TXT
t nfct add timeout bad-pol inet udp established 5
echo "# same name again (nfct sends NLM_F_CREATE without NLM_F_REPLACE):" >> $TXT
t nfct add timeout udp-pol inet udp unreplied 33
echo "# same name, other protocol:" >> $TXT
t nfct add timeout udp-pol inet tcp established 7
t nfct list timeout
t nfct get timeout tcp-pol
t nfct get timeout sctp-pol
t nfct get timeout no-such-pol
t nfct delete timeout gre-pol
t nfct delete timeout gre-pol
for p in "inet tcp" "inet6 tcp" "inet udp" "inet udplite" "inet icmp" "inet6 icmpv6" "inet sctp" "inet dccp" "inet gre" "inet generic"; do
  t nfct default-get timeout $p
done
t nfct default-set timeout inet tcp established 3600 close 5
t nfct default-get timeout inet tcp
t nfct default-set timeout inet udp unreplied 25 replied 150
t nfct default-get timeout inet udp
echo "# back to the defaults (netns $NS only):" >> $TXT
t nfct default-set timeout inet tcp established 432000 close 10
t nfct default-set timeout inet udp unreplied 30 replied 120
t nfct flush timeout
t nfct list timeout
convert $OUT/nfct_timeout_host

T=${TMPDIR:-/tmp}/rec-nfct-h; TXT=$OUT/nfct_helper_host.txt; rm -rf $T; mkdir -p $T; : > $TXT
echo "# netns $NS, kernel $(uname -r): no nfnetlink_cthelper (CONFIG_NF_CT_NETLINK_HELPER unset), so every cthelper request is refused; $(nfct list version 2>&1 | head -1 | cut -d: -f1)" >> $TXT
t nfct list helper
t nfct add helper ftp inet tcp
t nfct get helper ftp
t nfct get helper ftp inet tcp
t nfct disable helper ftp inet tcp
t nfct delete helper ftp
t nfct flush helper
echo "# refused by nfct itself (no such helper plugin, nothing sent):" >> $TXT
t nfct add helper nosuch inet tcp
convert $OUT/nfct_helper_host
ip netns del $NS
