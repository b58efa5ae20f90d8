#!/usr/bin/env python3
"""errors_extack.py - send hand-built ctnetlink requests that the kernel refuses (plus two
it accepts) on a NETLINK_NETFILTER socket with NETLINK_EXT_ACK on, and decode the replies
(errno, extended-ACK message / offset / missing-attribute TLVs, dump results).

Recorded under strace for errors_extack.pcap. Standard library only. Run as root inside a
scratch network namespace: request (i) creates one entry 10.7.7.1 -> 10.7.7.2 there.
"""
import errno
import os
import socket
import struct

NETLINK_NETFILTER = 12
SOL_NETLINK = 270
NETLINK_EXT_ACK = 11

NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK = 0x1, 0x2, 0x4
NLM_F_DUMP = 0x300
NLM_F_EXCL, NLM_F_CREATE = 0x200, 0x400
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED = 0x8000

CT_NEW, CT_GET = 0x0100, 0x0101
AF_INET, AF_INET6 = 2, 10

# CTA_* numbers (include/uapi/linux/netfilter/nfnetlink_conntrack.h)
CTA_TUPLE_ORIG, CTA_TUPLE_REPLY, CTA_STATUS, CTA_TIMEOUT = 1, 2, 3, 7
CTA_FILTER, CTA_TIMESTAMP_EVENT = 25, 27
CTA_TUPLE_IP, CTA_TUPLE_PROTO = 1, 2
CTA_IP_V4_SRC, CTA_IP_V4_DST, CTA_IP_V6_SRC, CTA_IP_V6_DST = 1, 2, 3, 4
CTA_PROTO_NUM, CTA_PROTO_SRC_PORT, CTA_PROTO_DST_PORT = 1, 2, 3
CTA_FILTER_ORIG_FLAGS, CTA_FILTER_REPLY_FLAGS = 1, 2
# kernel-internal filter flag bits (net/netfilter/nf_conntrack_netlink.c)
F_IP_SRC, F_IP_DST, F_PROTO_NUM = 1 << 0, 1 << 1, 1 << 3

EXTACK = {1: "MSG", 2: "OFFS", 3: "COOKIE", 4: "POLICY", 5: "MISS_TYPE", 6: "MISS_NEST"}


def attr(t, payload):
    ln = 4 + len(payload)
    return struct.pack("<HH", ln, t) + payload + b"\0" * ((-ln) % 4)


def nest(t, *parts):
    return attr(t | NLA_F_NESTED, b"".join(parts))


def be32(v):
    return struct.pack(">I", v)


def be16(v):
    return struct.pack(">H", v)


def tuple4(t, src, dst, proto=6, sport=None, dport=None):
    ip = []
    if src:
        ip.append(attr(CTA_IP_V4_SRC, socket.inet_aton(src)))
    if dst:
        ip.append(attr(CTA_IP_V4_DST, socket.inet_aton(dst)))
    pr = [attr(CTA_PROTO_NUM, bytes([proto]))]
    if sport is not None:
        pr.append(attr(CTA_PROTO_SRC_PORT, be16(sport)))
    if dport is not None:
        pr.append(attr(CTA_PROTO_DST_PORT, be16(dport)))
    return nest(t, nest(CTA_TUPLE_IP, *ip), nest(CTA_TUPLE_PROTO, *pr))


seq = 0x4e460000


def msg(mtype, flags, family, body, extra=b""):
    global seq
    seq += 1
    payload = struct.pack("BBH", family, 0, 0) + body
    hdr = struct.pack("<IHHII", 16 + len(payload) + len(extra), mtype, flags, seq, 0)
    return hdr + payload + extra, seq


def decode_extack(buf, off, end):
    out = []
    while off + 4 <= end:
        ln, t = struct.unpack_from("<HH", buf, off)
        if ln < 4:
            break
        v = buf[off + 4: off + ln]
        name = EXTACK.get(t & 0x3fff, str(t))
        if name == "MSG":
            out.append('msg="%s"' % v.rstrip(b"\0").decode(errors="replace"))
        elif name in ("OFFS", "MISS_TYPE") and len(v) >= 4:
            out.append("%s=%d" % (name.lower(), struct.unpack("<I", v[:4])[0]))
        else:
            out.append("%s=%s" % (name.lower(), v.hex()))
        off += (ln + 3) & ~3
    return out


def exchange(sock, label, data, myseq, describe):
    print("(%s) %s" % (label, describe))
    print("    request: %d bytes, seq %#x" % (len(data), myseq))
    sock.send(data)
    entries = 0
    while True:
        buf = sock.recv(65536)
        off = 0
        done = False
        while off + 16 <= len(buf):
            ln, typ, flags, s, pid = struct.unpack_from("<IHHII", buf, off)
            if ln < 16:
                break
            if typ == NLMSG_ERROR:
                err = struct.unpack_from("<i", buf, off + 16)[0]
                inner_len = struct.unpack_from("<I", buf, off + 20)[0]
                capped = flags & 0x100
                tlv_off = off + 20 + (16 if capped else inner_len)
                tlvs = decode_extack(buf, (tlv_off + 3) & ~3, off + ln) if flags & 0x200 else []
                if err == 0:
                    print("    reply: ACK (error 0)%s" % (" " + " ".join(tlvs) if tlvs else ""))
                else:
                    print("    reply: NLMSG_ERROR %d (%s: %s), flags %#x%s" % (
                        err, errno.errorcode.get(-err, "?"), os.strerror(-err), flags,
                        (", extack: " + " ".join(tlvs)) if tlvs else ", no extack TLVs"))
                done = True
            elif typ == NLMSG_DONE:
                st = struct.unpack_from("<i", buf, off + 16)[0] if ln >= 20 else 0
                print("    reply: %d CT NEW entries, then NLMSG_DONE (status %d), flags of DONE %#x" % (entries, st, flags))
                done = True
            else:
                entries += 1
                if flags & NLM_F_MULTI == 0:
                    print("    reply: message type %#06x flags %#x len %d" % (typ, flags, ln))
                else:
                    fam = buf[off + 16]
                    print("      entry: type %#06x flags %#x (DUMP_FILTERED=%d) family %d len %d" % (
                        typ, flags, 1 if flags & 0x20 else 0, fam, ln))
            off += (ln + 3) & ~3
        if done:
            return


