#!/bin/sh
# nfct-decode recordings in the nlmon VM (Debian 12 6.1 kernel): cttimeout, cthelper,
# conntrackd as userspace helper, nft ct objects, NFQUEUE and NFLOG with conntrack, FTP
# helper events. Installed as the guest's /scenarios.sh by build-initramfs.sh
# (SCENARIOS=this file, EXTRA=dir with nfq_ct and nflog_ct, see scripts/record_vm.sh).
. /lib.sh

# ---------------------------------------------------------------------------------------
# background FTP control session on 127.0.0.1:21 (OpenBSD netcat on both ends). The server
# answers with fixed lines at fixed times; its "227 Entering Passive Mode (127,0,0,1,156,64)"
# (port 40000) comes ~2 s after the start, the session ends ~8 s after the start.
ftp_start() {
  { printf '220 nfct-decode ftp\r\n'; sleep 1; printf '331 password please\r\n'; sleep 0.5
    printf '230 logged in\r\n'; sleep 0.5; printf '227 Entering Passive Mode (127,0,0,1,156,64)\r\n'
    sleep 4; printf '226 transfer done\r\n'; sleep 1; printf '221 bye\r\n'; sleep 0.5; } |
    timeout 15 ncat -l 127.0.0.1 21 > /tmp/ftp-srv.out 2>&1 &
  FTPS=$!
  sleep 0.3
  { sleep 0.5; printf 'USER anonymous\r\n'; sleep 0.5; printf 'PASS nfct@\r\n'; sleep 0.5
    printf 'PASV\r\n'; sleep 5; printf 'QUIT\r\n'; sleep 1.5; } |
    timeout 15 ncat 127.0.0.1 21 > /tmp/ftp-cli.out 2>&1 &
  FTPC=$!
}
# the passive data connection 127.0.0.1 -> 127.0.0.1:40000 (call ~2.5 s after ftp_start)
ftp_data() {
  printf 'hello.txt\r\n' | timeout 5 ncat -N -l 127.0.0.1 40000 > /tmp/ftp-dsrv.out 2>&1 &
  local d=$!
  sleep 0.3
  timeout 4 ncat -N 127.0.0.1 40000 < /dev/null > /tmp/ftp-data.out 2>&1
  wait $d
}
ftp_wait() {
  wait $FTPC; wait $FTPS
  note "--- FTP session (ncat, not part of the netlink traffic): client received:"
  tr -d '\r' < /tmp/ftp-cli.out >> "$TXT"
  note "--- server received:"
  tr -d '\r' < /tmp/ftp-srv.out >> "$TXT"
  note "--- data connection client received:"
  tr -d '\r' < /tmp/ftp-data.out >> "$TXT"
}

# runsh 'CMD LINE': like run, for a shell pipeline (the line is logged as written)
runsh() {
  echo "\$ $1" >> "$TXT"
  sh -c "$1" >> "$TXT" 2>&1
  echo "[exit $?]" >> "$TXT"
}

