//! Agreement with conntrack-tools (issue 3, point 7).
//!
//! Every traced command of the recorded captures (`corpus/captures/X.txt`, lines
//! `$ cmd`, conntrack-tools 1.4.7 against a real 6.18 kernel) printed what conntrack
//! itself decoded from the kernel's replies held in `X.pcap`. This test decodes the
//! capture with the library and checks, entry by entry, that the decoded values equal
//! the printed ones: protocol, both tuples (addresses, ports, icmp type/code/id, gre
//! keys), tcp/sctp state, timeout, mark, zone, use, id (`-o id`), [UNREPLIED]
//! (= seen-reply not set), [ASSURED], labels (names <-> bits, with a consistent
//! mapping), counters, helper, event kind, `[USERSPACE] portid=`, `-o extended`'s
//! family, `[start=...]` (`-o ktimestamp`, UTC), delta-time, per-CPU stats, `-C`
//! counts and the "N ... have been shown" summaries.
//!
//! # How output is associated with messages
//! (The transcript parser and this locating are `support::transcript` and
//! `support::locate`, shared with tests/conntrack_format.rs.)
//! * Each traced command has a *primary request* it must send first, derived from its
//!   options (`-L` = CT GET dump, `-L -z` = GET_CTRZERO dump, `-G` = CT GET, `-D` /
//!   `-U` with a filter = CT GET dump, `-S` = GET_STATS_CPU dump, `-C` = GET_STATS,
//!   `-I` / `-F` = NEW / DELETE, `expect` = the same in CTNETLINK_EXP, `-C expect` =
//!   EXP GET dump, `-S expect` = EXP GET_STATS_CPU dump). Commands are walked in the
//!   .txt's order and each one takes the next request of its kind in the capture; a
//!   dump's window then extends to its NLMSG_DONE, and the next command searches after
//!   that window (requests sent by `-U` / `-D` inside their dump are thus skipped).
//! * A dump's replies are the NLM_F_MULTI messages carrying the portid of the first
//!   kernel message after the request (conntrack uses one socket per dump; sequence
//!   numbers are reused by every conntrack process, portids are not), up to the
//!   NLMSG_DONE with that portid. A `-G` / `-C` reply is the next kernel message.
//! * `-U` prints the reply to the CT GET it sends inside its dump window; `-D` prints
//!   the dumped entries it deletes (also checked against its DELETE requests).
//! * Background `conntrack -E` (`-E expect`, `-e NEW`) print the multicast events of
//!   their subsystem (and kinds), in capture order.
//! * conntrack 1.4.7 filters protocol, addresses, ports, zone, labels and NAT in
//!   userspace (and re-checks mark, status and family that the kernel already
//!   filtered): [`user_filter`] implements the options used in the .txt files, and the
//!   printed lines must equal, in order and in number, the decoded entries that pass
//!   it (not just a subsequence).
//! * delta-time: destroy events carry tstamp stop, and delta-time = stop/1e9 -
//!   start/1e9 must be exact. Listings use `time(NULL)` at print time, taken here as
//!   the capture timestamp (whole seconds) of the reply's record minus start/1e9:
//!   exact for every listing of the corpus, so no tolerance is allowed.
//! * big_dump: `conntrack -L > /dev/null` printed only the count, which must equal
//!   the number of decoded entries; the 5 sample lines of a later, not traced, `-L`
//!   must each be found among them (same tuple, every field equal except timeout,
//!   which may only have gone down, and delta-time).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::expect_used
)]

#[path = "agreement/capture.rs"]
mod capture;
mod support;
#[path = "agreement/txt.rs"]
mod txt;

use capture::{load, Msg};
use nfct_decode::model::{EventKind, Kind};
use nfct_decode::render::civil_from_days;
use nfct_decode::schema::enums::IP_PROTO;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;
use support::locate::{events_of, Walk};
use support::transcript::{self, Cmd, Op};
use txt::{parse_ct_line, parse_exp_line, parse_stats_line};

