#!/bin/bash
# Namespaces used for the recordings (create before, delete after with: ip netns del nfctrec nfctpeer nfctcli)
#   nfctcli 192.168.100.200 --vcli/vlan-- nfctrec (router, NAT) 10.99.0.1 --vrec/vpeer-- nfctpeer 10.99.0.2
ip netns add nfctrec; ip netns add nfctpeer; ip netns add nfctcli
for n in nfctrec nfctpeer nfctcli; do ip -n $n link set lo up; done
ip link add vrec netns nfctrec type veth peer name vpeer netns nfctpeer
ip -n nfctrec addr add 10.99.0.1/24 dev vrec; ip -n nfctrec link set vrec up
ip -n nfctpeer addr add 10.99.0.2/24 dev vpeer; ip -n nfctpeer link set vpeer up
ip link add vcli netns nfctcli type veth peer name vlan netns nfctrec
ip -n nfctcli addr add 192.168.100.200/24 dev vcli; ip -n nfctcli link set vcli up
ip -n nfctcli route add default via 192.168.100.1
ip -n nfctrec addr add 192.168.100.1/24 dev vlan; ip -n nfctrec link set vlan up
ip netns exec nfctrec sysctl -w net.ipv4.ip_forward=1 net.netfilter.nf_conntrack_acct=1 net.netfilter.nf_conntrack_timestamp=1
