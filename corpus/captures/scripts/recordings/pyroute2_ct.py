#!/usr/bin/env python3
"""pyroute2_ct.py - exercise pyroute2's conntrack API (pyroute2.Conntrack / NFCTSocket) and print
what pyroute2 returns. Run inside a scratch network namespace (nfct-decode recordings); only
creates entries with documentation addresses (198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32),
no traffic is sent."""
import socket
import sys

import pyroute2
from pyroute2 import Conntrack, NFCTSocket
from pyroute2.netlink.exceptions import NetlinkError
from pyroute2.netlink.nfnetlink.nfctsocket import NFCTAttrTuple

IPS_SEEN_REPLY, IPS_ASSURED, IPS_CONFIRMED = 0x2, 0x4, 0x8


def hdr(msg):
    h = msg['header']
    return 'type=0x%04x flags=0x%04x seq=%d pid=%d' % (h['type'], h['flags'], h['sequence_number'], h['pid'])


def show(msg, indent='    '):
    """the message header and pyroute2's decoded attribute list"""
    print(indent + hdr(msg) + ' nfgen_family=%s res_id=%s' % (msg.get('nfgen_family'), msg.get('res_id')))
    for name, value in msg['attrs']:
        print(indent + '  %s: %s' % (name, value))


def step(title):
    print()
    print('### ' + title)


def call(title, fn):
    step(title)
    try:
        res = fn()
        return res
    except NetlinkError as e:
        print('    NetlinkError: code=%d (%s)' % (e.code, e))
        return None


TCP = NFCTAttrTuple(saddr='198.51.100.1', daddr='198.51.100.2', proto=6, sport=40001, dport=80)
UDP = NFCTAttrTuple(saddr='198.51.100.1', daddr='203.0.113.53', proto=17, sport=40002, dport=53)
ICMP = NFCTAttrTuple(saddr='198.51.100.1', daddr='203.0.113.9', proto=1, icmp_id=77, icmp_type=8, icmp_code=0)
UDP6 = NFCTAttrTuple(family=socket.AF_INET6, saddr='2001:db8::1', daddr='2001:db8::2', proto=17,
                     sport=40003, dport=123)

print('pyroute2', pyroute2.__version__, 'python', sys.version.split()[0])
ct = Conntrack()

step('count() / conntrack_max_size() / stat()')
print('    count:', ct.count())
print('    conntrack_max_size:', ct.conntrack_max_size())
for s in ct.stat():
    print('    stat:', s)

r = call("entry('add') tcp with status=SEEN_REPLY|ASSURED (0x6) only (expect a refusal)",
         lambda: ct.entry('add', timeout=300, status=IPS_SEEN_REPLY | IPS_ASSURED,
                          tuple_orig=TCP, tuple_reply=TCP.reverse()))
r = call("entry('add') tcp ESTABLISHED 198.51.100.1:40001 -> 198.51.100.2:80, timeout 300, mark 5, status CONFIRMED|SEEN_REPLY|ASSURED (0xe)",
         lambda: ct.entry('add', timeout=300, mark=5, status=IPS_CONFIRMED | IPS_SEEN_REPLY | IPS_ASSURED,
                          tuple_orig=TCP, tuple_reply=TCP.reverse(),
                          protoinfo={'attrs': [['CTA_PROTOINFO_TCP',
                                                {'attrs': [['CTA_PROTOINFO_TCP_STATE', 3]]}]]}))
if r is not None:
    show(r)
r = call("entry('add') udp 198.51.100.1:40002 -> 203.0.113.53:53, timeout 60, mark 7, zone 3",
         lambda: ct.entry('add', timeout=60, mark=7, zone=3, tuple_orig=UDP, tuple_reply=UDP.reverse()))
if r is not None:
    show(r)
r = call("entry('add') icmp echo 198.51.100.1 -> 203.0.113.9 id 77, timeout 30, mark 7",
         lambda: ct.entry('add', timeout=30, mark=7, tuple_orig=ICMP,
                          tuple_reply=NFCTAttrTuple(saddr='203.0.113.9', daddr='198.51.100.1', proto=1,
                                                    icmp_id=77, icmp_type=0, icmp_code=0)))