/// Keys conntrack prints whenever the kernel sent the attribute: they must be present
/// on both sides or on neither.
const SYMMETRIC: &[&str] = &[
    "proto",
    "timeout",
    "state",
    "unreplied",
    "assured",
    "mark",
    "zone",
    "use",
    "helper",
];
const TUPLE_KEYS: &[&str] = &[
    "src", "dst", "sport", "dport", "type", "code", "id", "srckey", "dstkey", "packets", "bytes",
];
/// Keys printed only with some options: checked when printed.
const OPTIONAL: &[&str] = &[
    "event",
    "l3",
    "family",
    "proto-name",
    "id",
    "labels",
    "delta-time",
    "start",
    "userspace",
    "portid",
];

/// State shared by the commands of all captures.
#[derive(Default)]
struct Ctx {
    /// Label name -> bit, learnt from the lines and the decoded bitmaps.
    labels: BTreeMap<String, u32>,
    entries: usize,
}

/// What was checked for one command (read through `Debug` in the report).
#[derive(Debug)]
#[allow(dead_code)]
enum Outcome {
    /// Entries compared (printed lines), and decoded entries seen before filtering.
    Entries(usize, usize),
    Stats(usize),
    Count(u64),
    /// A command with no entry output (-I, -F, an error): exit status vs reply.
    Status(String),
}

fn proto_num(name: &str) -> u64 {
    IP_PROTO
        .value_of(name)
        .unwrap_or_else(|| panic!("unknown protocol name {name}"))
}

/// `Sat Nov 28 06:29:29 2026` (ctime, UTC) of `secs` since the epoch.
fn ctime(secs: u64) -> String {
    const WD: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MO: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs / 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    let sod = secs % 86_400;
    format!(
        "{} {} {:2} {:02}:{:02}:{:02} {y}",
        WD[(days % 7) as usize],
        MO[(m - 1) as usize],
        d,
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    )
}

