#!/usr/bin/env python3
"""Tiny traffic generators used to record the nfct-decode captures.

Only ever used on loopback or on veth pairs between network namespaces created for
the recording (addresses 127.0.0.1, 10.99.0.0/24, 192.168.100.0/24).

  traffic.py tcpserver PORT [BIND]          accept N connections, answer "pong:<data>"
  traffic.py tcpclient HOST PORT            send "ping", print the answer
  traffic.py ftpserver PORT [BIND]          minimal FTP server: 220, PORT -> active data
                                             connection from port 20, PASV -> 227 reply
  traffic.py ftpclient HOST PORT active|pasv|pasv-hold SECONDS
"""
import socket
import sys
import time


def tcpserver(port, bind="0.0.0.0", count=1):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((bind, port))
    s.listen(5)
    for _ in range(count):
        c, a = s.accept()
        d = c.recv(100)
        c.sendall(b"pong:" + d)
        c.close()
    s.close()


def tcpclient(host, port):
    c = socket.create_connection((host, port), timeout=5)
    c.sendall(b"ping")
    print("tcp client got", c.recv(100))
    c.close()


def readline(f):
    line = f.readline()
    return line.decode().rstrip("\r\n")


def ftpserver(port, bind="0.0.0.0", sessions=1):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((bind, port))
    s.listen(5)
    for _ in range(sessions):
        c, peer = s.accept()
        f = c.makefile("rb")
        c.sendall(b"220 nfct-decode test ftp\r\n")
        data_target = None
        pasv = None
        while True:
            line = readline(f)
            if not line:
                break
            cmd = line.split(" ", 1)
            if cmd[0] == "PORT":
                n = [int(x) for x in cmd[1].split(",")]
                data_target = ("%d.%d.%d.%d" % tuple(n[:4]), n[4] * 256 + n[5])
                c.sendall(b"200 PORT command successful\r\n")
            elif cmd[0] == "PASV":
                pasv = socket.socket()
                pasv.bind((c.getsockname()[0], 0))
                pasv.listen(1)
                ip = c.getsockname()[0].replace(".", ",")
                p = pasv.getsockname()[1]
                c.sendall(("227 Entering Passive Mode (%s,%d,%d)\r\n" % (ip, p >> 8, p & 255)).encode())
            elif cmd[0] == "LIST":
                c.sendall(b"150 Here comes the directory listing\r\n")
                if data_target:
                    d = socket.socket()
                    d.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    d.bind((c.getsockname()[0], 20))
                    d.connect(data_target)
                else:
                    d, _ = pasv.accept()
                d.sendall(b"-rw-r--r-- 1 ftp ftp 42 Nov 28 07:00 hello.txt\r\n")
                d.close()
                data_target = None
                c.sendall(b"226 Directory send OK\r\n")
            elif cmd[0] == "USER":
                c.sendall(b"331 Please specify the password\r\n")
            elif cmd[0] == "PASS":
                c.sendall(b"230 Login successful\r\n")
            elif cmd[0] == "QUIT":
                c.sendall(b"221 Goodbye\r\n")
                break
            else:
                c.sendall(b"502 not implemented\r\n")
        c.close()
    s.close()


def ftpclient(host, port, mode, hold=0.0):
    c = socket.create_connection((host, port), timeout=10)
    f = c.makefile("rb")
    print("<", readline(f))

    def cmd(t):
        print(">", t)
        c.sendall((t + "\r\n").encode())
        r = readline(f)
        print("<", r)
        return r

    # nf_conntrack_ftp only parses a command that starts right after a "\n" it has
    # already seen in that direction, so the first command cannot be PORT.
    cmd("USER anonymous")
    cmd("PASS nfct@")
    if mode == "active":
        l = socket.socket()
        l.bind((c.getsockname()[0], 0))
        l.listen(1)
        ip = c.getsockname()[0].replace(".", ",")
        p = l.getsockname()[1]
        cmd("PORT %s,%d,%d" % (ip, p >> 8, p & 255))
        print(">", "LIST")
        c.sendall(b"LIST\r\n")
        print("<", readline(f))
        d, a = l.accept()
        print("data from %s:%d: %r" % (a[0], a[1], d.recv(200)))
        d.close()
        print("<", readline(f))
    else:
        r = cmd("PASV")
        n = [int(x) for x in r[r.index("(") + 1:r.index(")")].split(",")]
        if mode == "pasv-hold":
            time.sleep(hold)  # expectation stays pending while we sleep
        print(">", "LIST")
        c.sendall(b"LIST\r\n")
        print("<", readline(f))
        d = socket.create_connection(("%d.%d.%d.%d" % tuple(n[:4]), n[4] * 256 + n[5]))
        print("data: %r" % d.recv(200))
        d.close()
        print("<", readline(f))
    cmd("QUIT")
    c.close()


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] == "tcpserver":
        tcpserver(int(a[1]), a[2] if len(a) > 2 else "0.0.0.0", int(a[3]) if len(a) > 3 else 1)
    elif a[0] == "tcpclient":
        tcpclient(a[1], int(a[2]))
    elif a[0] == "ftpserver":
        ftpserver(int(a[1]), a[2] if len(a) > 2 else "0.0.0.0", int(a[3]) if len(a) > 3 else 1)
    elif a[0] == "ftpclient":
        ftpclient(a[1], int(a[2]), a[3], float(a[4]) if len(a) > 4 else 0.0)