def main():
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    sock.bind((0, 0))
    new_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL
    orig = tuple4(CTA_TUPLE_ORIG, "10.7.7.1", "10.7.7.2", 6, 1111, 80)
    reply = tuple4(CTA_TUPLE_REPLY, "10.7.7.2", "10.7.7.1", 6, 80, 1111)
    timeout = attr(CTA_TIMEOUT, be32(100))

    d, s = msg(CT_NEW, new_flags, AF_INET, orig + reply + attr(CTA_STATUS, b"\x00\x08") + timeout)
    exchange(sock, "a", d, s, "CT NEW, CTA_STATUS only 2 bytes (at offset 20+%d)" % (len(orig) + len(reply)))

    d, s = msg(CT_NEW, new_flags, AF_INET, orig + reply + timeout + attr(CTA_TIMESTAMP_EVENT, struct.pack(">Q", 123456789)))
    exchange(sock, "b", d, s, "CT NEW with CTA_TIMESTAMP_EVENT (8 bytes)")

    d, s = msg(CT_GET, NLM_F_REQUEST | NLM_F_DUMP, AF_INET,
               nest(CTA_FILTER, attr(CTA_FILTER_ORIG_FLAGS, struct.pack("<I", 0xffffffff))))
    exchange(sock, "c", d, s, "CT GET dump, CTA_FILTER { ORIG_FLAGS = 0xffffffff }")

    d, s = msg(CT_GET, NLM_F_REQUEST | NLM_F_ACK, AF_INET, tuple4(CTA_TUPLE_ORIG, "10.9.9.9", "10.9.9.8", 6, 1, 2))
    exchange(sock, "d", d, s, "CT GET of a missing entry 10.9.9.9:1 -> 10.9.9.8:2 tcp")

    d, s = msg(CT_NEW, new_flags, AF_INET, orig)
    exchange(sock, "e", d, s, "CT NEW with CTA_TUPLE_ORIG only (no reply tuple, no timeout)")

    bad6 = nest(CTA_TUPLE_ORIG,
                nest(CTA_TUPLE_IP, attr(CTA_IP_V6_SRC, bytes.fromhex("fd00000000000000")),
                     attr(CTA_IP_V6_DST, socket.inet_pton(socket.AF_INET6, "fd00::2"))),
                nest(CTA_TUPLE_PROTO, attr(CTA_PROTO_NUM, b"\x06"),
                     attr(CTA_PROTO_SRC_PORT, be16(1)), attr(CTA_PROTO_DST_PORT, be16(2))))
    d, s = msg(CT_NEW, new_flags, AF_INET6, bad6 + timeout)
    exchange(sock, "f", d, s, "CT NEW (AF_INET6) whose ip-v6-src is 8 bytes")

    filt = nest(CTA_FILTER, attr(CTA_FILTER_ORIG_FLAGS, struct.pack("<I", F_IP_SRC | F_PROTO_NUM)),
                attr(CTA_FILTER_REPLY_FLAGS, struct.pack("<I", 0)))
    d, s = msg(CT_GET, NLM_F_REQUEST | NLM_F_DUMP, AF_INET,
               tuple4(CTA_TUPLE_ORIG, "10.0.0.1", None, 6) + filt)
    exchange(sock, "g", d, s, "CT GET dump, accepted CTA_FILTER: orig ip-v4-src 10.0.0.1 + proto-num 6 (orig flags 0x9)")

    filt = nest(CTA_FILTER, attr(CTA_FILTER_ORIG_FLAGS, struct.pack("<I", 0)),
                attr(CTA_FILTER_REPLY_FLAGS, struct.pack("<I", F_IP_DST)))
    d, s = msg(CT_GET, NLM_F_REQUEST | NLM_F_DUMP, AF_INET,
               tuple4(CTA_TUPLE_REPLY, None, "10.0.0.1", 17) + filt)
    exchange(sock, "h", d, s, "CT GET dump, accepted CTA_FILTER: reply ip-v4-dst 10.0.0.1 (reply flags 0x2)")

    d, s = msg(CT_NEW, new_flags, AF_INET, orig + reply + timeout)
    exchange(sock, "i", d, s, "CT NEW, complete and valid (control: gets an ACK)")

    d, s = msg(CT_GET, NLM_F_REQUEST | NLM_F_ACK, AF_INET, orig, extra=b"\x07\x00")
    exchange(sock, "j", d, s, "CT GET of that entry with 2 stray bytes after the attributes")

    d, s = msg(CT_NEW, new_flags, AF_INET, orig + reply + timeout + attr(CTA_STATUS, be32(0)) + attr(99, b"\x01\x02\x03\x04"))
    exchange(sock, "k", d, s, "CT NEW of the same entry again, with an unknown attribute 99 (EEXIST expected)")
    sock.close()


if __name__ == "__main__":
    main()
