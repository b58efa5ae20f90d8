#!/usr/bin/env python3
"""interleaved.py - two processes, each with its own NETLINK_NETFILTER socket, whose ctnetlink
exchanges interleave in one strace -f log (and so in one capture).

The parent ("A") forks a child ("B"); each opens and binds its own socket with nl_pid 0, so
the kernel assigns the port ids (A: the parent's pid, B: the child's pid; read back with
getsockname). Requests carry nlmsg_pid 0 as real tools do. A token passed over two pipes
(pipe reads/writes are not traced) fixes the order of the steps:

   1 A  send  seq 100  CT GET dump (AF_INET)            -- kernel fills A's first dump skb
   2 B  send  seq 200  CT GET dump (AF_INET)
   3 B  send  seq 201  CT NEW + ACK (10.66.0.2:5002 -> 10.66.0.1:80 tcp)
   4 A  send  seq 101  CT NEW + ACK (10.66.0.1:5001 -> 10.66.0.1:80 tcp)
   5 A  recv  one record  (part of dump 100)
   6 B  recv  one record  (part of dump 200)
   7 A  recv  until DONE of 100 and ACK of 101
   8 B  recv  until DONE of 200 and ACK of 201
   9 A  send  seq 300  CT GET (missing tuple 10.66.9.1:1 -> 10.66.9.2:2 tcp) + ACK
  10 B  send  seq 300  CT GET (missing tuple 10.66.9.3:3 -> 10.66.9.4:4 tcp) + ACK
  11 B  recv  -> ENOENT for seq 300      (same seq as A's: only the port id tells them apart)
  12 A  recv  -> ENOENT for seq 300
  13 A  send  seq 301  CT GET of A's entry + ACK;  B send seq 301 CT GET of B's entry + ACK
  14 A  recv;  B recv (CT NEW reply + ACK each, same seq 301, different port ids)
  15 B  send  seq 202  CT DELETE of B's entry + ACK, recv;  then A send seq 102 CT DELETE of A's, recv

Dump replies are read with a 4096-byte buffer, so the kernel sizes each dump record to
~4 KB and a dump of ~22 entries spans several records. Standard library only; run as root
inside a scratch network namespace.
"""
import errno
import os
import socket
import struct
import sys

NETLINK_NETFILTER = 12
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK = 0x1, 0x2, 0x4
NLM_F_DUMP, NLM_F_EXCL, NLM_F_CREATE = 0x300, 0x200, 0x400
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED = 0x8000
CT_NEW, CT_GET, CT_DELETE = 0x0100, 0x0101, 0x0102
AF_INET = 2
CTA_TUPLE_ORIG, CTA_TUPLE_REPLY, CTA_TIMEOUT = 1, 2, 7
RECV_SIZE = 4096


def attr(t, payload):
    ln = 4 + len(payload)
    return struct.pack("<HH", ln, t) + payload + b"\0" * ((-ln) % 4)


def nest(t, *parts):
    return attr(t | NLA_F_NESTED, b"".join(parts))


def tuple4(t, src, dst, sport, dport, proto=6):
    return nest(t, nest(1, attr(1, socket.inet_aton(src)), attr(2, socket.inet_aton(dst))),
                nest(2, attr(1, bytes([proto])), attr(2, struct.pack(">H", sport)),
                     attr(3, struct.pack(">H", dport))))


def nlmsg(mtype, flags, seq, body=b""):
    payload = struct.pack("<BBH", AF_INET, 0, 0) + body
    return struct.pack("<IHHII", 16 + len(payload), mtype, flags, seq, 0) + payload


class Peer:
    def __init__(self, name):
        self.name = name
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        self.sock.bind((0, 0))
        self.portid = self.sock.getsockname()[0]
        self.pending = {}      # seq -> [description, dump entries seen]
        self.recvs = 0

    def log(self, text):
        print("[%s pid %d portid %d] %s" % (self.name, os.getpid(), self.portid, text))
        sys.stdout.flush()

    def send(self, mtype, flags, seq, body, what):
        data = nlmsg(mtype, flags, seq, body)
        self.sock.send(data)
        self.pending[seq] = [what, 0]
        self.log("send seq %d: %s (%d bytes, type %#06x flags %#x)" % (seq, what, len(data), mtype, flags))

    def recv_one(self):
        buf = self.sock.recv(RECV_SIZE)
        self.recvs += 1
        off, parts, outcomes = 0, [], []
        while off + 16 <= len(buf):
            ln, typ, flags, seq, pid = struct.unpack_from("<IHHII", buf, off)
            if ln < 16:
                break
            p = self.pending.get(seq)
            if typ == NLMSG_ERROR:
                err = struct.unpack_from("<i", buf, off + 16)[0]
                res = "ok (ACK)" if err == 0 else "error %d %s" % (err, errno.errorcode.get(-err, "?"))
                parts.append("seq %d portid %d NLMSG_ERROR -> %s" % (seq, pid, res))
                if p:
                    if p[1]:
                        res += " after %d entries" % p[1]
                    outcomes.append("  outcome of seq %d (%s): %s" % (seq, p[0], res))
                    del self.pending[seq]
            elif typ == NLMSG_DONE:
                parts.append("seq %d portid %d NLMSG_DONE" % (seq, pid))
                if p:
                    outcomes.append("  outcome of seq %d (%s): dump done, %d entries" % (seq, p[0], p[1]))
                    del self.pending[seq]
            else:
                if p:
                    p[1] += 1
                parts.append("seq %d portid %d type %#06x flags %#x" % (seq, pid, typ, flags))
            off += (ln + 3) & ~3
        # compress runs of identical dump entries for the log
        summary, last, count = [], None, 0
        for x in parts + [None]:
            if x == last:
                count += 1
                continue
            if last is not None:
                summary.append(last + (" x%d" % count if count > 1 else ""))
            last, count = x, 1
        self.log("recv #%d: %d bytes, %d messages: %s" % (self.recvs, len(buf), len(parts), "; ".join(summary)))
        for o in outcomes:
            self.log(o)

    def recv_until_idle(self):
        while self.pending:
            self.recv_one()


