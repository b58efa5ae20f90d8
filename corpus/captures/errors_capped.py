#!/usr/bin/env python3
"""errors_capped.py - like errors_extack.py, but every socket has BOTH NETLINK_EXT_ACK (11)
and NETLINK_CAP_ACK (10) set (SOL_NETLINK 270): the kernel's NLMSG_ERROR then echoes only
the 16-byte request header (NLM_F_CAPPED 0x100) followed by the extended-ACK TLVs
(NLM_F_ACK_TLVS 0x200). Hand-built requests, distinct sequence numbers 1000, 1001, ...

For every reply the script prints errno, the echoed header, the extack TLVs, and for
NLMSGERR_ATTR_OFFS / NLMSGERR_ATTR_MISS_NEST the attribute of its own request that the
offset points to (found by walking the request bytes it sent).

No NETLINK_NETFILTER subsystem of this kernel reports a missing attribute
(NLMSGERR_ATTR_MISS_TYPE / MISS_NEST): ctnetlink, cthelper, cttimeout, nfacct, osf and
nf_tables all answer a missing required attribute with a bare -EINVAL (two of them are
sent here as (c1)/(c2) to show it). MISS_TYPE / MISS_NEST are therefore shown on a
NETLINK_ROUTE socket (c3: RTM_GETNEIGH without NDA_DST, strict checking on) and a
NETLINK_GENERIC socket (c4: ethtool STRSET_GET with a STRINGSET nest lacking its ID),
same socket options. Record with strace2pcap --family all.

Standard library only. Run as root inside a scratch network namespace: (d) creates one
conntrack entry 10.8.8.1:2222 -> 10.8.8.2:80 tcp there.
"""
import errno
import os
import socket
import struct

NETLINK_ROUTE, NETLINK_NETFILTER, NETLINK_GENERIC = 0, 12, 16
SOL_NETLINK = 270
NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK = 10, 11, 12

NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK = 0x1, 0x2, 0x4
NLM_F_EXCL, NLM_F_CREATE = 0x200, 0x400
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED = 0x8000
NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END, NFNL_SUBSYS_NFTABLES = 0x10, 0x11, 10

CT_NEW, CT_GET = 0x0100, 0x0101
CTHELPER_NEW = 0x0900
NFT_MSG_NEWTABLE = 0x0a00
RTM_GETNEIGH = 30
GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 0x10, 3, 1, 2
ETHTOOL_MSG_STRSET_GET = 1
AF_INET = 2

# CTA_* numbers (include/uapi/linux/netfilter/nfnetlink_conntrack.h)
CTA_TUPLE_ORIG, CTA_TUPLE_REPLY, CTA_STATUS, CTA_TIMEOUT, CTA_TIMESTAMP_EVENT = 1, 2, 3, 7, 27
CTA_TUPLE_IP, CTA_TUPLE_PROTO = 1, 2
CTA_IP_V4_SRC, CTA_IP_V4_DST = 1, 2
CTA_PROTO_NUM, CTA_PROTO_SRC_PORT, CTA_PROTO_DST_PORT = 1, 2, 3

# attribute-name trees used to say which attribute an offset points to: {type: (name, subtree)}
_TUPLE = {CTA_TUPLE_IP: ("CTA_TUPLE_IP", {1: ("CTA_IP_V4_SRC", None), 2: ("CTA_IP_V4_DST", None)}),
          CTA_TUPLE_PROTO: ("CTA_TUPLE_PROTO", {1: ("CTA_PROTO_NUM", None), 2: ("CTA_PROTO_SRC_PORT", None),
                                                3: ("CTA_PROTO_DST_PORT", None)})}
CT_NAMES = {CTA_TUPLE_ORIG: ("CTA_TUPLE_ORIG", _TUPLE), CTA_TUPLE_REPLY: ("CTA_TUPLE_REPLY", _TUPLE),
            CTA_STATUS: ("CTA_STATUS", None), CTA_TIMEOUT: ("CTA_TIMEOUT", None),
            CTA_TIMESTAMP_EVENT: ("CTA_TIMESTAMP_EVENT", None)}