/// Compares one flow-entry line with a decoded conntrack message.
fn compare_ct(line: &str, m: &Msg, ctx: &mut Ctx, what: &str) {
    assert_eq!(
        m.set(),
        "conntrack",
        "{what}: {} is not a conntrack message",
        m.at()
    );
    let l = parse_ct_line(line);
    let at = format!("{what}: {} vs line {line:?}", m.at());
    let f = &m.fields;
    let mut keys: Vec<String> = SYMMETRIC.iter().map(|s| s.to_string()).collect();
    for d in ["orig.", "reply."] {
        keys.extend(TUPLE_KEYS.iter().map(|k| format!("{d}{k}")));
    }
    for k in &keys {
        assert_eq!(l.get(k), f.get(k), "{at}: field {k}");
    }
    for k in l.keys() {
        assert!(
            keys.contains(k) || OPTIONAL.contains(&k.as_str()),
            "{at}: line field {k} is not checked"
        );
    }
    let get = |k: &str| l.get(k).map(String::as_str);
    let family = m.nf.map(|n| n.family).unwrap();
    if let Some(v) = get("family") {
        assert_eq!(v, family.to_string(), "{at}: family");
        let l3 = if family == 2 { "ipv4" } else { "ipv6" };
        assert_eq!(get("l3"), Some(l3), "{at}: l3");
    }
    if let Some(v) = get("proto-name") {
        let n: u64 = f["proto"].parse().unwrap();
        assert_eq!(Some(v), IP_PROTO.name_of(n), "{at}: protocol name");
    }
    if let Some(v) = get("id") {
        assert_eq!(Some(v), f.get("id").map(String::as_str), "{at}: id");
    }
    if let Some(ev) = get("event") {
        let kind = match m.head.kind {
            Kind::Event(EventKind::New) => "NEW",
            Kind::Event(EventKind::Update) => "UPDATE",
            Kind::Event(EventKind::Destroy) => "DESTROY",
            k => panic!("{at}: not an event: {k:?}"),
        };
        assert_eq!(ev, kind, "{at}: event kind");
    }
    if get("userspace").is_some() || get("portid").is_some() {
        assert_eq!(get("userspace"), Some("true"), "{at}: [USERSPACE]");
        assert_ne!(m.head.portid, 0, "{at}: [USERSPACE] needs a portid");
        assert_eq!(
            get("portid"),
            Some(m.head.portid.to_string().as_str()),
            "{at}"
        );
    } else if m.head.is_event() {
        assert_eq!(
            m.head.portid, 0,
            "{at}: event caused by a request, not printed so"
        );
    }
    if let Some(names) = get("labels") {
        let bits = m
            .labels
            .as_ref()
            .unwrap_or_else(|| panic!("{at}: labels printed, none decoded"));
        let names: Vec<&str> = names.split(',').collect();
        assert_eq!(
            names.len(),
            bits.len(),
            "{at}: labels {names:?} vs bits {bits:?}"
        );
        for (n, b) in names.iter().zip(bits) {
            let known = *ctx.labels.entry(n.to_string()).or_insert(*b);
            assert_eq!(known, *b, "{at}: label {n} was bit {known}, now bit {b}");
            let names_of_b: Vec<_> = ctx.labels.iter().filter(|(_, v)| **v == *b).collect();
            assert_eq!(
                names_of_b.len(),
                1,
                "{at}: bit {b} has names {names_of_b:?}"
            );
        }
    }
    if let Some(v) = get("start") {
        let start = m.tstart.unwrap_or_else(|| panic!("{at}: no tstamp start"));
        assert_eq!(v, ctime(start / 1_000_000_000), "{at}: [start=]");
    }
    if let Some(v) = get("delta-time") {
        let v: i64 = v.parse().unwrap();
        let start = m.tstart.unwrap_or_else(|| panic!("{at}: no tstamp start")) as i64;
        let start = start / 1_000_000_000;
        match m.tstop {
            Some(stop) => assert_eq!(v, stop as i64 / 1_000_000_000 - start, "{at}: delta"),
            None => {
                // time(NULL) when conntrack printed: the capture time of the record
                // that brought the entry. Exact for every listing of the corpus.
                let want = m.ts.as_secs() as i64 - start;
                assert_eq!(v, want, "{at}: delta-time vs capture time - start");
            }
        }
    }
    ctx.entries += 1;
}

/// Compares one expectation line with a decoded expect message.
fn compare_exp(line: &str, m: &Msg, ctx: &mut Ctx, what: &str) {
    assert_eq!(
        m.set(),
        "expect",
        "{what}: {} is not an expectation",
        m.at()
    );
    let l = parse_exp_line(line);
    let at = format!("{what}: {} vs line {line:?}", m.at());
    for (k, v) in &l {
        if k == "event" {
            let kind = match (m.nf.unwrap().msg, m.head.kind) {
                (0, Kind::Event(EventKind::New)) => "NEW",
                (2, Kind::Event(EventKind::Destroy)) => "DESTROY",
                (x, k) => panic!("{at}: EXP message {x} kind {k:?}"),
            };
            assert_eq!(v, kind, "{at}: event kind");
            continue;
        }
        assert_eq!(Some(v), m.fields.get(k), "{at}: field {k}");
    }
    for (k, v) in &m.fields {
        // conntrack prints neither the id nor zone 0 of an expectation.
        if k != "id" && !(k == "zone" && v == "0") {
            assert!(l.contains_key(k), "{at}: decoded {k}={v} not printed");
        }
    }
    ctx.entries += 1;
}

/// Parses `A.B.C.D[/len]` and tests `addr` against it.
fn in_prefix(spec: &str, addr: Option<&String>) -> bool {
    let Some(addr) = addr else { return false };
    let (net, len) = match spec.split_once('/') {
        Some((n, l)) => (n, Some(l.parse::<u32>().unwrap())),
        None => (spec, None),
    };
    let net: IpAddr = net.parse().unwrap();
    let addr: IpAddr = addr.parse().unwrap();
    match (net, addr, len) {
        (IpAddr::V4(n), IpAddr::V4(a), Some(len)) => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            u32::from(n) & mask == u32::from(a) & mask
        }
        (n, a, None) => n == a,
        _ => panic!("prefix {spec} not supported here"),
    }
}

