#!/usr/bin/env python3
"""pcapsummary.py X.pcap [...] [-a]: records, netlink messages (walking nlmsg_len) and a count
per (netlink protocol, subsystem/message type) of LINKTYPE_NETLINK captures (classic pcap or
pcapng). -a also lists the top-level attribute numbers seen per netfilter message type.
Standard library only; written for the nfct-decode recordings."""
import collections
import struct
import sys

SUBSYS = {0: "NONE", 1: "CTNETLINK", 2: "CTNETLINK_EXP", 3: "QUEUE", 4: "ULOG", 5: "OSF",
          6: "IPSET", 7: "ACCT", 8: "CTNETLINK_TIMEOUT", 9: "CTHELPER", 10: "NFTABLES",
          11: "NFT_COMPAT", 12: "HOOK"}
CTRL = {1: "NOOP", 2: "ERROR", 3: "DONE", 4: "OVERRUN"}


def records(path):
    d = open(path, "rb").read()
    if d[:4] == b"\x0a\x0d\x0d\x0a":
        off = 0
        while off + 12 <= len(d):
            bt, bl = struct.unpack_from("<II", d, off)
            if bt == 6:
                caplen = struct.unpack_from("<I", d, off + 20)[0]
                yield d[off + 28: off + 28 + caplen]
            off += bl
        return
    magic = struct.unpack_from("<I", d, 0)[0]
    assert magic == 0xA1B2C3D4, "not a little-endian classic pcap"
    lt = struct.unpack_from("<I", d, 20)[0]
    assert lt == 253, "linktype %d, not NETLINK" % lt
    off = 24
    while off + 16 <= len(d):
        _, _, cl, _ = struct.unpack_from("<IIII", d, off)
        yield d[off + 16: off + 16 + cl]
        off += 16 + cl


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    show_attrs = "-a" in sys.argv
    for path in args:
        nrec = nmsg = 0
        types = collections.Counter()
        attrs = collections.defaultdict(set)
        for r in records(path):
            nrec += 1
            proto = struct.unpack_from(">H", r, 14)[0]
            b = r[16:]
            off = 0
            while off + 16 <= len(b):
                ln, ty, fl, seq, pid = struct.unpack_from("<IHHII", b, off)
                if ln < 16 or off + ln > len(b):
                    types[(proto, "!! bad nlmsg_len %d" % ln)] += 1
                    break
                nmsg += 1
                if ty < 16:
                    name = "NLMSG_" + CTRL.get(ty, str(ty))
                    if ty == 2:
                        err = struct.unpack_from("<i", b, off + 16)[0]
                        name += " error=%d" % err
                elif proto == 12:
                    name = "%s/%d (0x%04x)" % (SUBSYS.get(ty >> 8, str(ty >> 8)), ty & 0xFF, ty)
                    a = off + 20
                    while a + 4 <= off + ln:
                        al, at = struct.unpack_from("<HH", b, a)
                        if al < 4:
                            break
                        attrs[name].add(at & 0x3FFF)
                        a += (al + 3) & ~3
                else:
                    name = "type 0x%04x" % ty
                types[(proto, name)] += 1
                off += (ln + 3) & ~3
        print("%s: %d records, %d netlink messages" % (path, nrec, nmsg))
        for (proto, name), n in sorted(types.items(), key=lambda x: (x[0][0], x[0][1])):
            print("  proto %2d  %-40s x%d" % (proto, name, n))
            if show_attrs and name in attrs:
                print("            attrs %s" % sorted(attrs[name]))


if __name__ == "__main__":
    main()