def token_wait(fd):
    os.read(fd, 1)


def token_pass(fd):
    os.write(fd, b"x")


def main():
    a2b_r, a2b_w = os.pipe()
    b2a_r, b2a_w = os.pipe()
    new_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL
    timeout = attr(CTA_TIMEOUT, struct.pack(">I", 300))
    sys.stdout.flush()
    child = os.fork()
    if child == 0:                                   # ---- process B
        os.close(a2b_w)
        os.close(b2a_r)
        wait, go = (lambda: token_wait(a2b_r)), (lambda: token_pass(b2a_w))
        wait()
        b = Peer("B")
        orig = tuple4(CTA_TUPLE_ORIG, "10.66.0.2", "10.66.0.1", 5002, 80)
        reply = tuple4(CTA_TUPLE_REPLY, "10.66.0.1", "10.66.0.2", 80, 5002)
        b.send(CT_GET, NLM_F_REQUEST | NLM_F_DUMP, 200, b"", "CT GET dump")            # step 2
        b.send(CT_NEW, new_flags, 201, orig + reply + timeout,
               "CT NEW 10.66.0.2:5002 -> 10.66.0.1:80 tcp")                             # step 3
        go(); wait()
        b.recv_one()                                                                    # step 6
        go(); wait()
        b.recv_until_idle()                                                             # step 8
        go(); wait()
        b.send(CT_GET, NLM_F_REQUEST | NLM_F_ACK, 300,
               tuple4(CTA_TUPLE_ORIG, "10.66.9.3", "10.66.9.4", 3, 4),
               "CT GET missing 10.66.9.3:3 -> 10.66.9.4:4 tcp")                         # step 10
        b.recv_until_idle()                                                             # step 11
        go(); wait()
        b.send(CT_GET, NLM_F_REQUEST | NLM_F_ACK, 301, orig, "CT GET of B's entry")     # step 13
        go(); wait()
        b.recv_until_idle()                                                             # step 14
        b.send(CT_DELETE, NLM_F_REQUEST | NLM_F_ACK, 202, orig, "CT DELETE of B's entry")
        b.recv_until_idle()                                                             # step 15
        b.sock.close()
        go()
        os._exit(0)

    os.close(a2b_r)                                  # ---- process A
    os.close(b2a_w)
    wait, go = (lambda: token_wait(b2a_r)), (lambda: token_pass(a2b_w))
    a = Peer("A")
    print("A = pid %d, B = pid %d (forked)" % (os.getpid(), child))
    sys.stdout.flush()
    orig = tuple4(CTA_TUPLE_ORIG, "10.66.0.1", "10.66.0.1", 5001, 80)
    reply = tuple4(CTA_TUPLE_REPLY, "10.66.0.1", "10.66.0.1", 80, 5001)
    a.send(CT_GET, NLM_F_REQUEST | NLM_F_DUMP, 100, b"", "CT GET dump")                # step 1
    go(); wait()
    a.send(CT_NEW, new_flags, 101, orig + reply + timeout,
           "CT NEW 10.66.0.1:5001 -> 10.66.0.1:80 tcp")                                 # step 4
    a.recv_one()                                                                        # step 5
    go(); wait()
    a.recv_until_idle()                                                                 # step 7
    go(); wait()
    a.send(CT_GET, NLM_F_REQUEST | NLM_F_ACK, 300,
           tuple4(CTA_TUPLE_ORIG, "10.66.9.1", "10.66.9.2", 1, 2),
           "CT GET missing 10.66.9.1:1 -> 10.66.9.2:2 tcp")                             # step 9
    go(); wait()
    a.recv_until_idle()                                                                 # step 12
    a.send(CT_GET, NLM_F_REQUEST | NLM_F_ACK, 301, orig, "CT GET of A's entry")         # step 13
    go(); wait()
    a.recv_until_idle()                                                                 # step 14
    go(); wait()
    a.send(CT_DELETE, NLM_F_REQUEST | NLM_F_ACK, 102, orig, "CT DELETE of A's entry")
    a.recv_until_idle()                                                                 # step 15
    a.sock.close()
    os.waitpid(child, 0)
    print("A port id %d, B port id %d" % (a.portid, child))


if __name__ == "__main__":
    main()