fn parse_num(s: &str) -> u64 {
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).unwrap(),
        None => s.parse().unwrap(),
    }
}

/// conntrack 1.4.7's filtering of `-L` / `-D` output, for the options used in the
/// .txt files. Panics on an option it does not know, so nothing is silently ignored.
fn user_filter(cmd: &Cmd, m: &Msg, ctx: &Ctx) -> bool {
    let f = &m.fields;
    let field = |k: &str| f.get(k);
    let status: u64 = field("status").map(|s| s.parse().unwrap()).unwrap_or(0);
    let mut ok = true;
    let mut i = 0;
    let args = &cmd.args;
    while i < args.len() {
        let a = args[i].as_str();
        let val = args.get(i + 1).map(String::as_str);
        let has_val = val.is_some_and(|v| !v.starts_with('-') && v != ">");
        let mut used = 1;
        match a {
            "conntrack" | "-L" | "--dump" | "-D" | "--delete" | "expect" | "-z" => {}
            ">" => used = 2,
            "-o" | "--output" => used = 2,
            "-p" | "--proto" => {
                ok &= field("proto") == Some(&proto_num(val.unwrap()).to_string());
                used = 2;
            }
            "-s" | "--orig-src" | "--src" => {
                ok &= in_prefix(val.unwrap(), field("orig.src"));
                used = 2;
            }
            "-d" | "--orig-dst" | "--dst" => {
                ok &= in_prefix(val.unwrap(), field("orig.dst"));
                used = 2;
            }
            "-r" | "--reply-src" => {
                ok &= in_prefix(val.unwrap(), field("reply.src"));
                used = 2;
            }
            "-q" | "--reply-dst" => {
                ok &= in_prefix(val.unwrap(), field("reply.dst"));
                used = 2;
            }
            "--sport" | "--orig-port-src" => {
                ok &= field("orig.sport").map(String::as_str) == val;
                used = 2;
            }
            "--dport" | "--orig-port-dst" => {
                ok &= field("orig.dport").map(String::as_str) == val;
                used = 2;
            }
            "-w" | "--zone" => {
                let z = field("zone").map(String::as_str).unwrap_or("0");
                ok &= Some(z) == val;
                used = 2;
            }
            "-f" | "--family" => {
                let fam = match val.unwrap() {
                    "ipv4" => 2,
                    "ipv6" => 10,
                    v => panic!("family {v}"),
                };
                ok &= m.nf.unwrap().family == fam;
                used = 2;
            }
            "-m" | "--mark" => {
                let v = val.unwrap();
                let (v, mask) = match v.split_once('/') {
                    Some((v, mk)) => (parse_num(v), parse_num(mk)),
                    None => (parse_num(v), u64::from(u32::MAX)),
                };
                let mark: u64 = field("mark").map(|s| s.parse().unwrap()).unwrap_or(0);
                ok &= mark & mask == v;
                used = 2;
            }
            "-u" | "--status" => {
                for s in val.unwrap().split(',') {
                    let bit = match s {
                        "SEEN_REPLY" => 2,
                        "ASSURED" => 4,
                        s => panic!("status {s}"),
                    };
                    ok &= status & bit != 0;
                }
                used = 2;
            }
            "-l" | "--label" => {
                let name = val.unwrap();
                let bit = ctx
                    .labels
                    .get(name)
                    .unwrap_or_else(|| panic!("label {name} not learnt yet"));
                ok &= m.labels.as_ref().is_some_and(|b| b.contains(bit));
                used = 2;
            }
            "--src-nat" | "--dst-nat" | "-j" | "--any-nat" => {
                // libnetfilter_conntrack: SRC_NAT_DONE and reply dst != orig src;
                // DST_NAT_DONE and reply src != orig dst; with an address, that
                // address is the reply dst (snat) / reply src (dnat).
                let ip = if has_val { val } else { None };
                let snat = status & (1 << 7) != 0
                    && field("reply.dst") != field("orig.src")
                    && ip.is_none_or(|ip| field("reply.dst").map(String::as_str) == Some(ip));
                let dnat = status & (1 << 8) != 0
                    && field("reply.src") != field("orig.dst")
                    && ip.is_none_or(|ip| field("reply.src").map(String::as_str) == Some(ip));
                ok &= match a {
                    "--src-nat" => snat,
                    "--dst-nat" => dnat,
                    _ => snat || dnat,
                };
                used = if has_val { 2 } else { 1 };
            }
            other => panic!("{}: option {other} has no filter here", cmd.text),
        }
        i += used;
    }
    ok
}