# ---------------------------------------------------------------------------------------
# A.1 cttimeout (nfnetlink subsystem 8) with nfct
sc_cttimeout() {
  cap_start cttimeout
  note "cttimeout policies with nfct $(nfct list version 2>&1 | head -1 | cut -d: -f1), kernel $(uname -r)"
  run nfct list timeout
  run nfct add timeout tcp-pol inet tcp established 100 syn_sent 20 close 10 time_wait 30 fin_wait 40
  run nfct add timeout tcp6-pol inet6 tcp established 500 close_wait 50
  run nfct add timeout udp-pol inet udp unreplied 10 replied 20
  run nfct add timeout udplite-pol inet udplite unreplied 11 replied 21
  run nfct add timeout icmp-pol inet icmp timeout 15
  run nfct add timeout icmpv6-pol inet6 icmpv6 timeout 16
  run nfct add timeout sctp-pol inet sctp established 200 cookie_wait 4 shutdown_sent 5 shutdown_ack_sent 9
  run nfct add timeout dccp-pol inet dccp request 6 respond 7 open 300 closing 8
  run nfct add timeout gre-pol inet gre unreplied 12 replied 90
  run nfct add timeout generic-pol inet generic timeout 120
  note "refused by nfct itself (state name unknown for udp, nothing sent):"
  run nfct add timeout bad-pol inet udp established 5
  note "same name again (nfct sends NLM_F_CREATE without NLM_F_REPLACE):"
  run nfct add timeout udp-pol inet udp unreplied 33
  note "same name, other protocol:"
  run nfct add timeout udp-pol inet tcp established 7
  run nfct list timeout
  run nfct get timeout tcp-pol
  run nfct get timeout sctp-pol
  run nfct get timeout dccp-pol
  run nfct get timeout no-such-pol
  run nfct delete timeout gre-pol
  run nfct delete timeout gre-pol
  run nfct default-get timeout inet tcp
  run nfct default-get timeout inet6 tcp
  run nfct default-get timeout inet udp
  run nfct default-get timeout inet udplite
  run nfct default-get timeout inet icmp
  run nfct default-get timeout inet6 icmpv6
  run nfct default-get timeout inet sctp
  run nfct default-get timeout inet dccp
  run nfct default-get timeout inet gre
  run nfct default-get timeout inet generic
  run nfct default-set timeout inet tcp established 3600 close 5
  run nfct default-get timeout inet tcp
  run nfct default-set timeout inet udp unreplied 25 replied 150
  run nfct default-get timeout inet udp
  note "back to the defaults:"
  run nfct default-set timeout inet tcp established 432000 close 10
  run nfct default-set timeout inet udp unreplied 30 replied 120
  run nfct flush timeout
  run nfct list timeout
  cap_stop
}

# ---------------------------------------------------------------------------------------
# A.2 cthelper (nfnetlink subsystem 9) with nfct
sc_cthelper() {
  cap_start cthelper
  note "userspace helper stubs (nfnetlink_cthelper) with nfct, kernel $(uname -r)"
  run nfct list helper
  note "the kernel's own ftp helper (nf_conntrack_ftp) is loaded: the stub named ftp collides with it"
  run nfct add helper ftp inet tcp
  run rmmod nf_nat_ftp
  run rmmod nf_conntrack_ftp
  run nfct add helper ftp inet tcp
  run nfct add helper ftp inet6 tcp
  run nfct add helper tftp inet udp
  note "refused by nfct itself (no such helper plugin, nothing sent):"
  run nfct add helper nosuch inet tcp
  note "ftp inet tcp again (the stub exists now)"
  run nfct add helper ftp inet tcp
  run nfct list helper
  run nfct get helper ftp
  run nfct get helper ftp inet6 tcp
  run nfct get helper nosuch
  run nfct disable helper ftp inet tcp
  run nfct get helper ftp inet tcp
  run nfct delete helper tftp
  run nfct delete helper tftp
  run nfct delete helper ftp inet6 tcp
  run nfct list helper
  run nfct flush helper
  run nfct list helper
  cap_stop
}

