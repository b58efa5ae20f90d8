#!/bin/bash
# B.5 host/ct_xml: conntrack 1.4.7 XML output (-o xml, xml,id, xml,extended, xml,timestamp,
# xml,labels, -L expect -o xml, -E -o xml / xml,id / xml,timestamp, -E expect -o xml) while entries
# are created / updated / deleted (tcp with state, udp, icmp, IPv6, SCTP with vtags, marks, zones,
# labels, NAT) and a real FTP session through the kernel ftp helper runs on loopback.
# Scratch netns recxml (sysctls nf_conntrack_acct / nf_conntrack_timestamp set in it only).
# Label names: /etc/xtables/connlabel.conf (the path libnetfilter_conntrack 1.0.9 reads) and
# /etc/connlabel.conf (nft) are created for the run if missing and removed afterwards.
set -u
S=$(cd "$(dirname "$0")" && pwd)                    # corpus/captures/scripts/recordings
REPO=$(cd "$S/../../../.." && pwd); OUT=$REPO/corpus/captures/more
NS=recxml; T=${TMPDIR:-/tmp}/rec-xml; TXT=$OUT/ct_xml.txt
rm -rf $T; mkdir -p $T; : > $TXT
MADE_LBL=""
if [ ! -e /etc/xtables/connlabel.conf ]; then
  mkdir -p /etc/xtables; cp $S/connlabel.conf /etc/xtables/connlabel.conf; MADE_LBL="$MADE_LBL /etc/xtables/connlabel.conf"
fi
if [ ! -e /etc/connlabel.conf ]; then cp $S/connlabel.conf /etc/connlabel.conf; MADE_LBL="$MADE_LBL /etc/connlabel.conf"; fi
ip netns add $NS; ip -n $NS link set lo up
. $S/rec.sh
. $S/ftp_nc.sh
echo "# netns $NS, kernel $(uname -r), $(conntrack --version); label names from scripts/connlabel.conf:" >> $TXT
sed 's/^/#   /' $S/connlabel.conf >> $TXT
u sysctl -w net.netfilter.nf_conntrack_acct=1 net.netfilter.nf_conntrack_timestamp=1
u nft -f $S/ct_xml.nft
echo "# (ruleset scripts/ct_xml.nft: ct label set in a regular chain so that the netns has conntrack labels, the ftp helper for port 21 and a nat postrouting chain)" >> $TXT
bgt ev-xml timeout -s INT 22 conntrack -E -o xml
B1=$BGPID
bgt ev-xmlid timeout -s INT 22 conntrack -E -o xml,id
B2=$BGPID
bgt ev-xmlts timeout -s INT 22 conntrack -E -o xml,timestamp
B3=$BGPID
bgt ev-expxml timeout -s INT 22 conntrack -E expect -o xml
B4=$BGPID
sleep 1.5
t conntrack -I -p tcp -s 198.51.100.1 -d 198.51.100.2 --sport 40001 --dport 80 --state ESTABLISHED -u ASSURED,SEEN_REPLY -t 300 -m 5 --label-add foo
t conntrack -I -p tcp -s 198.51.100.1 -d 198.51.100.2 --sport 40002 --dport 443 --state SYN_SENT -t 60
t conntrack -I -p udp -s 198.51.100.1 -d 203.0.113.53 --sport 40003 --dport 53 -t 60 --zone 3 -m 7
t conntrack -I -p icmp -s 198.51.100.1 -d 203.0.113.9 --icmp-type 8 --icmp-code 0 --icmp-id 77 -t 30
t conntrack -I -p tcp -s 2001:db8::1 -d 2001:db8::2 --sport 50000 --dport 80 --state ESTABLISHED -u ASSURED -t 200 -m 0x105
t conntrack -I -p icmpv6 -s 2001:db8::1 -d 2001:db8::2 --icmpv6-type 128 --icmpv6-code 0 --icmpv6-id 9 -t 25
t conntrack -I -p sctp -s 198.51.100.1 -d 198.51.100.5 --sport 3868 --dport 3868 --state ESTABLISHED --orig-vtag 0x11223344 --reply-vtag 0x55667788 -t 120
t conntrack -I -p tcp -s 198.51.100.3 -d 203.0.113.80 --sport 40010 --dport 80 --state ESTABLISHED -t 120 --dst-nat 198.51.100.80:8080
t conntrack -I -p udp -s 198.51.100.4 -d 203.0.113.123 --sport 40011 --dport 123 -t 120 --src-nat 203.0.113.1:50000
t conntrack -U -p tcp -s 198.51.100.1 --sport 40001 -m 6
t conntrack -U -p tcp -s 198.51.100.1 --sport 40001 --label-add bar
echo "# FTP session through the kernel ftp helper (not traced, OpenBSD nc); the listings below run while it is open" >> $TXT
ftp_start
sleep 2.4
t conntrack -L expect -o xml
ftp_data
t conntrack -L -o xml
t conntrack -L -o xml,id
t conntrack -L -o xml,extended
t conntrack -L -o xml,timestamp
t conntrack -L -o xml,labels
t conntrack -L -o xml,ktimestamp
t conntrack -L -o xml -f ipv6
t conntrack -G -p tcp -s 198.51.100.1 -d 198.51.100.2 --sport 40001 --dport 80 -o xml
ftp_wait
t conntrack -L -o extended,labels
t conntrack -D -p udp -s 198.51.100.1 -o xml
t conntrack -D -p icmp -o xml,id
t conntrack -F
bgdone ev-xml $B1
bgdone ev-xmlid $B2
bgdone ev-xmlts $B3
bgdone ev-expxml $B4
ip netns del $NS
for f in $MADE_LBL; do rm -f $f; done
[ -d /etc/xtables ] && rmdir --ignore-fail-on-non-empty /etc/xtables
convert $OUT/ct_xml