ETHTOOL_NAMES = {1: ("ETHTOOL_A_STRSET_HEADER", {3: ("ETHTOOL_A_HEADER_FLAGS", None)}),
                 2: ("ETHTOOL_A_STRSET_STRINGSETS",
                     {1: ("ETHTOOL_A_STRINGSETS_STRINGSET",
                          {1: ("ETHTOOL_A_STRINGSET_ID", None), 2: ("ETHTOOL_A_STRINGSET_COUNT", None)})})}

EXTACK = {1: "MSG", 2: "OFFS", 3: "COOKIE", 4: "POLICY", 5: "MISS_TYPE", 6: "MISS_NEST"}
POLICY = {1: "TYPE", 2: "MIN_VALUE_S", 3: "MAX_VALUE_S", 4: "MIN_VALUE_U", 5: "MAX_VALUE_U",
          6: "MIN_LENGTH", 7: "MAX_LENGTH", 8: "POLICY_IDX", 9: "POLICY_MAXTYPE",
          10: "BITFIELD32_MASK", 12: "MASK"}
NL_ATTR_TYPE = {0: "INVALID", 1: "FLAG", 2: "U8", 3: "U16", 4: "U32", 5: "U64", 6: "S8", 7: "S16",
                8: "S32", 9: "S64", 10: "BINARY", 11: "STRING", 12: "NUL_STRING", 13: "NESTED",
                14: "NESTED_ARRAY", 15: "BITFIELD32", 16: "SINT", 17: "UINT"}


def attr(t, payload):
    ln = 4 + len(payload)
    return struct.pack("<HH", ln, t) + payload + b"\0" * ((-ln) % 4)


def nest(t, *parts):
    return attr(t | NLA_F_NESTED, b"".join(parts))


def be16(v):
    return struct.pack(">H", v)


def be32(v):
    return struct.pack(">I", v)


def tuple4(t, src, dst, proto, sport, dport):
    return nest(t, nest(CTA_TUPLE_IP, attr(CTA_IP_V4_SRC, socket.inet_aton(src)),
                        attr(CTA_IP_V4_DST, socket.inet_aton(dst))),
                nest(CTA_TUPLE_PROTO, attr(CTA_PROTO_NUM, bytes([proto])),
                     attr(CTA_PROTO_SRC_PORT, be16(sport)), attr(CTA_PROTO_DST_PORT, be16(dport))))


def nlmsg(mtype, flags, seq, fixed, body=b"", extra=b""):
    """netlink message with header `fixed` (nfgenmsg / ndmsg / genlmsghdr) and attributes `body`"""
    payload = fixed + body
    return struct.pack("<IHHII", 16 + len(payload) + len(extra), mtype, flags, seq, 0) + payload + extra


def nfgen(family, res_id=0):
    """nfgenmsg: family, version 0, res_id in network byte order (batch: subsystem 10)"""
    return struct.pack("<BB", family, 0) + struct.pack(">H", res_id)


def locate(req, hdrlen, off, names):
    """Name the attribute of request `req` that starts at byte offset `off` (from the nlmsghdr),
    walking nested attributes; hdrlen = 16 + family header length."""
    def walk(start, end, tree, path):
        pos = start
        while pos + 4 <= end:
            ln, t = struct.unpack_from("<HH", req, pos)
            if ln < 4:
                return None
            typ = t & 0x3fff
            name, sub = (tree or {}).get(typ, ("type %d" % typ, None))
            here = path + [name]
            if pos == off:
                return "%s (type %d, nla_len %d%s)" % (" > ".join(here), typ, ln,
                                                       ", NLA_F_NESTED" if t & NLA_F_NESTED else "")
            if pos < off < pos + ln and (t & NLA_F_NESTED or sub):
                r = walk(pos + 4, pos + ln, sub, here)
                if r:
                    return r
            pos += (ln + 3) & ~3
        return None
    if off < 16:
        return "inside the nlmsghdr"
    if off < hdrlen:
        return "the family header (nfgenmsg/ndmsg/genlmsghdr) at offset 16"
    return walk(hdrlen, len(req), names, []) or "no attribute starts there"