/// A capture's messages and the walk through them.
struct Run {
    walk: Walk,
    msgs: Vec<Msg>,
}

impl Run {
    fn new(name: &str) -> Run {
        Run {
            walk: Walk::new(name),
            msgs: load(&format!("{name}.pcap")),
        }
    }

    /// The message answering the request at `req`.
    fn reply_to(&self, req: usize) -> &Msg {
        &self.msgs[self.walk.reply_to(&self.msgs, req)]
    }
}

/// Checks every traced command of capture `name`; returns (command, outcome) pairs.
fn check_capture(name: &str, ctx: &mut Ctx) -> Vec<(String, Outcome)> {
    let tr = transcript::read(&format!("{name}.txt"));
    let mut run = Run::new(name);
    assert!(!tr.cmds.is_empty(), "{name}: no traced command");
    let mut done = Vec::new();
    for cmd in &tr.cmds {
        assert_eq!(
            cmd.args[0], "conntrack",
            "{name}: not a conntrack command: {}",
            cmd.text
        );
        let what = cmd.what(name);
        let expect = cmd.expect();
        let op = cmd
            .op()
            .unwrap_or_else(|| panic!("{what}: no case for this command"));
        let outcome = match op {
            Op::Events => {
                assert!(cmd.background, "{what}: -E runs in the background");
                check_events(&run, cmd, expect, ctx, &what)
            }
            Op::List => {
                let dump = run.walk.take_dump(&run.msgs, cmd);
                let replies = &dump.replies;
                let outcome = if expect {
                    assert_eq!(cmd.out.len(), replies.len(), "{what}: expectation count");
                    for (line, &i) in cmd.out.iter().zip(replies) {
                        compare_exp(line, &run.msgs[i], ctx, &what);
                    }
                    Outcome::Entries(cmd.out.len(), replies.len())
                } else if cmd.has("-U") {
                    // The printed entries are the replies to the GETs sent in the window.
                    let gets = run.walk.get_replies_in(&run.msgs, &dump);
                    assert_eq!(cmd.out.len(), gets.len(), "{what}: updated entries");
                    for (line, &i) in cmd.out.iter().zip(&gets) {
                        compare_ct(line, &run.msgs[i], ctx, &what);
                    }
                    Outcome::Entries(cmd.out.len(), replies.len())
                } else if cmd.has(">") {
                    // `-L > /dev/null`: only the count was printed; samples of a later,
                    // not traced, listing are checked against the decoded entries.
                    assert!(cmd.out.is_empty(), "{what}");
                    assert_eq!(cmd.summary_count(), Some(replies.len()), "{what}: count");
                    check_samples(&tr.samples, &run, replies, ctx, &what);
                    Outcome::Entries(tr.samples.len(), replies.len())
                } else {
                    let kept: Vec<usize> = replies
                        .iter()
                        .copied()
                        .filter(|&i| user_filter(cmd, &run.msgs[i], ctx))
                        .collect();
                    let shown: Vec<_> = kept.iter().take(20).map(|&i| run.msgs[i].at()).collect();
                    assert_eq!(
                        cmd.out.len(),
                        kept.len(),
                        "{what}: printed {} lines, the filter keeps {shown:?}",
                        cmd.out.len()
                    );
                    for (line, &i) in cmd.out.iter().zip(&kept) {
                        compare_ct(line, &run.msgs[i], ctx, &what);
                    }
                    if cmd.has("-D") {
                        let dels: Vec<&Msg> = dump
                            .window()
                            .map(|i| &run.msgs[i])
                            .filter(|m| m.head.to_kernel && m.is(1, 2))
                            .collect();
                        assert_eq!(dels.len(), kept.len(), "{what}: DELETE requests");
                        for (d, &k) in dels.iter().zip(&kept) {
                            for key in ["orig.src", "orig.dst", "orig.sport", "orig.dport"] {
                                assert_eq!(
                                    d.fields.get(key),
                                    run.msgs[k].fields.get(key),
                                    "{what}"
                                );
                            }
                        }
                    }
                    Outcome::Entries(cmd.out.len(), replies.len())
                };
                if let Some(n) = cmd.summary_count() {
                    if !cmd.has(">") {
                        assert_eq!(n, cmd.out.len(), "{what}: summary vs printed lines");
                    }
                }
                outcome
            }
            Op::Get => {
                let req = run.walk.take_request(&run.msgs, cmd);
                let r = run.reply_to(req);
                match r.error {
                    Some(e) => {
                        assert!(cmd.out.is_empty() && cmd.exit == Some(1), "{what}: {e}");
                        assert_eq!(e, -2, "{what}: conntrack said it does not exist");
                        Outcome::Status(format!("error {e}"))
                    }
                    None => {
                        assert_eq!(cmd.out.len(), 1, "{what}");
                        compare_ct(&cmd.out[0], r, ctx, &what);
                        Outcome::Entries(1, 1)
                    }
                }
            }
            Op::Stats => {
                let replies = run.walk.take_dump(&run.msgs, cmd).replies;
                assert_eq!(cmd.out.len(), replies.len(), "{what}: one line per CPU");
                for (line, &i) in cmd.out.iter().zip(&replies) {
                    let m = &run.msgs[i];
                    let want = if expect {
                        "expect-stats"
                    } else {
                        "conntrack-stats"
                    };
                    assert_eq!(m.set(), want, "{what}: {}", m.at());
                    let (cpu, vals) = parse_stats_line(line);
                    assert_eq!(cpu, m.nf.unwrap().res_id, "{what}: cpu of {}", m.at());
                    let norm = |s: &str| {
                        s.trim_start_matches("expect_")
                            .replace(['-', '_'], "")
                            .to_string()
                    };
                    let printed: BTreeMap<String, u64> =
                        vals.iter().map(|(k, v)| (norm(k), *v)).collect();
                    let decoded: BTreeMap<String, u64> =
                        m.stats.iter().map(|(k, v)| (norm(k), *v)).collect();
                    assert_eq!(printed, decoded, "{what}: {} vs {line:?}", m.at());
                }
                Outcome::Stats(replies.len())
            }
            Op::Count => {
                assert_eq!(cmd.out.len(), 1, "{what}");
                let printed: u64 = cmd.out[0].trim().parse().unwrap();
                let n = if expect {
                    run.walk.take_dump(&run.msgs, cmd).replies.len() as u64
                } else {
                    let req = run.walk.take_request(&run.msgs, cmd);
                    let r = run.reply_to(req);
                    assert_eq!(r.set(), "stats-global", "{what}: {}", r.at());
                    r.stats
                        .iter()
                        .find(|(k, _)| k == "entries")
                        .map(|(_, v)| *v)
                        .unwrap()
                };
                assert_eq!(printed, n, "{what}");
                Outcome::Count(n)
            }
            Op::Create | Op::Flush => {
                let req = run.walk.take_request(&run.msgs, cmd);
                let r = run.reply_to(req);
                let err = r
                    .error
                    .unwrap_or_else(|| panic!("{what}: {} not an ack", r.at()));
                assert_eq!(
                    err == 0,
                    cmd.exit == Some(0),
                    "{what}: error {err} vs exit status"
                );
                if err == -17 {
                    assert!(cmd.summary[0].contains("exists"), "{what}");
                }
                Outcome::Status(format!("error {err}"))
            }
        };
        done.push((cmd.text.clone(), outcome));
    }
    done
}