# A.2b conntrackd as userspace ftp helper (cthelper + NFQUEUE with conntrack, NFQA_EXP verdicts)
# (runs after sc_cthelper: the kernel ftp helper modules must be unloaded)
sc_cthelper_conntrackd() {
  lsmod | grep -q '^nf_conntrack_ftp' && { rmmod nf_nat_ftp; rmmod nf_conntrack_ftp; }
  cat > /tmp/ctd-helper.conf <<'EOF'
Helper {
	Type ftp inet tcp {
		QueueNum 0
		QueueLen 64
		Policy ftp {
			ExpectMax 1
			ExpectTimeout 300
		}
	}
}
General {
	LogFile /tmp/conntrackd.log
	LockFile /var/lock/conntrackd.lock
	UNIX {
		Path /var/run/conntrackd.ctl
	}
}
EOF
  cat > /tmp/ush.nft <<'EOF'
table ip ush {
	ct helper ftp-us {
		type "ftp" protocol tcp
	}
	chain out {
		type filter hook output priority 0; policy accept;
		tcp dport 21 ct helper set "ftp-us"
	}
}
EOF
  cap_start cthelper_conntrackd
  note "conntrackd $(conntrackd -v 2>&1 | head -1 | awk '{print $5}' | sed 's/[.]$//') as userspace ftp helper; kernel ftp helper unloaded; config /tmp/ctd-helper.conf:"
  cat /tmp/ctd-helper.conf >> "$TXT"
  note "nft ruleset /tmp/ush.nft:"
  cat /tmp/ush.nft >> "$TXT"
  run nfct add helper ftp inet tcp
  run nft -f /tmp/ush.nft
  ev_start /tmp/ush-exp.ev -E expect
  E1=$EV_PID
  ev_start /tmp/ush-ct.ev -E
  E2=$EV_PID
  run conntrackd -C /tmp/ctd-helper.conf -d
  sleep 1
  run nfct list helper
  note "FTP session on 127.0.0.1:21 (PASV reply for 127.0.0.1:40000), data connection after the reply:"
  ftp_start
  sleep 2.4
  run conntrack -L expect
  ftp_data
  run conntrack -L
  ftp_wait
  run conntrack -L
  run conntrackd -C /tmp/ctd-helper.conf -k
  sleep 1
  ev_stop /tmp/ush-ct.ev "$E2"
  ev_stop /tmp/ush-exp.ev "$E1"
  note "--- /tmp/conntrackd.log:"
  cat /tmp/conntrackd.log >> "$TXT" 2>&1
  run nft delete table ip ush
  run nfct list helper
  run nfct delete helper ftp inet tcp
  cap_stop
  conntrack -F >/dev/null 2>&1; conntrack -F expect >/dev/null 2>&1
  insmod "$(modpath nf_conntrack_ftp)"; insmod "$(modpath nf_nat_ftp)"
}

# ---------------------------------------------------------------------------------------
# A.3 nftables ct helper / ct timeout / ct expectation objects
sc_nft_ctobj() {
  lsmod | grep -q '^nf_conntrack_ftp' || { insmod "$(modpath nf_conntrack_ftp)"; insmod "$(modpath nf_nat_ftp)"; }
  conntrack -F >/dev/null 2>&1
  timeout 10 ncat -l -k 127.0.0.1 8080 </dev/null >/dev/null 2>&1 & S1=$!
  timeout 10 ncat -l 127.0.0.1 9999 </dev/null >/dev/null 2>&1 & S2=$!
  sleep 0.3
  cap_start nft_ctobj
  note "nft $(nft --version | cut -d' ' -f2) ct objects (NFT_MSG_NEWOBJ types 3 ct helper, 7 ct timeout, 9 ct expectation)"
  run nft add table inet ctobj
  run nft add ct helper inet ctobj ftp-std '{ type "ftp" protocol tcp; l3proto inet; }'
  run nft add ct helper inet ctobj ftp6 '{ type "ftp" protocol tcp; l3proto ip6; }'
  run nft add ct helper inet ctobj nosuch '{ type "nosuch" protocol tcp; }'
  run nft add ct timeout inet ctobj tcp-short '{ protocol tcp; l3proto ip; policy = { established: 120, close: 10, syn_sent: 7 }; }'
  run nft add ct timeout inet ctobj udp-t '{ protocol udp; l3proto ip6; policy = { unreplied: 15, replied: 60 }; }'
  run nft add ct expectation inet ctobj exp1 '{ protocol tcp; dport 2121; timeout 1m; size 12; l3proto ip; }'
  run nft add ct expectation inet ctobj exp-udp '{ protocol udp; dport 5060; timeout 30s; size 4; l3proto ip6; }'
  run nft add counter inet ctobj cnt
  run nft add chain inet ctobj out '{ type filter hook output priority 0; policy accept; }'
  run nft add rule inet ctobj out tcp dport 21 ct helper set "ftp-std"
  run nft add rule inet ctobj out tcp dport 8080 ct timeout set "tcp-short" counter name "cnt"
  run nft add rule inet ctobj out meta nfproto ipv6 meta l4proto udp ct timeout set "udp-t"
  run nft add rule inet ctobj out ct state new tcp dport 9999 ct expectation set "exp1"
  run nft list ct helpers table inet ctobj
  run nft list ct helper inet ctobj ftp-std
  run nft list ct timeout inet ctobj tcp-short
  run nft list ct expectation inet ctobj exp1
  run nft -a list table inet ctobj
  note "traffic (ncat): TCP 127.0.0.1 -> 127.0.0.1:8080 (ct timeout tcp-short) and -> :9999 (ct expectation exp1)"
  echo hi | timeout 3 ncat -N 127.0.0.1 8080 >/dev/null 2>&1
  echo hi | timeout 3 ncat -N 127.0.0.1 9999 >/dev/null 2>&1
  sleep 0.3
  run conntrack -L
  run conntrack -L expect
  run nft list counter inet ctobj cnt
  run nft reset counter inet ctobj cnt
  run nft list counter inet ctobj cnt
  note "refused: object still referenced by a rule"
  run nft delete ct helper inet ctobj ftp-std
  run nft flush chain inet ctobj out
  run nft delete ct helper inet ctobj ftp-std
  run nft delete ct timeout inet ctobj tcp-short
  run nft delete ct expectation inet ctobj exp1
  run nft delete ct timeout inet ctobj no-such
  run nft list table inet ctobj
  run nft delete table inet ctobj
  cap_stop
  kill $S1 $S2 2>/dev/null; wait $S1 $S2 2>/dev/null
  conntrack -F >/dev/null 2>&1; conntrack -F expect >/dev/null 2>&1
}

