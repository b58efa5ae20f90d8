complete -c nfct-decode -s f -l format -d 'Output format' -r -f -a "text\t'One line per message; `-v` adds the attribute tree'
json\t'JSON Lines, one object per message (docs/json.md)'
none\t'Validate only: no per-message output'
conntrack\t'The lines conntrack-tools 1.4.7 prints (`conntrack -L/-G/-E/-S/-C`)'"
complete -c nfct-decode -l endian -d 'Byte order of the netlink headers (default: detected per record)' -r -f -a "little\t'Little-endian host (x86, arm64)'
big\t'Big-endian host (s390x)'"
complete -c nfct-decode -s c -l count -d 'Stop after N messages' -r
complete -c nfct-decode -s j -l threads -d 'Decoding threads (default: one per core for files, one for standard input, which may be a live capture that batches would hold back). The output is in capture order and byte for byte the same whatever N; `-j 1` decodes on the reading thread alone' -r
complete -c nfct-decode -l annotate -d 'Write the capture to OUT as pcapng with a packet comment (opt_comment) for every finding and verdict of each record (`frame.comment` in Wireshark); every record and timestamp kept as it is. One input file (read twice)' -r -F
complete -c nfct-decode -l diff -d 'Print what changed between two complete dumps of the table (`--diff` or `--diff=A,B`): entries added (+), removed (-) and changed (~, with the fields). A,B: dump numbers (1 is the first complete dump), @FRAME (the dump holding a reply in that frame) or last. One file: both dumps from it (default 1,last); two files: A from the first, B from the second (default last,last)' -r
complete -c nfct-decode -l svg -d 'With --flows: also draw the table\'s size over time, events per second by kind and the notable entries as timelines into OUT.svg' -r -F
complete -c nfct-decode -l filter -d 'Only messages matching EXPR (repeatable; all must match). EXPR is terms `key=value[,value]` joined by `and` / `&&` (binding tighter) and `or` / `||`, negated with `!` or `not`, grouped with parentheses. Keys: kind, dir, subsys, msg, family, proto, addr, src, dst (CIDR), port, sport, dport, zone, orig-zone, reply-zone, mark (N[/MASK]), status, errno, findings[=SEVERITY], code, frame (N, N-M, N-), nat (src, dst, any), label (bit or --labels name), state (tcp/sctp/dccp), helper. Notices about the file or a record are shown whatever it selects' -r
complete -c nfct-decode -l ct-output -d 'Conntrack format: conntrack\'s `-o` options, comma-separated: extended, id, timestamp, ktimestamp, labels, xml' -r
complete -c nfct-decode -l ct-version -d 'Conntrack format: print what this conntrack-tools release prints: 1.4.7, 1.4.8 or 1.4.9 (default). 1.4.9 prints the kernel\'s event time for `-E -o timestamp` and no `[USERSPACE] portid=` in XML' -r
complete -c nfct-decode -l labels -d 'Conntrack format: connlabel.conf giving names to label bits (without it, `labels=` lists bit numbers)' -r -F
complete -c nfct-decode -s v -l verbose -d 'Text format: print the attribute tree and findings under each message'
complete -c nfct-decode -s q -l quiet -d 'No progress indicator (it is shown on stderr only when stderr is a terminal)'
complete -c nfct-decode -l summary -d 'Print a summary at the end: messages by type and direction, events, exchanges by outcome, errors by errno, findings by code, dumps, capture duration. With `-f none`, the summary alone'
complete -c nfct-decode -l flows -d 'Print one line (or JSON object) per conntrack entry instead of messages: its timeline across dumps, events, requests and queued packets (first and last seen, states, status bits, NAT, mark, labels, helper, counters, how it ended, anomalies); with -v its history'
complete -c nfct-decode -l exchanges -d 'Print one line (or JSON object) per exchange: a request, its replies and its ack or error, with the outcome and extended ACKs resolved to attribute paths'
complete -c nfct-decode -l ct-fix -d 'Conntrack format: fix what conntrack gets wrong: SCTP and DCCP states named from the TCP table in XML, and XML that is not well-formed (the `[USERSPACE]` suffix, no footer after `-G`, unescaped strings)'
complete -c nfct-decode -l replies-only -d 'Conntrack format: print only what conntrack prints, no `#` comment lines for requests, acks, errors and other messages'
complete -c nfct-decode -s h -l help -d 'Print help (see more with \'--help\')'
complete -c nfct-decode -s V -l version -d 'Print version'
