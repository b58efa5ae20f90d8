#!/bin/sh
# run under strace -f: one capture with several netlink families
conntrack -L
ip link show
nft add table inet mixedtest
nft list ruleset
nft delete table inet mixedtest
genl ctrl list
ss -tan