if r is not None:
    show(r)
r = call("entry('add') the same tcp entry again (expect EEXIST)",
         lambda: ct.entry('add', timeout=300, tuple_orig=TCP, tuple_reply=TCP.reverse()))
if r is not None:
    show(r)

ct6 = Conntrack(nfgen_family=socket.AF_INET6)
r = call("Conntrack(nfgen_family=AF_INET6).entry('add') udp [2001:db8::1]:40003 -> [2001:db8::2]:123, timeout 90",
         lambda: ct6.entry('add', timeout=90, tuple_orig=UDP6, tuple_reply=UDP6.reverse()))
if r is not None:
    show(r)

step('dump_entries() (AF_INET)')
for e in ct.dump_entries():
    print('   ', e, 'timeout=%s mark=%s id=%s use=%s' % (e.timeout, e.mark, e.id, e.use))

step('dump_entries() (AF_INET6 socket)')
for e in ct6.dump_entries():
    print('   ', e, 'timeout=%s mark=%s' % (e.timeout, e.mark))

step('dump_entries(mark=7)  (CTA_MARK + CTA_MARK_MASK in the request)')
for e in ct.dump_entries(mark=7):
    print('   ', e, 'mark=%s' % e.mark)

step('dump_entries(tuple_orig=NFCTAttrTuple(proto=6))  (CTA_FILTER in the request)')
for e in ct.dump_entries(tuple_orig=NFCTAttrTuple(proto=6)):
    print('   ', e)

step('dump_entries(tuple_orig=NFCTAttrTuple(saddr=198.51.100.1, proto=17, dport=53))')
for e in ct.dump_entries(tuple_orig=NFCTAttrTuple(saddr='198.51.100.1', proto=17, dport=53)):
    print('   ', e)

step('NFCTSocket().dump(status=ASSURED, status_mask=ASSURED)  (raw messages)')
with NFCTSocket() as s:
    for m in s.dump(status=IPS_ASSURED, status_mask=IPS_ASSURED):
        show(m)

step('NFCTSocket().dump()  (raw messages)')
with NFCTSocket() as s:
    for m in s.dump():
        show(m)

r = call("entry('get') tcp", lambda: ct.entry('get', tuple_orig=TCP))
if r is not None:
    show(r)
r = call("entry('set') tcp mark=9", lambda: ct.entry('set', mark=9, tuple_orig=TCP))
if r is not None:
    show(r)
r = call("entry('get') tcp (after set)", lambda: ct.entry('get', tuple_orig=TCP))
if r is not None:
    show(r)
r = call("entry('get') missing entry (expect ENOENT)",
         lambda: ct.entry('get', tuple_orig=NFCTAttrTuple(saddr='198.51.100.99', daddr='198.51.100.2',
                                                          proto=6, sport=1, dport=2)))
r = call("delete(tcp tuple)", lambda: ct.delete(TCP))
print('    returned: %r' % (r,))
r = call("delete(tcp tuple) again (expect ENOENT)", lambda: ct.delete(TCP))
print('    returned: %r' % (r,))

step('flush(mark=7)')
with NFCTSocket() as s:
    try:
        for m in s.flush(mark=7, mark_mask=0xffffffff):
            show(m)
    except NetlinkError as e:
        print('    NetlinkError: code=%d (%s)' % (e.code, e))
print('    count after flush(mark=7):', ct.count())
for e in ct.dump_entries():
    print('   ', e)
for e in ct6.dump_entries():
    print('   ', e)

step('flush() (AF_INET6 socket, then AF_INET)')
with NFCTSocket(nfgen_family=socket.AF_INET6) as s:
    for m in s.flush():
        show(m)
with NFCTSocket() as s:
    for m in s.flush():
        show(m)
print('    count:', ct.count())
ct.close()
ct6.close()