/// Background `conntrack -E [expect] [-e NEW]`: the events of the subsystem.
fn check_events(run: &Run, cmd: &Cmd, expect: bool, ctx: &mut Ctx, what: &str) -> Outcome {
    let evs: Vec<&Msg> = events_of(&run.msgs, cmd)
        .into_iter()
        .map(|i| &run.msgs[i])
        .collect();
    assert_eq!(cmd.summary_count(), Some(cmd.out.len()), "{what}: summary");
    assert_eq!(cmd.out.len(), evs.len(), "{what}: number of events");
    for (line, m) in cmd.out.iter().zip(&evs) {
        if expect {
            compare_exp(line, m, ctx, what);
        } else {
            compare_ct(line, m, ctx, what);
        }
    }
    Outcome::Entries(cmd.out.len(), evs.len())
}

/// big_dump's 5 samples from a later `conntrack -L | head -5`.
fn check_samples(samples: &[String], run: &Run, dumped: &[usize], ctx: &mut Ctx, what: &str) {
    assert_eq!(samples.len(), 5, "{what}: samples");
    for s in samples {
        let l = parse_ct_line(s);
        let hit: Vec<&Msg> = dumped
            .iter()
            .map(|&i| &run.msgs[i])
            .filter(|m| {
                ["orig.src", "orig.sport", "orig.dst", "orig.dport", "proto"]
                    .iter()
                    .all(|k| m.fields.get(*k) == l.get(*k))
            })
            .collect();
        assert_eq!(
            hit.len(),
            1,
            "{what}: sample {s:?} found {} times",
            hit.len()
        );
        let m = hit[0];
        let dec_t: u64 = m.fields["timeout"].parse().unwrap();
        let txt_t: u64 = l["timeout"].parse().unwrap();
        assert!(
            txt_t <= dec_t,
            "{what}: sample timeout {txt_t} > dumped {dec_t}"
        );
        // Everything else must be equal: compare with the timeout and delta-time
        // taken from the decoded entry.
        let mut line = s.replace(&format!(" {txt_t} src="), &format!(" {dec_t} src="));
        if let Some(p) = line.find(" delta-time=") {
            let end = line[p + 1..].find(' ').map(|e| p + 1 + e).unwrap();
            line.replace_range(p..end, "");
        }
        compare_ct(&line, m, ctx, what);
    }
}