def decode_policy(v):
    out, pos = [], 0
    while pos + 4 <= len(v):
        ln, t = struct.unpack_from("<HH", v, pos)
        if ln < 4:
            break
        d = v[pos + 4: pos + ln]
        num = int.from_bytes(d, "little") if len(d) in (4, 8) else d.hex()
        name = POLICY.get(t & 0x3fff, str(t))
        out.append("%s=%s" % (name, NL_ATTR_TYPE.get(num, num) if name == "TYPE" else
                              ("%#x" % num if isinstance(num, int) else num)))
        pos += (ln + 3) & ~3
    return "{" + ", ".join(out) + "}"


def decode_error(buf, off, ln, flags, req, hdrlen, names, miss_names):
    err = struct.unpack_from("<i", buf, off + 16)[0]
    e_len, e_type, e_flags, e_seq, e_pid = struct.unpack_from("<IHHII", buf, off + 20)
    capped = bool(flags & NLM_F_CAPPED)
    what = "ACK (error 0)" if err == 0 else "NLMSG_ERROR %d (%s: %s)" % (
        err, errno.errorcode.get(-err, "?"), os.strerror(-err))
    print("    reply: %s, nlmsg_len %d, flags %#x (%s)" % (
        what, ln, flags, "|".join(n for b, n in ((NLM_F_CAPPED, "CAPPED"), (NLM_F_ACK_TLVS, "ACK_TLVS"))
                                  if flags & b) or "none"))
    print("      echoed request header: len %d type %#06x flags %#x seq %d pid %d%s" % (
        e_len, e_type, e_flags, e_seq, e_pid, " (payload not echoed: capped)" if capped else ""))
    pos = off + 20 + (16 if capped else e_len)
    if not flags & NLM_F_ACK_TLVS:
        print("      no extack TLVs")
        return err
    while pos + 4 <= off + ln:
        al, at = struct.unpack_from("<HH", buf, pos)
        if al < 4:
            break
        v = buf[pos + 4: pos + al]
        name = EXTACK.get(at & 0x3fff, str(at))
        if name == "MSG":
            print('      extack MSG       "%s"' % v.rstrip(b"\0").decode(errors="replace"))
        elif name == "OFFS":
            o = struct.unpack("<I", v[:4])[0]
            print("      extack OFFS      %d -> %s" % (o, locate(req, hdrlen, o, names)))
        elif name == "POLICY":
            print("      extack POLICY    %s" % decode_policy(v))
        elif name == "MISS_TYPE":
            t = struct.unpack("<I", v[:4])[0]
            print("      extack MISS_TYPE %d (%s)" % (t, miss_names.get(t, "?")))
        elif name == "MISS_NEST":
            o = struct.unpack("<I", v[:4])[0]
            print("      extack MISS_NEST %d -> %s" % (o, locate(req, hdrlen, o, names)))
        else:
            print("      extack %s %s" % (name, v.hex()))
        pos += (al + 3) & ~3
    return err


def exchange(sock, label, req, describe, hdrlen=20, names=CT_NAMES, miss_names=None, expect_seqs=None):
    seq = struct.unpack_from("<I", req, 8)[0]
    print("(%s) seq %d: %s" % (label, seq, describe))
    print("    request: %d bytes" % len(req))
    sock.send(req)
    want = set(expect_seqs or [seq])
    result = None
    while want:
        buf = sock.recv(65536)
        off = 0
        while off + 16 <= len(buf):
            ln, typ, flags, s, pid = struct.unpack_from("<IHHII", buf, off)
            if ln < 16:
                break
            if typ == NLMSG_ERROR:
                print("    reply to seq %d (portid %d):" % (s, pid))
                result = decode_error(buf, off, ln, flags, req, hdrlen, names, miss_names or {})
                want.discard(s)
            elif typ == NLMSG_DONE:
                print("    reply: NLMSG_DONE seq %d" % s)
                want.discard(s)
            else:
                print("    reply: message type %#06x flags %#x len %d seq %d" % (typ, flags, ln, s))
                if not flags & NLM_F_MULTI and not flags & NLM_F_ACK:
                    pass
            off += (ln + 3) & ~3
    return result


