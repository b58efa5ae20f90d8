#!/usr/bin/env python3
"""rawproto.py - hand-built SCTP / GRE / DCCP-numbered packets over raw IPv4 sockets on
loopback, so conntrack tracks them although this kernel has no SCTP socket support
(CONFIG_IP_SCTP is not set; conntrack's SCTP tracker is built in).

  rawproto.py sctp   a full SCTP association 127.0.0.1:5000 -> 127.0.0.1:6000:
                     INIT, INIT-ACK, COOKIE-ECHO, COOKIE-ACK, DATA, SACK, SHUTDOWN,
                     SHUTDOWN-ACK, SHUTDOWN-COMPLETE (valid CRC32c, vtags 0x11223344 /
                     0x55667788)
  rawproto.py sctp-open  127.0.0.1:5001 -> :6001, vtags 0xaabbccdd / 0x01020304, stops
                     after DATA + SACK (entry stays ESTABLISHED)
  rawproto.py gre    two GRE packets with key 0x1234 (one each way) 127.0.0.1 <-> 127.0.0.2
  rawproto.py proto33  one IPv4 packet with protocol 33 (DCCP number; no DCCP tracker in
                     this kernel, so conntrack uses the generic tracker)

Only 127.0.0.0/8 addresses are used. A raw socket on the protocol stays open as the
receiver so that the kernel does not answer with ICMP protocol-unreachable.
"""
import socket
import struct
import sys
import time

# CRC32c (Castagnoli), reflected polynomial 0x82F63B78
_T = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    _T.append(c)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _T[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def chunk(ctype, flags, body):
    ln = 4 + len(body)
    return struct.pack(">BBH", ctype, flags, ln) + body + b"\0" * ((-ln) % 4)


def sctp(sport, dport, vtag, chunks):
    hdr = struct.pack(">HHII", sport, dport, vtag, 0)
    pkt = hdr + b"".join(chunks)
    csum = crc32c(pkt)
    # the checksum is stored little-endian (RFC 4960 appendix B / Linux sctp_compute_cksum)
    return pkt[:8] + struct.pack("<I", csum) + pkt[12:]


def do_sctp(sp=5000, dp=6000, A=0x11223344, B=0x55667788, stop=None):
    # A, B: initiate tags of client (A) and server (B); stop: last step to send
    tsn_a, tsn_b = 1000, 5000
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_SCTP)
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_SCTP)  # sink
    dst = ("127.0.0.1", 0)
    cookie = b"nfct-decode-cookie-0123456789ab"  # 31 bytes, padded
    cookie_param = struct.pack(">HH", 7, 4 + len(cookie)) + cookie + b"\0" * ((-len(cookie)) % 4)
    c2s = lambda vt, ch: s.sendto(sctp(sp, dp, vt, ch), dst)
    s2c = lambda vt, ch: s.sendto(sctp(dp, sp, vt, ch), dst)
    steps = [
        ("INIT", lambda: c2s(0, [chunk(1, 0, struct.pack(">IIHHI", A, 65536, 10, 10, tsn_a))])),
        ("INIT-ACK", lambda: s2c(A, [chunk(2, 0, struct.pack(">IIHHI", B, 65536, 10, 10, tsn_b) + cookie_param)])),
        ("COOKIE-ECHO", lambda: c2s(B, [chunk(10, 0, cookie)])),
        ("COOKIE-ACK", lambda: s2c(A, [chunk(11, 0, b"")])),
        ("DATA", lambda: c2s(B, [chunk(0, 3, struct.pack(">IHHI", tsn_a, 0, 0, 0) + b"hello sctp")])),
        ("SACK", lambda: s2c(A, [chunk(3, 0, struct.pack(">IIHH", tsn_a, 65536, 0, 0))])),
        ("HEARTBEAT", lambda: c2s(B, [chunk(4, 0, struct.pack(">HH", 1, 12) + b"hbinfo\0\0")])),
        ("HEARTBEAT-ACK", lambda: s2c(A, [chunk(5, 0, struct.pack(">HH", 1, 12) + b"hbinfo\0\0")])),
        ("SHUTDOWN", lambda: c2s(B, [chunk(7, 0, struct.pack(">I", tsn_b))])),
        ("SHUTDOWN-ACK", lambda: s2c(A, [chunk(8, 0, b"")])),
        ("SHUTDOWN-COMPLETE", lambda: c2s(B, [chunk(14, 0, b"")])),
    ]
    for name, fn in steps:
        n = fn()
        print("sent %-18s %d bytes" % (name, n))
        time.sleep(0.2)
        if name == stop:
            break
    r.close()
    s.close()


def do_gre():
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
    # GRE header: flags K bit (0x2000), version 0, protocol 0x0800, key
    payload = b"\x45" + b"\0" * 19  # dummy inner bytes
    pkt = struct.pack(">HHI", 0x2000, 0x0800, 0x1234) + payload
    s.bind(("127.0.0.1", 0))
    print("sent GRE", s.sendto(pkt, ("127.0.0.2", 0)), "bytes 127.0.0.1 -> 127.0.0.2")
    time.sleep(0.2)
    s2 = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
    s2.bind(("127.0.0.2", 0))
    print("sent GRE", s2.sendto(pkt, ("127.0.0.1", 0)), "bytes 127.0.0.2 -> 127.0.0.1")
    time.sleep(0.2)
    r.close(); s.close(); s2.close()


def do_proto33():
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 33)
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, 33)
    # a DCCP-Request-looking header; the kernel has no DCCP tracker, content is not parsed
    pkt = struct.pack(">HHBBHHBBI", 7000, 7001, 4, 0x10, 0, 0x0300, 0, 0, 1) + b"\0" * 8
    print("sent proto33", s.sendto(pkt, ("127.0.0.1", 0)), "bytes")
    time.sleep(0.2)
    r.close(); s.close()


if __name__ == "__main__":
    if sys.argv[1] == "sctp-open":   # second association, left ESTABLISHED after DATA/SACK
        do_sctp(5001, 6001, 0xAABBCCDD, 0x01020304, stop="SACK")
    else:
        {"sctp": do_sctp, "gre": do_gre, "proto33": do_proto33}[sys.argv[1]]()