# ---------------------------------------------------------------------------------------
# A.4 NFQUEUE with conntrack (nfq_ct, plain netlink socket)
sc_nfqueue_ct() {
  lsmod | grep -q '^nf_conntrack_ftp' || { insmod "$(modpath nf_conntrack_ftp)"; insmod "$(modpath nf_nat_ftp)"; }
  conntrack -F >/dev/null 2>&1; conntrack -F expect >/dev/null 2>&1
  cat > /tmp/nfq.nft <<'EOF'
table inet nfq {
	ct helper ftp-q {
		type "ftp" protocol tcp
	}
	chain out {
		type filter hook output priority 0; policy accept;
		ct state new,established,related counter
		tcp dport 8080 ct helper set "ftp-q"
		meta l4proto { icmp, ipv6-icmp } queue num 0
		tcp dport 8080 queue num 0
	}
}
EOF
  timeout 12 ncat -l 127.0.0.1 8080 </dev/null > /tmp/nfq-srv.out 2>&1 & S1=$!
  sleep 0.3
  cap_start nfqueue_ct
  note "NFQUEUE queue 0 with NFQA_CFG_F_CONNTRACK|GSO|UID_GID; listener nfq_ct (src/nfq_ct.c; verdict plan in its header); the ftp helper on port 8080 only gives the TCP conntrack a helper extension, so that the NFQA_EXP verdict can attach an expectation; ruleset /tmp/nfq.nft:"
  cat /tmp/nfq.nft >> "$TXT"
  run nft -f /tmp/nfq.nft
  rm -f /tmp/nfq.ready
  bg_start /tmp/nfq.out nfq_ct -q 0 -n 40 -i 3 -r /tmp/nfq.ready
  NFQ=$BG_PID
  wait_file /tmp/nfq.ready
  run ping -c 5 -i 0.2 127.0.0.1
  run ping6 -c 2 -i 0.2 ::1
  note "TCP 127.0.0.1 -> 127.0.0.1:8080 (ncat), client-to-server packets queued:"
  runsh 'echo hello | timeout 5 ncat -N 127.0.0.1 8080'
  bg_wait /tmp/nfq.out "$NFQ" nfq_ct
  run conntrack -L
  run conntrack -L -m 42
  run conntrack -L expect
  run nft delete table inet nfq
  cap_stop
  wait $S1 2>/dev/null
  conntrack -F >/dev/null 2>&1
}