def nlsock(proto, strict=False):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, proto)
    s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    if strict:
        s.setsockopt(SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1)
    s.bind((0, 0))
    return s


def main():
    nf = nlsock(NETLINK_NETFILTER)
    print("NETLINK_NETFILTER socket: EXT_ACK=%d CAP_ACK=%d, portid %d" % (
        nf.getsockopt(SOL_NETLINK, NETLINK_EXT_ACK), nf.getsockopt(SOL_NETLINK, NETLINK_CAP_ACK),
        nf.getsockname()[0]))
    new_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL
    orig = tuple4(CTA_TUPLE_ORIG, "10.8.8.1", "10.8.8.2", 6, 2222, 80)
    reply = tuple4(CTA_TUPLE_REPLY, "10.8.8.2", "10.8.8.1", 6, 80, 2222)
    timeout = attr(CTA_TIMEOUT, be32(120))

    exchange(nf, "a", nlmsg(CT_NEW, new_flags, 1000, nfgen(AF_INET),
                            orig + reply + attr(CTA_STATUS, b"\x00\x08") + timeout),
             "CT NEW with a 2-byte CTA_STATUS (orig + reply tuples, status, timeout)")
    exchange(nf, "b", nlmsg(CT_NEW, new_flags, 1001, nfgen(AF_INET),
                            orig + reply + timeout + attr(CTA_TIMESTAMP_EVENT, struct.pack(">Q", 987654321))),
             "CT NEW with CTA_TIMESTAMP_EVENT (27, 8 bytes)")

    # (c1) nf_tables batch: NEWTABLE without NFTA_TABLE_NAME
    batch = (nlmsg(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, 1002, nfgen(0, NFNL_SUBSYS_NFTABLES)) +
             nlmsg(NFT_MSG_NEWTABLE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE, 1003, nfgen(AF_INET),
                   attr(2, be32(0))) +
             nlmsg(NFNL_MSG_BATCH_END, NLM_F_REQUEST, 1004, nfgen(0, NFNL_SUBSYS_NFTABLES)))
    print("(c1) seqs 1002-1004: nf_tables batch: BATCH_BEGIN (1002), NEWTABLE with only NFTA_TABLE_FLAGS, "
          "no NFTA_TABLE_NAME (1003), BATCH_END (1004)")
    print("    request: %d bytes (3 messages in one send)" % len(batch))
    nf.send(batch)
    buf = nf.recv(65536)
    off = 0
    while off + 16 <= len(buf):
        ln, typ, flags, s, pid = struct.unpack_from("<IHHII", buf, off)
        print("    reply to seq %d (portid %d):" % (s, pid))
        decode_error(buf, off, ln, flags, batch[20 + 0:], 20, {}, {})
        off += (ln + 3) & ~3

    # (c2) cthelper NEW without NFCTH_NAME / NFCTH_TUPLE
    exchange(nf, "c2", nlmsg(CTHELPER_NEW, new_flags, 1005, nfgen(AF_INET),
                             attr(3, be32(1))),  # NFCTH_QUEUE_NUM only
             "cthelper NEW (0x0900) with only NFCTH_QUEUE_NUM: NFCTH_NAME and NFCTH_TUPLE missing",
             names={3: ("NFCTH_QUEUE_NUM", None)})

    # (c3) rtnetlink RTM_GETNEIGH without NDA_DST (neigh_valid_get_req: NL_SET_ERR_ATTR_MISS)
    rt = nlsock(NETLINK_ROUTE, strict=True)
    print("NETLINK_ROUTE socket: EXT_ACK=1 CAP_ACK=1 GET_STRICT_CHK=1, portid %d" % rt.getsockname()[0])
    ndmsg = struct.pack("<BBHiHBB", AF_INET, 0, 0, 1, 0, 0, 0)  # family, pad, pad, ifindex 1 (lo), state, flags, type
    exchange(rt, "c3", nlmsg(RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_ACK, 1006, ndmsg),
             "NETLINK_ROUTE RTM_GETNEIGH (30), AF_INET, ifindex 1, no attributes (NDA_DST missing)",
             hdrlen=28, names={}, miss_names={1: "NDA_DST"})

    # (c4) genetlink ethtool STRSET_GET with a STRINGSET nest lacking ETHTOOL_A_STRINGSET_ID
    ge = nlsock(NETLINK_GENERIC, strict=True)
    print("NETLINK_GENERIC socket: EXT_ACK=1 CAP_ACK=1 GET_STRICT_CHK=1, portid %d" % ge.getsockname()[0])
    req = nlmsg(GENL_ID_CTRL, NLM_F_REQUEST, 1007, struct.pack("<BBH", CTRL_CMD_GETFAMILY, 2, 0),
                attr(CTRL_ATTR_FAMILY_NAME, b"ethtool\0"))
    print("(c4a) seq 1007: genl CTRL_CMD_GETFAMILY \"ethtool\" (to learn its family id)")
    ge.send(req)
    buf = ge.recv(65536)
    fam = None
    pos = 20
    while pos + 4 <= struct.unpack_from("<I", buf, 0)[0]:
        al, at = struct.unpack_from("<HH", buf, pos)
        if at == CTRL_ATTR_FAMILY_ID:
            fam = struct.unpack_from("<H", buf, pos + 4)[0]
        pos += (al + 3) & ~3
    print("    reply: CTRL_CMD_NEWFAMILY, ethtool family id %s" % fam)
    body = nest(1, attr(3, struct.pack("<I", 0))) + nest(2, nest(1))
    exchange(ge, "c4", nlmsg(fam, NLM_F_REQUEST | NLM_F_ACK, 1008,
                             struct.pack("<BBH", ETHTOOL_MSG_STRSET_GET, 1, 0), body),
             "genl ethtool (id %d) STRSET_GET: HEADER{FLAGS 0}, STRINGSETS{STRINGSET{}} (no STRINGSET_ID)" % fam,
             names=ETHTOOL_NAMES, miss_names={1: "ETHTOOL_A_STRINGSET_ID"})
    rt.close()
    ge.close()

    exchange(nf, "d", nlmsg(CT_NEW, new_flags, 1009, nfgen(AF_INET), orig + reply + timeout),
             "CT NEW, complete and valid, NLM_F_ACK: 10.8.8.1:2222 -> 10.8.8.2:80 tcp")
    exchange(nf, "e", nlmsg(CT_GET, NLM_F_REQUEST | NLM_F_ACK, 1010, nfgen(AF_INET),
                            tuple4(CTA_TUPLE_ORIG, "10.9.9.9", "10.9.9.8", 6, 1, 2)),
             "CT GET of a missing entry 10.9.9.9:1 -> 10.9.9.8:2 tcp")
    exchange(nf, "f", nlmsg(CT_GET, NLM_F_REQUEST | NLM_F_ACK, 1011, nfgen(AF_INET), orig, extra=b"\x07\x00"),
             "CT GET of the entry from (d), NLM_F_ACK, 2 stray bytes after the attributes (warning ack)")
    exchange(nf, "g", nlmsg(CT_NEW, new_flags, 1012, nfgen(AF_INET), orig + reply + timeout),
             "CT NEW of the same entry again (CREATE|EXCL)")
    nf.close()


if __name__ == "__main__":
    main()