fn report(name: &str, done: &[(String, Outcome)]) -> String {
    let mut s = String::new();
    for (c, o) in done {
        let _ = writeln!(s, "{name:18} {c:70.70} {o:?}");
    }
    s
}

/// The captures with a conntrack transcript, and how many traced commands each has.
/// A capture or command missing here, or a command without a case, fails.
const CASES: &[(&str, usize)] = &[
    ("list_empty", 1),
    ("insert_and_list", 21),
    ("big_dump", 1),
    ("events", 1),
    ("expect", 4),
    ("stats", 4),
    ("get_update_delete", 9),
    ("nat", 17),
    ("gre_sctp", 13),
    ("filter_dumps", 15),
    ("expect_events", 12),
    ("nlmon-list_empty", 1),
    ("nlmon-any_sll2", 1),
];

fn run_case(name: &str) {
    let mut ctx = Ctx::default();
    let done = check_capture(name, &mut ctx);
    eprint!("{}", report(name, &done));
    eprintln!(
        "{name}: {} entries compared; labels {:?}",
        ctx.entries, ctx.labels
    );
    let n = CASES.iter().find(|(c, _)| *c == name).unwrap().1;
    assert_eq!(done.len(), n, "{name}: traced commands");
}

#[test]
fn every_transcript_has_a_case() {
    let mut cases: Vec<String> = CASES.iter().map(|(c, _)| c.to_string()).collect();
    cases.sort();
    assert_eq!(transcript::conntrack_transcripts(), cases);
}