# ---------------------------------------------------------------------------------------
# A.5 NFLOG with conntrack (nflog_ct, plain netlink socket)
sc_nflog_ct() {
  conntrack -F >/dev/null 2>&1
  cat > /tmp/nflog.nft <<'EOF'
table inet nflog {
	chain out {
		type filter hook output priority 0; policy accept;
		ct state new,established,related counter
		meta l4proto { icmp, ipv6-icmp } log prefix "nfct-out " group 5
		tcp dport 8080 tcp flags syn log prefix "nfct-syn " group 5 queue-threshold 1
	}
	chain in {
		type filter hook input priority 0; policy accept;
		meta l4proto icmp log prefix "nfct-in " group 5 snaplen 40
	}
}
EOF
  timeout 12 ncat -l 127.0.0.1 8080 </dev/null > /tmp/nflog-srv.out 2>&1 & S1=$!
  sleep 0.3
  cap_start nflog_ct
  note "NFLOG group 5 with NFULNL_CFG_F_CONNTRACK|SEQ|SEQ_GLOBAL, qthresh 3, timeout 0.5 s; listener nflog_ct (src/nflog_ct.c); ruleset /tmp/nflog.nft:"
  cat /tmp/nflog.nft >> "$TXT"
  run nft -f /tmp/nflog.nft
  rm -f /tmp/nflog.ready
  bg_start /tmp/nflog.out nflog_ct -g 5 -n 60 -i 3 -t 3 -r /tmp/nflog.ready
  NFL=$BG_PID
  wait_file /tmp/nflog.ready
  run ping -c 3 -i 0.2 127.0.0.1
  run ping6 -c 1 ::1
  runsh 'echo hello | timeout 5 ncat -N 127.0.0.1 8080'
  bg_wait /tmp/nflog.out "$NFL" nflog_ct
  run conntrack -L
  run nft delete table inet nflog
  cap_stop
  wait $S1 2>/dev/null
  conntrack -F >/dev/null 2>&1
}

# ---------------------------------------------------------------------------------------
# A.6 conntrack -E / -E expect with the kernel ftp helper
sc_ftp_events() {
  lsmod | grep -q '^nf_conntrack_ftp' || { insmod "$(modpath nf_conntrack_ftp)"; insmod "$(modpath nf_nat_ftp)"; }
  conntrack -F >/dev/null 2>&1; conntrack -F expect >/dev/null 2>&1
  cat > /tmp/ftpk.nft <<'EOF'
table inet ftpk {
	ct helper ftp-k {
		type "ftp" protocol tcp
	}
	chain out {
		type filter hook output priority 0; policy accept;
		tcp dport 21 ct helper set "ftp-k"
	}
}
EOF
  cap_start ftp_events
  note "kernel ftp helper (nf_conntrack_ftp) via nft ct helper; conntrack -E and -E expect; ruleset /tmp/ftpk.nft:"
  cat /tmp/ftpk.nft >> "$TXT"
  run nft -f /tmp/ftpk.nft
  ev_start /tmp/ftpk-exp.ev -E expect
  E1=$EV_PID
  ev_start /tmp/ftpk-ct.ev -E -o id
  E2=$EV_PID
  note "FTP session on 127.0.0.1:21 (PASV reply for 127.0.0.1:40000), data connection after the reply:"
  ftp_start
  sleep 2.4
  run conntrack -L expect
  ftp_data
  ftp_wait
  run conntrack -L
  run conntrack -F
  ev_stop /tmp/ftpk-ct.ev "$E2"
  ev_stop /tmp/ftpk-exp.ev "$E1"
  run nft delete table inet ftpk
  cap_stop
}

run_scenarios "$@"
