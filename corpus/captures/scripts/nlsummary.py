#!/usr/bin/env python3
"""nlsummary.py X.pcap [-v]: count records / netlink messages per (family, type) and the
top-level attribute numbers seen per message type (ctnetlink/expect only). Standard library."""
import struct, sys, collections

def records(path):
    d = open(path, "rb").read()
    if d[:4] == b"\x0a\x0d\x0d\x0a":  # pcapng
        off = 0
        while off < len(d):
            bt, bl = struct.unpack_from("<II", d, off)
            if bt == 6:
                caplen = struct.unpack_from("<I", d, off + 20)[0]
                yield d[off + 28: off + 28 + caplen]
            off += bl
        return
    off = 24
    while off + 16 <= len(d):
        _, _, cl, _ = struct.unpack_from("<IIII", d, off)
        yield d[off + 16: off + 16 + cl]
        off += 16 + cl

def attrs(b, off, end):
    while off + 4 <= end:
        l, t = struct.unpack_from("<HH", b, off)
        if l < 4: break
        yield t, b[off + 4: off + l]
        off += (l + 3) & ~3

def main():
    path = sys.argv[1]; verbose = "-v" in sys.argv
    nrec = 0; msgs = collections.Counter(); seen = collections.defaultdict(set)
    for r in records(path):
        nrec += 1
        fam = struct.unpack_from(">H", r, 14)[0]
        p = r[16:]; off = 0
        while off + 16 <= len(p):
            ln, typ, flags, seq, pid = struct.unpack_from("<IHHII", p, off)
            if ln < 16: break
            key = (fam, typ, "err=%d" % struct.unpack_from("<i", p, off + 16)[0] if typ == 2 else "")
            msgs[key] += 1
            if fam == 12 and typ >> 8 in (1, 2) and ln > 20:
                for t, v in attrs(p, off + 20, off + ln):
                    seen[(typ, t & 0x3fff)].add(len(v))
            if verbose:
                print("fam=%d type=0x%04x flags=0x%x seq=%d pid=%d len=%d" % (fam, typ, flags, seq, pid, ln))
            off += (ln + 3) & ~3
    print("records=%d messages=%d" % (nrec, sum(msgs.values())))
    for k, v in sorted(msgs.items()):
        print("  family %d type 0x%04x %s: %d" % (k[0], k[1], k[2], v))
    tops = collections.defaultdict(list)
    for (typ, t) in sorted(seen): tops[typ].append(t)
    for typ, ts in tops.items():
        print("  type 0x%04x top-level attrs: %s" % (typ, ts))

main()