support::capture_tests!(run_case:
    list_empty = "list_empty",
    insert_and_list = "insert_and_list",
    big_dump = "big_dump",
    events = "events",
    expect = "expect",
    stats = "stats",
    get_update_delete = "get_update_delete",
    nat = "nat",
    gre_sctp = "gre_sctp",
    filter_dumps = "filter_dumps",
    expect_events = "expect_events",
    nlmon_list_empty = "nlmon-list_empty",
    nlmon_any_sll2 = "nlmon-any_sll2",
);

/// The comparison is not vacuous: changing any value of a printed line (or dropping
/// a flag) makes it fail against the decoded entry.
#[test]
fn every_printed_field_is_compared() {
    let tr = transcript::read("insert_and_list.txt");
    let cmd = tr.find("conntrack -L -o id,ktimestamp,labels");
    let mut run = Run::new("insert_and_list");
    // The same listing, found the way check_capture finds it: the 4th CT GET dump.
    let mut replies = Vec::new();
    for _ in 0..4 {
        replies = run.walk.take_dump(&run.msgs, cmd).replies;
    }
    // The expected panics of the mutations are silenced for this thread only.
    let quiet = std::thread::current().name().map(String::from);
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name().map(String::from) != quiet {
            default_hook(info);
        }
    }));
    let mut mutated = 0;
    let mut missed = Vec::new();
    let mut ctx = Ctx::default();
    for (line, &i) in cmd.out.iter().zip(&replies) {
        let m = &run.msgs[i];
        compare_ct(line, m, &mut ctx, "original");
        let words: Vec<&str> = line.split(' ').collect();
        for (w, word) in words.iter().enumerate() {
            let alt = if let Some((k, v)) = word.split_once('=') {
                let v2 = match v.parse::<u64>() {
                    Ok(n) => (n + 1).to_string(),
                    Err(_) if v.contains(',') => v.split(',').rev().collect::<Vec<_>>().join(","),
                    Err(_) if k == "labels" => "bar".to_string(),
                    Err(_) => v.replacen('1', "9", 1),
                };
                format!("{k}={v2}")
            } else if word.starts_with('[') && word.ends_with(']') {
                String::new()
            } else if let Ok(n) = word.parse::<u64>() {
                (n + 1).to_string()
            } else if word.chars().all(|c| c.is_ascii_uppercase() || c == '_') && !word.is_empty() {
                "CLOSE".to_string()
            } else {
                continue;
            };
            if alt == *word || word.starts_with("[start=") {
                continue;
            }
            let mut ws = words.clone();
            ws[w] = &alt;
            let bad = ws.join(" ");
            let labels = ctx.labels.clone();
            let r = std::panic::catch_unwind(move || {
                let mut ctx = Ctx {
                    labels,
                    ..Ctx::default()
                };
                compare_ct(&bad, m, &mut ctx, "mutated");
            });
            if r.is_ok() {
                missed.push(format!("{word:?} -> {alt:?} in {line:?}"));
            }
            mutated += 1;
        }
    }
    // Back to the default hook (the one every test thread starts with).
    drop(std::panic::take_hook());
    assert!(missed.is_empty(), "mutations not detected: {missed:#?}");
    assert!(mutated > 200, "{mutated} mutations");
}

#[test]
fn ctime_format() {
    // 2026-11-28 06:29:29 UTC, checked against `date -u -d @1795847369`.
    assert_eq!(ctime(1_795_847_369), "Sat Nov 28 06:29:29 2026");
}
