//! What the decoder *shows* (its JSON output, docs/json.md) against what the real
//! clients printed, for the captures of corpus/captures/more/. Both sources are
//! read at test time: the .txt transcript (commands and the tools' own output) and
//! the capture decoded by the library, so each test compares two independent
//! sources. Values are compared as shown: enum and flag names (`"ipv4"`, `"tcp"`,
//! `"disabled"`, `"syn-sent"`, `["seen-reply", "confirmed"]`), hex strings, error
//! texts; the client's numbers are turned into names only through the kernel's and
//! IANA's constants (the tables below), never through the decoder's.
//!
//! | capture | the client printed | compared with (decoded) |
//! |---|---|---|
//! | cttimeout, nfct_timeout_host | `nfct list/get/default-get timeout` entries (`.name = { .l3proto, .l4proto, .policy = { .STATE = N } }`), `netlink error:` lines, exit statuses | the kernel's cttimeout (subsystem 8) replies: `name`, `l3proto`, `l4proto`, `data.*`; the ACK / error / DONE closing each answer (`error.text`) |
//! | cthelper, cthelper_conntrackd, nfct_helper_host | `nfct list/get helper` entries, `netlink error:` lines; conntrackd's log (its helper's queue and policy) | cthelper (subsystem 9) replies: `name`, `queue-num`, `tuple.*`, `priv-data-len`, `status`, `policy.*`; conntrackd's NFQUEUE config request (`queue-maxlen`) |
//! | nfqueue_ct, nflog_ct | the listeners (corpus/captures/scripts/recordings/nfq_ct.c, nflog_ct.c, nlprint.h): every header and attribute of each packet they received (the NFQA_CT / NFULA_CT nest included), every ACK / error and NLMSG_DONE, every request they sent | packet messages: `nlmsg`, `nfgen`, every attribute of `attrs` (found by its printed name); acks and errors (`error.*`, `echo.nlmsg`); the verdict and config requests |
//! | nft_ctobj, nft_ctobj_host | `nft list ...` / `nft reset counter` output: ct helper, ct timeout, ct expectation and counter objects, handles (`-a`), `Error:` lines | nftables NEWOBJ replies (`type`, `handle`, `data.*`), NEWTABLE replies (`handle`, family), error replies |
//!
//! Where the client prints less than the decoder shows, the rest is named in the
//! test (and must be exactly that): nfct prints no `use` and no cthelper `policy`,
//! and cannot name the sctp heartbeat states; nft prints no `use` and only the
//! timeout policy values that differ from its own defaults (the others are compared
//! with the `nft add ct timeout` command line where it gave them).
//!
//! Each test collects every disagreement before failing (a [`Tally`]) and asserts
//! the number of values it compared, measured on these captures, so a parse that
//! finds nothing cannot pass.

use crate::common::{capture, render};
use crate::support::corpus;
use crate::support::transcript::{self, Cmd, Transcript};
use nfct_decode::run::Format;
use serde_json::Value;
use std::fmt::{Debug, Display};
use std::net::IpAddr;

// ---------------------------------------------------------------------------
// Shared: the two sources, the tally, values as the decoder shows them
// ---------------------------------------------------------------------------

/// The messages of `more/NAME.pcap` as the JSON output shows them, one object per
/// message (notices left out).
fn decoded(name: &str) -> Vec<Value> {
    render(
        &capture(&format!("more/{name}.pcap")),
        Format::Json,
        false,
        None,
    )
    .lines()
    .map(|l| serde_json::from_str::<Value>(l).unwrap())
    .filter(|v| v.get("nlmsg").is_some())
    .collect()
}

/// The text of `more/NAME.txt`.
fn transcript_text(name: &str) -> String {
    let p = corpus::path(&format!("more/{name}.txt"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The lines after the first line that starts with `header`, up to the next
/// traced command (`$ `) or comment (`# `), with their 1-based line numbers.
fn section<'t>(text: &'t str, header: &str) -> Vec<(usize, &'t str)> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with(header))
        .unwrap_or_else(|| panic!("no `{header}` line"));
    lines
        .iter()
        .enumerate()
        .skip(start + 1)
        .take_while(|(_, l)| !l.starts_with("$ ") && !l.starts_with("# "))
        .map(|(i, l)| (i + 1, *l))
        .collect()
}

/// The comparisons of one test: how many values were compared and every
/// disagreement (all are reported at once).
struct Tally {
    capture: &'static str,
    values: usize,
    wrong: Vec<String>,
}

impl Tally {
    fn new(capture: &'static str) -> Tally {
        Tally {
            capture,
            values: 0,
            wrong: Vec::new(),
        }
    }

    /// One value: what the decoder shows against what the client printed.
    fn same<T: PartialEq + Debug>(&mut self, what: impl Display, shown: T, printed: T) {
        self.values += 1;
        if shown != printed {
            self.wrong.push(format!(
                "{what}: decoder shows {shown:?}, client printed {printed:?}"
            ));
        }
    }

    /// Something that is no value comparison went wrong (a message not found, a
    /// value the client did not print and the test does not expect).
    fn fail(&mut self, what: impl Display) {
        self.wrong.push(what.to_string());
    }

    /// Fails with every disagreement, then unless at least `min` values were
    /// compared; returns the number compared.
    fn finish(self, min: usize) -> usize {
        assert!(
            self.wrong.is_empty(),
            "{}: {} disagreements ({} values compared):\n{}",
            self.capture,
            self.wrong.len(),
            self.values,
            self.wrong.join("\n")
        );
        assert!(
            self.values >= min,
            "{}: {} values compared, at least {min} expected",
            self.capture,
            self.values
        );
        eprintln!("{}: {} values compared", self.capture, self.values);
        self.values
    }
}

/// `v` at the dotted `path` of object keys.
fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

fn text(v: Option<&Value>) -> Option<&str> {
    v?.as_str()
}

/// A decimal or `0x` hex number.
fn parse_num(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

/// A number as the decoder shows it: a JSON number or a `0x...` string.
fn num(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) if s.starts_with("0x") => parse_num(s),
        _ => None,
    }
}

/// A signed JSON number (error codes).
fn int(v: Option<&Value>) -> Option<i64> {
    v?.as_i64()
}

/// A flag list as the decoder shows it: its names (unknown bits as their number).
fn flag_names(v: Option<&Value>) -> Option<Vec<String>> {
    v?.as_array().map(|a| {
        a.iter()
            .map(|x| x.as_str().map_or_else(|| x.to_string(), String::from))
            .collect()
    })
}

/// The kernel's `SOME_NAME` as the decoder names it: `some-name`.
fn kebab(s: &str) -> String {
    s.to_ascii_lowercase().replace('_', "-")
}

/// A table of names and numbers.
type Names = &'static [(&'static str, u64)];

fn lookup(table: &[(&str, u64)], name: &str) -> Option<u64> {
    table.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// A number the decoder shows either as a number or by a name of `table`.
fn named_num(v: Option<&Value>, table: &[(&str, u64)]) -> Option<u64> {
    match v? {
        Value::String(s) if !s.starts_with("0x") => lookup(table, s),
        other => num(Some(other)),
    }
}

/// NFPROTO_* by the names the decoder shows for families (docs/json.md,
/// `nfgen.family`; the same names for l3proto attributes).
const FAMILIES: &[(&str, u64)] = &[
    ("unspec", 0),
    ("inet", 1),
    ("ipv4", 2),
    ("arp", 3),
    ("netdev", 5),
    ("bridge", 7),
    ("ipv6", 10),
    ("decnet", 12),
];

/// NFPROTO_* by nft's family names (`family2str()`).
const NFT_FAMILIES: &[(&str, u64)] = &[
    ("inet", 1),
    ("ip", 2),
    ("arp", 3),
    ("netdev", 5),
    ("bridge", 7),
    ("ip6", 10),
];

/// AF_* as the listeners print them.
const AF: &[(&str, u64)] = &[("AF_UNSPEC", 0), ("AF_INET", 2), ("AF_INET6", 10)];

/// IANA protocol numbers by name (/etc/protocols' names, which nft prints, and
/// the netlink specs' names).
const PROTOCOLS: &[(&str, u64)] = &[
    ("icmp", 1),
    ("igmp", 2),
    ("tcp", 6),
    ("udp", 17),
    ("dccp", 33),
    ("gre", 47),
    ("esp", 50),
    ("ah", 51),
    ("icmpv6", 58),
    ("ipv6-icmp", 58),
    ("sctp", 132),
    ("udplite", 136),
];

/// enum nf_inet_hooks (NF_INET_PRE_ROUTING ... NF_INET_POST_ROUTING), by nft's hook
/// names.
const HOOKS: &[&str] = &["prerouting", "input", "forward", "output", "postrouting"];

/// IP_CT_TCP_FLAG_* (include/uapi/linux/netfilter/nf_conntrack_tcp.h).
const TCP_FLAGS: &[(u8, &str)] = &[
    (0x01, "WINDOW_SCALE"),
    (0x02, "SACK_PERM"),
    (0x04, "CLOSE_INIT"),
    (0x08, "BE_LIBERAL"),
    (0x10, "UNACKED"),
    (0x20, "MAXACK_SET"),
    (0x40, "CHALLENGE_ACK"),
    (0x80, "SIMULTANEOUS_OPEN"),
];

fn from_kernel(m: &Value) -> bool {
    text(m.get("direction")) == Some("from-kernel")
}

fn kind(m: &Value) -> &str {
    text(m.get("kind")).unwrap_or("")
}

fn is(m: &Value, subsystem: &str, message: &str) -> bool {
    text(m.get("subsystem")) == Some(subsystem) && text(m.get("message")) == Some(message)
}

/// `frame F @O`, to say which message a disagreement is about.
fn place(m: &Value) -> String {
    format!(
        "frame {} @{}",
        num(m.get("frame")).unwrap_or(0),
        num(m.get("offset")).unwrap_or(0)
    )
}

/// The code of what closed an answer: `error.code` of an ACK or error, `status` of
/// an NLMSG_DONE.
fn end_code(m: &Value) -> Option<i64> {
    match kind(m) {
        "done" => int(m.get("status")),
        _ => int(at(m, "error.code")),
    }
}

// ---------------------------------------------------------------------------
// 1./2. nfct: cttimeout and cthelper
// ---------------------------------------------------------------------------

/// A subsystem nfct drives: its JSON name and the name of its delete message.
struct Nfct {
    subsystem: &'static str,
    delete: &'static str,
}

const CTTIMEOUT: Nfct = Nfct {
    subsystem: "ctnetlink-timeout",
    delete: "delete",
};

const CTHELPER: Nfct = Nfct {
    subsystem: "cthelper",
    delete: "del",
};

/// One nfct command, the request it sent and the kernel's answer: its replies
/// and the ACK, error or NLMSG_DONE that closed them.
struct Exchange<'a> {
    cmd: &'a Cmd,
    replies: Vec<&'a Value>,
    end: Option<&'a Value>,
}

/// nfct's `nfct vX: netlink error: TEXT` line (strerror of the kernel's errno).
fn netlink_error(cmd: &Cmd) -> Option<&str> {
    cmd.out
        .iter()
        .find_map(|l| l.split_once(": netlink error: ").map(|(_, e)| e))
}

/// The kernel messages after `msgs[req]` with its sequence number, up to the ACK,
/// error or NLMSG_DONE that closes them.
fn answer(msgs: &[Value], req: usize) -> (Vec<&Value>, Option<&Value>) {
    let seq = num(at(&msgs[req], "nlmsg.seq"));
    let mut replies = Vec::new();
    for m in &msgs[req + 1..] {
        if !from_kernel(m) || num(at(m, "nlmsg.seq")) != seq {
            continue;
        }
        if matches!(kind(m), "ack" | "error" | "done") {
            return (replies, Some(m));
        }
        replies.push(m);
    }
    (replies, None)
}

/// Each nfct command of `t` that reached the kernel, with its request (the next
/// request of `sub` with the command's message, dump flag and name) and answer.
/// nfct refuses some commands itself (exit status 1 without a `netlink error:`
/// line: unknown state name, no such helper plugin); they send nothing. Also
/// returns how many requests of `sub` no nfct command sent.
fn nfct_exchanges<'a>(
    t: &'a Transcript,
    msgs: &'a [Value],
    sub: &Nfct,
    tally: &mut Tally,
) -> (Vec<Exchange<'a>>, usize) {
    let requests: Vec<usize> = (0..msgs.len())
        .filter(|&i| {
            !from_kernel(&msgs[i]) && text(msgs[i].get("subsystem")) == Some(sub.subsystem)
        })
        .collect();
    let (mut next, mut others, mut out) = (0, 0, Vec::new());
    for cmd in t.cmds.iter().filter(|c| c.args[0] == "nfct") {
        if cmd.exit != Some(0) && netlink_error(cmd).is_none() {
            continue;
        }
        let verb = cmd.args[1].as_str();
        let (message, dump) = match verb {
            "list" => ("get", true),
            "get" => ("get", false),
            "add" | "disable" => ("new", false),
            "delete" | "flush" => (sub.delete, false),
            "default-get" | "default-set" => (verb, false),
            _ => panic!("{}: unknown nfct command", cmd.what(tally.capture)),
        };
        let name = match verb {
            "get" | "add" | "delete" | "disable" => cmd.args.get(3).map(String::as_str),
            _ => None,
        };
        let found = requests[next..].iter().position(|&i| {
            let m = &msgs[i];
            text(m.get("message")) == Some(message)
                && (kind(m) == "dump-request") == dump
                && name.is_none_or(|n| text(at(m, "attrs.name")) == Some(n))
        });
        let Some(p) = found else {
            tally.fail(format!(
                "{}: its request is not decoded",
                cmd.what(tally.capture)
            ));
            continue;
        };
        others += p;
        let req = requests[next + p];
        next += p + 1;
        let (replies, end) = answer(msgs, req);
        out.push(Exchange { cmd, replies, end });
    }
    (out, others + requests.len() - next)
}

/// The exit status and `netlink error:` line of `x.cmd` against what closed the
/// kernel's answer.
fn compare_outcome(t: &mut Tally, what: &str, x: &Exchange) {
    let Some(end) = x.end else {
        t.fail(format!(
            "{what}: the answer is not closed by an ACK, error or DONE"
        ));
        return;
    };
    let what = format!("{what}, {}", place(end));
    match netlink_error(x.cmd) {
        Some(e) => {
            t.same(
                format!("{what}: error text"),
                text(at(end, "error.text")),
                Some(e),
            );
            t.same(
                format!("{what}: an error code"),
                end_code(end).map(|c| c < 0),
                Some(true),
            );
        }
        None => t.same(
            format!("{what}: code (nfct exit status {:?})", x.cmd.exit),
            end_code(end),
            Some(0),
        ),
    }
}

/// One entry nfct printed: `{` or `.NAME = {` (cttimeout) or nothing (default-get),
/// `.key = value,` fields, `.key = {` ... `},` nests, `};`.
#[derive(Debug, Default)]
struct Entry {
    name: Option<String>,
    fields: Vec<(String, String)>,
    nests: Vec<(String, Vec<(String, String)>)>,
}

fn nfct_entries(cmd: &Cmd, what: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut cur: Option<Entry> = None;
    let mut nest: Option<(String, Vec<(String, String)>)> = None;
    for line in &cmd.out {
        let l = line.trim();
        if l.contains(": netlink error: ") {
            continue; // compared with the error reply
        }
        match l {
            "{" => cur = Some(Entry::default()),
            "};" => out.extend(cur.take()),
            "}," => {
                let n = nest
                    .take()
                    .unwrap_or_else(|| panic!("{what}: `}},` outside a nest"));
                cur.as_mut().unwrap().nests.push(n);
            }
            _ => {
                let (key, value) = l
                    .strip_prefix('.')
                    .and_then(|r| r.split_once(" = "))
                    .unwrap_or_else(|| panic!("{what}: unexpected line {line:?}"));
                if value == "{" {
                    match &cur {
                        None => {
                            cur = Some(Entry {
                                name: Some(key.to_string()),
                                ..Entry::default()
                            })
                        }
                        Some(_) => nest = Some((key.to_string(), Vec::new())),
                    }
                    continue;
                }
                let value = value
                    .strip_suffix(',')
                    .unwrap_or_else(|| panic!("{what}: {line:?}"));
                let kv = (key.to_string(), value.to_string());
                match &mut nest {
                    Some((_, fields)) => fields.push(kv),
                    // default-get prints no `.NAME = {` line
                    None => cur.get_or_insert_with(Entry::default).fields.push(kv),
                }
            }
        }
    }
    assert!(
        cur.is_none() && nest.is_none(),
        "{what}: unterminated entry"
    );
    out
}

/// nfct's state name (libnetfilter_cttimeout) as the decoder names the kernel's
/// CTA_TIMEOUT_<PROTO>_<STATE>: nfct prints CTA_TIMEOUT_TCP_UNACK as UNACKNOWLEDGED.
fn nfct_state(state: &str) -> String {
    match state {
        "UNACKNOWLEDGED" => "unack".to_string(),
        s => kebab(s),
    }
}

/// Timeout states the kernel sends that nfct 1.4.7 has no name for
/// (libnetfilter_cttimeout 1.0.x knows 7 sctp states; 6.1 dumps the two heartbeat
/// states too).
const NFCT_NAMELESS: &[&str] = &["heartbeat-sent", "heartbeat-acked"];

/// Keys the decoder shows in a cttimeout reply that nfct does not print (`use`:
/// the policy's reference count).
const TIMEOUT_UNPRINTED: &[&str] = &["use"];

fn compare_timeout(t: &mut Tally, what: &str, e: &Entry, m: &Value) {
    let a = m.get("attrs").unwrap_or(&Value::Null);
    let mut compared = vec!["name", "data"];
    t.same(
        format!("{what}: name"),
        text(a.get("name")),
        e.name.as_deref(),
    );
    for (k, v) in &e.fields {
        let table = match k.as_str() {
            "l3proto" => FAMILIES,
            "l4proto" => PROTOCOLS,
            _ => {
                t.fail(format!(
                    "{what}: nfct printed .{k}, which this test does not compare"
                ));
                continue;
            }
        };
        t.same(
            format!("{what}: .{k} ({:?})", a.get(k)),
            named_num(a.get(k), table),
            parse_num(v),
        );
        compared.push(k);
    }
    let mut printed: Vec<String> = Vec::new();
    for (nest, fields) in &e.nests {
        if nest != "policy" {
            t.fail(format!(
                "{what}: nfct printed .{nest}, which this test does not compare"
            ));
            continue;
        }
        for (state, v) in fields {
            let key = nfct_state(state);
            t.same(
                format!("{what}: .policy.{state} (data.{key})"),
                num(a.get("data").and_then(|d| d.get(&key))),
                parse_num(v),
            );
            printed.push(key);
        }
    }
    if let Some(Value::Object(d)) = a.get("data") {
        for k in d.keys() {
            if !printed.contains(k) && !NFCT_NAMELESS.contains(&k.as_str()) {
                t.fail(format!(
                    "{what}: the decoder shows data.{k}, nfct printed no such state"
                ));
            }
        }
    }
    unprinted_keys(t, what, a, &compared, TIMEOUT_UNPRINTED);
}

/// Fails for every key of `a` that was neither compared nor is expected to be
/// left out by the client.
fn unprinted_keys(t: &mut Tally, what: &str, a: &Value, compared: &[&str], unprinted: &[&str]) {
    if let Value::Object(o) = a {
        for k in o.keys() {
            if !compared.contains(&k.as_str()) && !unprinted.contains(&k.as_str()) {
                t.fail(format!(
                    "{what}: the decoder shows {k}, which nfct did not print"
                ));
            }
        }
    }
}

/// Every `nfct list/get/default-get timeout` entry and every command's outcome of
/// capture `name` against the kernel's cttimeout answers.
fn nfct_timeouts(name: &'static str, min: usize) -> usize {
    let msgs = decoded(name);
    let text = transcript_text(name);
    let tr = transcript::parse(&text);
    let mut t = Tally::new(name);
    let (xs, others) = nfct_exchanges(&tr, &msgs, &CTTIMEOUT, &mut t);
    assert_eq!(others, 0, "{name}: cttimeout requests no nfct command sent");
    for x in &xs {
        let what = x.cmd.what(name);
        compare_outcome(&mut t, &what, x);
        let entries = nfct_entries(x.cmd, &what);
        t.same(format!("{what}: entries"), x.replies.len(), entries.len());
        for (e, m) in entries.iter().zip(&x.replies) {
            compare_timeout(&mut t, &format!("{what}, {}", place(m)), e, m);
        }
    }
    t.finish(min)
}

/// nfct's helper fields and the decoder's paths, with the table that turns the
/// decoder's names into the printed numbers (None: compared as printed).
const HELPER_FIELDS: &[(&str, &str, Option<Names>)] = &[
    ("name", "name", None),
    ("queuenum", "queue-num", None),
    ("l3protonum", "tuple.l3protonum", Some(FAMILIES)),
    ("l4protonum", "tuple.l4protonum", Some(PROTOCOLS)),
    ("priv_data_len", "priv-data-len", None),
    // libnetfilter_cthelper prints NFCT_HELPER_STATUS_ENABLED / _DISABLED as
    // `enabled` / `disabled`, the decoder's names of NFCTH_STATUS.
    ("status", "status", None),
];

/// Keys the decoder shows in a cthelper reply that nfct does not print (the
/// expectation policy; conntrackd's log prints its own, see below).
const HELPER_UNPRINTED: &[&str] = &["policy"];

fn compare_helper(t: &mut Tally, what: &str, e: &Entry, m: &Value) {
    let a = m.get("attrs").unwrap_or(&Value::Null);
    for (k, v) in &e.fields {
        let Some((_, path, table)) = HELPER_FIELDS.iter().find(|(f, _, _)| f == k) else {
            t.fail(format!(
                "{what}: nfct printed .{k}, which this test does not compare"
            ));
            continue;
        };
        let shown = at(a, path);
        let what = format!("{what}: .{k} ({path} = {shown:?})");
        match table {
            Some(table) => t.same(what, named_num(shown, table), parse_num(v)),
            None if shown.is_some_and(Value::is_string) => {
                t.same(what, text(shown), Some(v.as_str()))
            }
            None => t.same(what, num(shown), parse_num(v)),
        }
    }
    let compared: Vec<&str> = HELPER_FIELDS
        .iter()
        .map(|(_, p, _)| p.split('.').next().unwrap())
        .collect();
    unprinted_keys(t, what, a, &compared, HELPER_UNPRINTED);
    if !e.nests.is_empty() {
        t.fail(format!(
            "{what}: nfct printed nests, which this test does not compare"
        ));
    }
}

/// Every `nfct list/get helper` entry and every command's outcome of capture
/// `name` (its decoded messages `msgs`, its transcript `tr`) against the kernel's
/// cthelper answers; `others`: the cthelper requests of other programs.
fn nfct_helpers<'a>(
    name: &str,
    msgs: &'a [Value],
    tr: &'a Transcript,
    others: usize,
    t: &mut Tally,
) -> Vec<Exchange<'a>> {
    let (xs, n) = nfct_exchanges(tr, msgs, &CTHELPER, t);
    assert_eq!(n, others, "{name}: cthelper requests no nfct command sent");
    for x in &xs {
        let what = x.cmd.what(name);
        compare_outcome(t, &what, x);
        let entries = nfct_entries(x.cmd, &what);
        t.same(format!("{what}: entries"), x.replies.len(), entries.len());
        for (e, m) in entries.iter().zip(&x.replies) {
            compare_helper(t, &format!("{what}, {}", place(m)), e, m);
        }
    }
    xs
}

/// `nfct_helpers` over capture `name` alone.
fn nfct_helpers_of(name: &'static str, others: usize, min: usize) -> usize {
    let msgs = decoded(name);
    let tr = transcript::parse(&transcript_text(name));
    let mut t = Tally::new(name);
    nfct_helpers(name, &msgs, &tr, others, &mut t);
    t.finish(min)
}

/// 6.1 kernel, nfct 1.4.7: 38 commands reached the kernel (one more was refused
/// by nfct itself); 25 entries. Measured: 283 values.
#[test]
fn cttimeout_nfct_shown() {
    nfct_timeouts("cttimeout", 283);
}

/// 6.18 kernel: the same commands (37 reached the kernel); no DCCP conntrack
/// (add and default-get dccp fail with EOPNOTSUPP), sctp has 7 states. Measured: 253 values.
#[test]
fn cttimeout_nfct_shown_host() {
    nfct_timeouts("nfct_timeout_host", 253);
}

/// 6.1 kernel, nfct 1.4.7: 18 commands reached the kernel (4 lists, 4 gets, adds
/// (the first EBUSY: the kernel's own ftp helper), disable, deletes, flush). Measured: 81 values.
#[test]
fn cthelper_nfct_shown() {
    nfct_helpers_of("cthelper", 0, 81);
}

/// 6.18 without nfnetlink_cthelper (CONFIG_NF_CT_NETLINK_HELPER unset): nfnetlink
/// finds no subsystem 9 and answers every request with EINVAL
/// (nfnetlink_rcv_msg), which nfct prints as `Invalid argument`; the 8th command
/// is refused by nfct itself. Measured: 21 values.
#[test]
fn cthelper_nfct_shown_host() {
    nfct_helpers_of("nfct_helper_host", 0, 21);
}

/// conntrackd as the userspace ftp helper: nfct's listings after conntrackd
/// started, and conntrackd's log (`configuring helper `ftp' with queuenum=Q and
/// queuelen=L`, `policy name=N expect_timeout=T expect_max=M`): the queue and
/// policy the kernel reports for that helper, and the queue length conntrackd
/// configured (its NFQUEUE config request). One cthelper request is conntrackd's
/// own (its NEW of the helper, status enabled). Measured: 32 values.
#[test]
fn cthelper_conntrackd_shown() {
    let name = "cthelper_conntrackd";
    let txt = transcript_text(name);
    let msgs = decoded(name);
    let tr = transcript::parse(&txt);
    let mut t = Tally::new(name);
    let xs = nfct_helpers(name, &msgs, &tr, 1, &mut t);
    let log = section(&txt, "# --- /tmp/conntrackd.log:");
    let mut helper: Option<(String, u64, u64)> = None;
    let mut policies: Vec<(String, u64, u64)> = Vec::new();
    for (_, l) in &log {
        if let Some(r) = l.split_once("configuring helper `").map(|(_, r)| r) {
            let (h, r) = r.split_once("' with queuenum=").unwrap();
            let (q, len) = r.split_once(" and queuelen=").unwrap();
            helper = Some((
                h.to_string(),
                parse_num(q).unwrap(),
                parse_num(len).unwrap(),
            ));
        } else if let Some(r) = l.split_once("] policy ").map(|(_, r)| r) {
            let kv: Vec<(&str, &str)> = r
                .split_whitespace()
                .filter_map(|w| w.split_once('='))
                .collect();
            let get = |k: &str| kv.iter().find(|(x, _)| *x == k).map(|(_, v)| *v).unwrap();
            policies.push((
                get("name").to_string(),
                parse_num(get("expect_timeout")).unwrap(),
                parse_num(get("expect_max")).unwrap(),
            ));
        }
    }
    let (hname, queuenum, queuelen) = helper.expect("no `configuring helper` line");
    assert!(!policies.is_empty(), "no `policy` line");
    let started = tr
        .cmds
        .iter()
        .find(|c| c.args[0] == "conntrackd" && c.has("-d"))
        .map(|c| c.line)
        .unwrap();
    let mut listed = 0;
    for x in xs
        .iter()
        .filter(|x| x.cmd.line > started && x.cmd.args[1] == "list")
    {
        for m in x
            .replies
            .iter()
            .filter(|m| text(at(m, "attrs.name")) == Some(hname.as_str()))
        {
            let what = format!("conntrackd.log vs {}, {}", x.cmd.what(name), place(m));
            t.same(
                format!("{what}: queuenum"),
                num(at(m, "attrs.queue-num")),
                Some(queuenum),
            );
            t.same(
                format!("{what}: policies"),
                num(at(m, "attrs.policy.set-num")),
                Some(policies.len() as u64),
            );
            for (i, (pname, timeout, max)) in policies.iter().enumerate() {
                let p = at(m, "attrs.policy").and_then(|p| p.get(format!("set{}", i + 1)));
                let p = p.unwrap_or(&Value::Null);
                t.same(
                    format!("{what}: policy {i} name"),
                    text(p.get("name")),
                    Some(pname.as_str()),
                );
                t.same(
                    format!("{what}: policy {i} expect_timeout"),
                    num(p.get("expect-timeout")),
                    Some(*timeout),
                );
                t.same(
                    format!("{what}: policy {i} expect_max"),
                    num(p.get("expect-max")),
                    Some(*max),
                );
            }
            listed += 1;
        }
    }
    assert_eq!(
        listed, 2,
        "the helper in both listings after conntrackd started"
    );
    // conntrackd is the only NFQUEUE user of this capture.
    let cfg: Vec<&Value> = msgs
        .iter()
        .filter(|m| !from_kernel(m) && at(m, "attrs.queue-maxlen").is_some())
        .collect();
    t.same("conntrackd's NFQUEUE config requests", cfg.len(), 1);
    for m in cfg {
        t.same(
            format!("conntrackd.log queuelen vs {}: queue-maxlen", place(m)),
            num(at(m, "attrs.queue-maxlen")),
            Some(queuelen),
        );
    }
    t.finish(32);
}

// ---------------------------------------------------------------------------
// 3./4. The NFQUEUE and NFLOG listeners (nfq_ct.c, nflog_ct.c, nlprint.h)
// ---------------------------------------------------------------------------

/// One attribute line of a listener: `[type T( NESTED)? len L] NAME value`, the
/// `hex: ...` line that follows a payload, and a nest's attributes (printed
/// deeper).
#[derive(Debug)]
struct Printed {
    line: usize,
    name: String,
    value: String,
    hex: Option<String>,
    children: Vec<Printed>,
}

/// What a listener printed, in order.
#[derive(Debug)]
enum Event {
    /// `-> WHAT` and its `sent nlmsghdr ...` line: a request it sent.
    Sent {
        line: usize,
        what: String,
        hdr: String,
    },
    /// A `recv nlmsghdr ...` line of an NLMSG_ERROR and its `<- ACK ...` /
    /// `<- NLMSG_ERROR ...` line.
    Ack {
        line: usize,
        hdr: String,
        ack: String,
    },
    /// `<- packet k=N` / `<- log message k=N`: its header and attributes.
    Packet {
        line: usize,
        hdr: String,
        attrs: Vec<Printed>,
    },
    /// `recv NLMSG_DONE nlmsghdr ...`.
    Done { line: usize, hdr: String },
}

/// Inserts `p` at nesting `depth` (0: the message's own attributes) after the
/// last attribute of each level above.
fn insert(list: &mut Vec<Printed>, depth: usize, p: Printed) {
    match depth {
        0 => list.push(p),
        d => insert(&mut list.last_mut().unwrap().children, d - 1, p),
    }
}

/// The output of `program` in the transcript: the lines after `# --- output of
/// PROGRAM`.
fn listener_events(text: &str, program: &str) -> Vec<Event> {
    let mut events: Vec<Event> = Vec::new();
    let mut what: Option<(usize, String)> = None;
    let mut ack_hdr: Option<String> = None;
    // The indents of the last attribute of each level of the current packet.
    let mut indents: Vec<usize> = Vec::new();
    for (no, line) in section(text, &format!("# --- output of {program}")) {
        let l = line.trim_start();
        let indent = line.len() - l.len();
        if let Some(w) = l.strip_prefix("-> ") {
            what = Some((no, w.to_string()));
        } else if let Some(h) = l.strip_prefix("sent nlmsghdr ") {
            let (line, what) = what
                .take()
                .unwrap_or_else(|| panic!("line {no}: no `->` line"));
            events.push(Event::Sent {
                line,
                what,
                hdr: h.to_string(),
            });
        } else if l.starts_with("<- packet k=") || l.starts_with("<- log message k=") {
            events.push(Event::Packet {
                line: no,
                hdr: String::new(),
                attrs: Vec::new(),
            });
            indents.clear();
        } else if let Some(h) = l.strip_prefix("recv NLMSG_DONE nlmsghdr ") {
            events.push(Event::Done {
                line: no,
                hdr: h.to_string(),
            });
        } else if let Some(h) = l.strip_prefix("recv nlmsghdr ") {
            match events.last_mut() {
                Some(Event::Packet { hdr, .. }) if hdr.is_empty() => *hdr = h.to_string(),
                _ => ack_hdr = Some(h.to_string()),
            }
        } else if l.starts_with("<- ACK ") || l.starts_with("<- NLMSG_ERROR ") {
            let hdr = ack_hdr
                .take()
                .unwrap_or_else(|| panic!("line {no}: no header"));
            events.push(Event::Ack {
                line: no,
                hdr,
                ack: l.to_string(),
            });
        } else if let Some(r) = l.strip_prefix("[type ") {
            let Some(Event::Packet { attrs, .. }) = events.last_mut() else {
                panic!("line {no}: an attribute outside a packet")
            };
            let (_, tail) = r.split_once("] ").unwrap_or((r, ""));
            let (name, value) = tail.split_once(' ').unwrap_or((tail, ""));
            while indents.last().is_some_and(|&i| i >= indent) {
                indents.pop();
            }
            let p = Printed {
                line: no,
                name: name.to_string(),
                value: value.to_string(),
                hex: None,
                children: Vec::new(),
            };
            insert(attrs, indents.len(), p);
            indents.push(indent);
        } else if let Some(h) = l.strip_prefix("hex: ") {
            let Some(Event::Packet { attrs, .. }) = events.last_mut() else {
                panic!("line {no}: hex outside a packet")
            };
            attrs.last_mut().unwrap().hex = Some(h.to_string());
        } else if !(l.starts_with(&format!("{program}: "))
            || l.starts_with("(held")
            || l.starts_with("(no more packets")
            || l.starts_with("<- recv() returned "))
        {
            panic!("line {no}: unexpected line {line:?}");
        }
    }
    events
}

/// The printed header fields and where the decoder shows them.
const HEADER: &[(&str, &str)] = &[
    ("len", "nlmsg.len"),
    ("type", "nlmsg.type"),
    ("flags", "nlmsg.flags"),
    ("seq", "nlmsg.seq"),
    ("pid", "nlmsg.portid"),
    ("family", "nfgen.family"),
    ("version", "nfgen.version"),
    ("res_id", "nfgen.res_id"),
];

/// `len=.. type=0x.. flags=0x.. seq=.. pid=..( | nfgenmsg family=.. version=..
/// res_id=..)?` against the decoded message.
fn compare_header(t: &mut Tally, here: &str, hdr: &str, m: &Value) {
    for (k, v) in hdr.split_whitespace().filter_map(|w| w.split_once('=')) {
        let Some((_, path)) = HEADER.iter().find(|(h, _)| *h == k) else {
            t.fail(format!("{here}: header field {k}"));
            continue;
        };
        let shown = match k {
            "family" => named_num(at(m, path), FAMILIES),
            _ => num(at(m, path)),
        };
        t.same(format!("{here}: {k}"), shown, parse_num(v));
    }
}

/// The printed attribute name (`CTA_PROTOINFO_TCP_STATE`) and the decoder's key
/// (`tcp-state`): the kernel name without its prefix (CTA_, NFQA_, NFULA_) ends
/// with the key.
fn names_match(printed: &str, key: &str) -> bool {
    let k = kebab(printed.split_once('_').map_or(printed, |(_, r)| r));
    k == key || k.ends_with(&format!("-{key}"))
}

/// The words of a printed annotation (`(0xa) (SEEN_REPLY|CONFIRMED)`,
/// `(IP_CT_NEW)`, `CSUMNOTREADY`): names, without numbers and parentheses.
fn words(rest: &str) -> Vec<String> {
    rest.split_whitespace()
        .map(|w| w.trim_matches(|c| c == '(' || c == ')'))
        .filter(|w| !w.is_empty() && parse_num(w).is_none())
        .flat_map(|w| w.split('|'))
        .map(String::from)
        .collect()
}

fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A hex dump nlprint.h printed (at most 64 bytes, then `...(N bytes)`) against
/// the hex the decoder shows.
fn compare_hex(t: &mut Tally, here: &str, shown: Option<&str>, printed: &str) {
    match printed.split_once("...(") {
        Some((prefix, total)) => {
            let total = total.trim_end_matches(" bytes)").parse::<usize>().ok();
            t.same(format!("{here}: length"), shown.map(|s| s.len() / 2), total);
            t.same(
                format!("{here}: bytes"),
                shown.and_then(|s| s.get(..prefix.len())),
                Some(prefix),
            );
        }
        None => t.same(format!("{here}: bytes"), shown, Some(printed)),
    }
}

/// `key=value` members of a C structure (`packet_id=1 hw_protocol=0x0800 hook=3
/// (LOCAL_OUT)`, `addrlen=6 addr=0000000000000000`).
fn compare_members(t: &mut Tally, here: &str, printed: &str, shown: &Value) {
    for (k, v) in printed.split_whitespace().filter_map(|w| w.split_once('=')) {
        let key = match k {
            "addrlen" => "hw-addrlen".to_string(),
            "addr" => "hw-addr".to_string(),
            k => kebab(k),
        };
        let f = shown.get(&key);
        let what = format!("{here}: {k} ({key} = {f:?})");
        match k {
            "hook" => t.same(
                what,
                text(f),
                parse_num(v).and_then(|h| HOOKS.get(h as usize)).copied(),
            ),
            // nlprint.h dumps hw_addr[8] in hex; the decoder shows its bytes in hex.
            "addr" => t.same(what, f.and_then(|f| f.as_str()), Some(v)),
            _ => t.same(what, num(f), parse_num(v)),
        }
    }
}

/// One printed leaf attribute against the value the decoder shows.
fn compare_value(t: &mut Tally, here: &str, p: &Printed, shown: &Value) {
    let name = p.name.as_str();
    if name.ends_with("_PACKET_HDR") || name.ends_with("_HWADDR") {
        return compare_members(t, here, &p.value, shown);
    }
    if name.ends_with("_PAYLOAD") {
        // `48 bytes: IPv4 ...` and `hex: ...`
        let n = p.value.split_whitespace().next().and_then(parse_num);
        t.same(
            format!("{here}: length"),
            shown.as_str().map(|s| s.len() as u64 / 2),
            n,
        );
        return compare_hex(t, here, shown.as_str(), p.hex.as_deref().unwrap_or(""));
    }
    let Some(v) = p.value.strip_prefix("= ") else {
        return t.fail(format!("{here}: printed {:?}, no value", p.value));
    };
    if let Some(s) = v.strip_prefix('"') {
        // `"nfct-out " (raw 6e66...00)`: the text up to its NUL
        let s = s
            .split_once("\" (raw ")
            .map_or(s.trim_end_matches('"'), |(s, _)| s);
        return t.same(here, shown.as_str(), Some(s));
    }
    let (tok, rest) = v.split_once(' ').unwrap_or((v, ""));
    match shown {
        Value::Object(o) if o.contains_key("flags") && o.contains_key("mask") => {
            // struct nf_ct_tcp_flags, dumped as its two bytes
            let b = hex_bytes(tok).unwrap_or_default();
            for (i, part) in ["flags", "mask"].iter().enumerate() {
                let bits = b.get(i).copied().unwrap_or(0);
                let names: Vec<String> = TCP_FLAGS
                    .iter()
                    .filter(|(bit, _)| bits & bit != 0)
                    .map(|(_, n)| kebab(n))
                    .collect();
                t.same(
                    format!("{here}: {part} ({bits:#04x})"),
                    flag_names(o.get(*part)),
                    Some(names),
                );
            }
        }
        Value::Array(_) => {
            // `= 10 (0xa) (SEEN_REPLY|CONFIRMED)`, `= 0x1 CSUMNOTREADY`
            let names: Vec<String> = words(rest).iter().map(|w| kebab(w)).collect();
            t.same(
                format!("{here} ({v})"),
                flag_names(Some(shown)),
                Some(names),
            );
        }
        Value::Number(_) => t.same(here, num(Some(shown)), parse_num(tok)),
        Value::String(s) if tok.parse::<IpAddr>().is_ok() => {
            t.same(here, Some(s.as_str()), Some(tok))
        }
        Value::String(s) if s.starts_with("0x") => t.same(here, parse_num(s), parse_num(tok)),
        Value::String(s) if name == "CTA_PROTO_NUM" => t.same(
            format!("{here} ({s})"),
            lookup(PROTOCOLS, s),
            parse_num(tok),
        ),
        Value::String(s) if parse_num(tok).is_some() && !words(rest).is_empty() => {
            // an enum: `= 2 (IP_CT_NEW)`, `= 1 (SYN_SENT)`
            let w = words(rest);
            let printed = kebab(w[0].strip_prefix("IP_CT_").unwrap_or(&w[0]));
            t.same(
                format!("{here} ({v})"),
                Some(s.as_str()),
                Some(printed.as_str()),
            );
        }
        Value::String(s) => compare_hex(t, here, Some(s), v),
        _ => t.fail(format!("{here}: printed {v}, decoder shows {shown}")),
    }
}

/// The printed attributes of one level against the decoder's object: each
/// printed attribute is found by its name, and the decoder shows nothing else.
fn compare_attrs(t: &mut Tally, here: &str, printed: &[Printed], shown: Option<&Value>) {
    let Some(Value::Object(o)) = shown else {
        return t.fail(format!("{here}: decoder shows {shown:?}, not attributes"));
    };
    let mut used: Vec<&str> = Vec::new();
    for p in printed {
        let here = format!("{here} > {} (line {})", p.name, p.line);
        let key = o
            .keys()
            .filter(|k| !used.contains(&k.as_str()) && names_match(&p.name, k))
            .max_by_key(|k| k.len());
        let Some(key) = key else {
            t.fail(format!("{here}: the decoder shows no such attribute"));
            continue;
        };
        used.push(key);
        if p.children.is_empty() && !p.value.is_empty() {
            compare_value(t, &here, p, &o[key]);
        } else {
            compare_attrs(t, &here, &p.children, Some(&o[key]));
        }
    }
    for k in o.keys().filter(|k| !used.contains(&k.as_str())) {
        t.fail(format!(
            "{here}: the decoder shows {k}, which the listener did not print"
        ));
    }
}

/// `<- ACK seq=1001 error=0 (echoed type 0x0302 seq 1001)`, `<- NLMSG_ERROR
/// seq=1005 error=-95 Operation not supported (echoed type 0x0302 seq 1005)`.
fn compare_ack(t: &mut Tally, here: &str, ack: &str, m: &Value) {
    let (head, echoed) = ack.split_once(" (echoed type ").unwrap();
    let (ety, eseq) = echoed.trim_end_matches(')').split_once(" seq ").unwrap();
    let (_, err) = head.split_once(" error=").unwrap();
    let (code, msg) = err.split_once(' ').unwrap_or((err, ""));
    t.same(
        format!("{here}: error"),
        int(at(m, "error.code")),
        code.parse().ok(),
    );
    if !msg.is_empty() {
        t.same(
            format!("{here}: error text"),
            text(at(m, "error.text")),
            Some(msg),
        );
    }
    t.same(
        format!("{here}: echoed type"),
        num(at(m, "echo.nlmsg.type")),
        parse_num(ety),
    );
    t.same(
        format!("{here}: echoed seq"),
        num(at(m, "echo.nlmsg.seq")),
        parse_num(eseq),
    );
}

/// `CTA_EXPECT_TUPLE 127.0.0.1:0 -> 127.0.0.1:9000 tcp, CTA_EXPECT_MASK
/// 255.255.255.255 -> 255.255.255.255 sport 0 dport 0xffff, CTA_EXPECT_TIMEOUT 60`
/// (nfq_ct.c's verdict_exp()) against the verdict's `exp` nest.
fn compare_exp_text(t: &mut Tally, here: &str, s: &str, exp: Option<&Value>) {
    let exp = exp.unwrap_or(&Value::Null);
    let addr = |a: &str| match a.parse::<IpAddr>() {
        Ok(IpAddr::V6(_)) => "ip-v6",
        _ => "ip-v4",
    };
    for part in s.split(", ") {
        let w: Vec<&str> = part.split_whitespace().collect();
        let here = format!("{here}: {}", w[0]);
        match w[0] {
            "CTA_EXPECT_TUPLE" => {
                let (src, sport) = w[1].rsplit_once(':').unwrap();
                let (dst, dport) = w[3].rsplit_once(':').unwrap();
                let ip = format!("tuple.tuple-ip.{}", addr(src));
                t.same(
                    format!("{here} src"),
                    text(at(exp, &format!("{ip}-src"))),
                    Some(src),
                );
                t.same(
                    format!("{here} dst"),
                    text(at(exp, &format!("{ip}-dst"))),
                    Some(dst),
                );
                let pr = |k: &str| at(exp, &format!("tuple.tuple-proto.{k}"));
                t.same(
                    format!("{here} sport"),
                    num(pr("proto-src-port")),
                    parse_num(sport),
                );
                t.same(
                    format!("{here} dport"),
                    num(pr("proto-dst-port")),
                    parse_num(dport),
                );
                t.same(
                    format!("{here} proto"),
                    named_num(pr("proto-num"), PROTOCOLS),
                    lookup(PROTOCOLS, w[4]),
                );
            }
            "CTA_EXPECT_MASK" => {
                let ip = format!("mask.tuple-ip.{}", addr(w[1]));
                t.same(
                    format!("{here} src"),
                    text(at(exp, &format!("{ip}-src"))),
                    Some(w[1]),
                );
                t.same(
                    format!("{here} dst"),
                    text(at(exp, &format!("{ip}-dst"))),
                    Some(w[3]),
                );
                for kv in w[4..].chunks(2) {
                    let key = match kv[0] {
                        "sport" => "proto-src-port",
                        _ => "proto-dst-port",
                    };
                    let shown = num(at(exp, &format!("mask.tuple-proto.{key}")));
                    t.same(format!("{here} {}", kv[0]), shown, parse_num(kv[1]));
                }
            }
            "CTA_EXPECT_TIMEOUT" => t.same(&here, num(exp.get("timeout")), parse_num(w[1])),
            _ => t.fail(format!("{here}: not compared")),
        }
    }
}

/// A listener's description of a request it sent (`NFQNL_MSG_VERDICT id=2
/// verdict=NF_ACCEPT + NFQA_CT{CTA_MARK=0x2a} (NLM_F_ACK)`, `NFQNL_MSG_CONFIG
/// NFQA_CFG_CMD PF_BIND pf=AF_INET`, `NFULNL_MSG_CONFIG NFULA_CFG_MODE copy_range=64
/// ..., FLAGS=0x7 (SEQ|SEQ_GLOBAL|CONNTRACK)`) against the decoded request.
fn compare_request(t: &mut Tally, here: &str, what: &str, m: &Value) {
    let a = m.get("attrs").unwrap_or(&Value::Null);
    let mut what = what.to_string();
    if let Some(start) = what.find("NFQA_EXP{") {
        let end = start + what[start..].find('}').unwrap();
        compare_exp_text(t, here, &what[start + 9..end], a.get("exp"));
        what.replace_range(start..=end, "");
    }
    let w: Vec<&str> = what
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    // copy_range / copy_mode: of NFQA_CFG_PARAMS or NFULA_CFG_MODE
    let params = if a.get("mode").is_some() {
        "mode"
    } else {
        "params"
    };
    for (i, tok) in w.iter().enumerate() {
        if matches!(*tok, "NFQA_CFG_CMD" | "NFULA_CFG_CMD") {
            let cmd = w.get(i + 1).map(|c| kebab(c));
            t.same(
                format!("{here}: {tok}"),
                text(at(a, "cmd.command")),
                cmd.as_deref(),
            );
            continue;
        }
        if let Some(mark) = tok
            .strip_prefix("NFQA_CT{CTA_MARK=")
            .and_then(|s| s.strip_suffix('}'))
        {
            t.same(
                format!("{here}: NFQA_CT CTA_MARK"),
                num(at(a, "ct.mark")),
                parse_num(mark),
            );
            continue;
        }
        let Some((keys, value)) = tok.rsplit_once('=') else {
            continue;
        };
        // flag names in `(A|B|C)` after the value; without them, the unknown bits
        let names = w
            .get(i + 1)
            .filter(|n| n.starts_with('(') && n.ends_with(')'))
            .map(|n| words(n).iter().map(|x| kebab(x)).collect::<Vec<_>>())
            .unwrap_or_else(|| vec![parse_num(value).unwrap_or(0).to_string()]);
        for key in keys.split('=') {
            let here = format!("{here}: {key}={value}");
            match key {
                "id" => t.same(here, num(at(a, "verdict-hdr.id")), parse_num(value)),
                "verdict" => {
                    let v = value.strip_prefix("NF_").map(kebab);
                    t.same(here, text(at(a, "verdict-hdr.verdict")), v.as_deref());
                }
                "NFQA_MARK" => t.same(here, num(a.get("mark")), parse_num(value)),
                "pf" => t.same(
                    here,
                    named_num(at(a, "cmd.pf"), FAMILIES),
                    lookup(AF, value),
                ),
                "family" => t.same(
                    here,
                    named_num(at(m, "nfgen.family"), FAMILIES),
                    lookup(AF, value),
                ),
                "copy_range" => t.same(
                    here,
                    num(at(a, &format!("{params}.copy-range"))),
                    parse_num(value),
                ),
                "copy_mode" => {
                    let mode = value.split_once("_COPY_").map(|(_, x)| kebab(x));
                    t.same(
                        here,
                        text(at(a, &format!("{params}.copy-mode"))),
                        mode.as_deref(),
                    );
                }
                "NFQA_CFG_QUEUE_MAXLEN" => {
                    t.same(here, num(a.get("queue-maxlen")), parse_num(value))
                }
                "NFQA_CFG_MASK" => t.same(here, num(a.get("mask")), parse_num(value)),
                "NFQA_CFG_FLAGS" | "FLAGS" => {
                    t.same(here, flag_names(a.get("flags")), Some(names.clone()))
                }
                "NLBUFSIZ" | "TIMEOUT" | "QTHRESH" => t.same(
                    here,
                    num(a.get(key.to_ascii_lowercase().as_str())),
                    parse_num(value),
                ),
                _ => t.fail(format!("{here}: not compared")),
            }
        }
    }
}

/// Everything `program` printed in capture `name` against the decoded messages:
/// its packets and NLMSG_DONEs in order (the kernel's messages to it with
/// sequence number and port id 0), its ACKs and errors (by sequence number and
/// port id) and its requests (by sequence number and type). Returns the number of
/// packets.
fn listener(name: &'static str, program: &str, min: usize) -> usize {
    let events = listener_events(&transcript_text(name), program);
    let msgs = decoded(name);
    let mut t = Tally::new(name);
    let unsolicited: Vec<&Value> = msgs
        .iter()
        .filter(|m| {
            from_kernel(m)
                && num(at(m, "nlmsg.seq")) == Some(0)
                && num(at(m, "nlmsg.portid")) == Some(0)
                && (kind(m) == "packet" || kind(m) == "done")
        })
        .collect();
    let (mut next, mut packets) = (0, 0);
    for ev in &events {
        match ev {
            Event::Packet { line, hdr, .. } | Event::Done { line, hdr }
                if hdr.contains("seq=0 ") =>
            {
                let Some(m) = unsolicited.get(next) else {
                    t.fail(format!("{program} line {line}: not decoded"));
                    continue;
                };
                next += 1;
                let here = format!("{program} line {line}, {}", place(m));
                compare_header(&mut t, &here, hdr, m);
                if let Event::Packet { attrs, .. } = ev {
                    t.same(format!("{here}: kind"), kind(m), "packet");
                    compare_attrs(&mut t, &here, attrs, m.get("attrs"));
                    packets += 1;
                } else {
                    t.same(format!("{here}: kind"), kind(m), "done");
                }
            }
            Event::Ack { line, hdr, ack } => {
                let field = |k: &str| {
                    hdr.split_whitespace()
                        .find_map(|w| w.strip_prefix(k))
                        .and_then(parse_num)
                };
                let found: Vec<&Value> = msgs
                    .iter()
                    .filter(|m| {
                        matches!(kind(m), "ack" | "error")
                            && num(at(m, "nlmsg.seq")) == field("seq=")
                            && num(at(m, "nlmsg.portid")) == field("pid=")
                    })
                    .collect();
                let [m] = found.as_slice() else {
                    t.fail(format!(
                        "{program} line {line}: {} decoded messages",
                        found.len()
                    ));
                    continue;
                };
                let here = format!("{program} line {line}, {}", place(m));
                compare_header(&mut t, &here, hdr, m);
                compare_ack(&mut t, &here, ack, m);
            }
            Event::Sent { line, what, hdr } => {
                let field = |k: &str| {
                    hdr.split_whitespace()
                        .find_map(|w| w.strip_prefix(k))
                        .and_then(parse_num)
                };
                let found: Vec<&Value> = msgs
                    .iter()
                    .filter(|m| {
                        !from_kernel(m)
                            && num(at(m, "nlmsg.seq")) == field("seq=")
                            && num(at(m, "nlmsg.type")) == field("type=")
                    })
                    .collect();
                let [m] = found.as_slice() else {
                    t.fail(format!(
                        "{program} line {line}: {} decoded messages",
                        found.len()
                    ));
                    continue;
                };
                let here = format!("{program} line {line} `{what}`, {}", place(m));
                compare_header(&mut t, &here, hdr, m);
                compare_request(&mut t, &here, what, m);
            }
            Event::Packet { line, .. } | Event::Done { line, .. } => t.fail(format!(
                "{program} line {line}: a message to it with a sequence number"
            )),
        }
    }
    t.same(
        "kernel packets and DONEs to the listener",
        unsolicited.len(),
        next,
    );
    t.finish(min);
    packets
}

/// nfq_ct: 19 packets (ICMP, ICMPv6, TCP with the ftp helper's CTA_HELP), 17
/// verdicts (one batch for 3 held packets, one with NFQA_EXP), 7 config requests,
/// 8 ACKs and one EOPNOTSUPP error. Measured: 1013 values.
#[test]
fn nfqueue_listener_shown() {
    assert_eq!(listener("nfqueue_ct", "nfq_ct", 1013), 19);
}

/// nflog_ct: 15 log messages in 5 batches (NLMSG_DONE each), 6 config requests,
/// the second socket's EPERM. Measured: 696 values.
#[test]
fn nflog_listener_shown() {
    assert_eq!(listener("nflog_ct", "nflog_ct", 696), 15);
}

// ---------------------------------------------------------------------------
// 5. nftables ct objects: `nft list ...`
// ---------------------------------------------------------------------------

/// nft's object kinds and the decoder's names of NFT_OBJECT_*.
const NFT_KINDS: &[(&str, &str)] = &[
    ("counter", "counter"),
    ("ct helper", "ct-helper"),
    ("ct timeout", "ct-timeout"),
    ("ct expectation", "ct-expect"),
];

/// Keys of a NEWOBJ reply nft does not print (`use`: the reference count;
/// `handle` without `-a`).
const NFT_UNPRINTED: &[&str] = &["use", "handle"];

/// One object nft printed: `\tKIND NAME {( # handle N)?`, its body lines, `\t}`.
#[derive(Debug)]
struct NftObj {
    kind: String,
    name: String,
    handle: Option<u64>,
    body: Vec<String>,
}

/// One table nft printed: `table FAMILY NAME {( # handle N)?`, its objects, `}`.
#[derive(Debug)]
struct NftTable {
    family: String,
    name: String,
    handle: Option<u64>,
    objs: Vec<NftObj>,
}

/// `LINE # handle N` -> (LINE, N).
fn handle_of(line: &str) -> (&str, Option<u64>) {
    match line.split_once(" # handle ") {
        Some((l, h)) => (l, parse_num(h)),
        None => (line, None),
    }
}

/// What nft printed: its tables and objects, and its `Error: ...` (without
/// `Could not process rule: `); nft echoes the command after an error.
fn nft_output(cmd: &Cmd, what: &str) -> (Vec<NftTable>, Option<String>) {
    let (mut tables, mut error): (Vec<NftTable>, Option<String>) = (Vec::new(), None);
    for line in &cmd.out {
        if error.is_some() {
            continue;
        }
        if let Some(e) = line.strip_prefix("Error: ") {
            error = Some(
                e.strip_prefix("Could not process rule: ")
                    .unwrap_or(e)
                    .to_string(),
            );
            continue;
        }
        let (l, handle) = handle_of(line);
        if let Some(r) = l.strip_prefix("table ") {
            let w: Vec<&str> = r.split_whitespace().collect();
            assert!(w.len() == 3 && w[2] == "{", "{what}: {line:?}");
            tables.push(NftTable {
                family: w[0].to_string(),
                name: w[1].to_string(),
                handle,
                objs: Vec::new(),
            });
            continue;
        }
        if l == "}" || l == "\t}" {
            continue;
        }
        let table = tables
            .last_mut()
            .unwrap_or_else(|| panic!("{what}: {line:?} outside a table"));
        if let Some(b) = l.strip_prefix("\t\t") {
            let obj = table
                .objs
                .last_mut()
                .unwrap_or_else(|| panic!("{what}: {line:?}"));
            obj.body.push(b.to_string());
        } else if let Some(head) = l.strip_prefix('\t').and_then(|h| h.strip_suffix(" {")) {
            let (kind, name) = head
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("{what}: {line:?}"));
            table.objs.push(NftObj {
                kind: kind.to_string(),
                name: name.to_string(),
                handle,
                body: Vec::new(),
            });
        } else {
            panic!("{what}: unexpected line {line:?}");
        }
    }
    (tables, error)
}

/// nft's time format (`1m`, `30s`, `1h30m`, `500ms`) in milliseconds.
fn nft_ms(s: &str) -> Option<u64> {
    let mut total = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let d = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let n: u64 = rest[..d].parse().ok()?;
        rest = &rest[d..];
        let u = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        total += n * match &rest[..u] {
            "d" => 86_400_000,
            "h" => 3_600_000,
            "m" => 60_000,
            "s" => 1000,
            "ms" => 1,
            _ => return None,
        };
        rest = &rest[u..];
    }
    Some(total)
}

/// A ct timeout policy: (nft's state name, seconds).
type Policy = Vec<(String, u64)>;

/// `{ established: 120, close: 10 }` / `{ syn_sent : 7, established : 120 }` ->
/// (state, value).
fn nft_policy(s: &str) -> Policy {
    s.split(',')
        .filter_map(|e| e.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().parse().unwrap()))
        .collect()
}

/// The text between `policy = {` and `}` in `s`, and `s` without it.
fn split_policy(s: &str) -> (Option<&str>, String) {
    match s.split_once("policy = {") {
        Some((a, r)) => {
            let (p, b) = r.split_once('}').unwrap();
            (Some(p), format!("{a} {b}"))
        }
        None => (None, s.to_string()),
    }
}

/// A printed object against the decoded NEWOBJ `m`; `given`: the policy of the
/// `nft add ct timeout` command that created it. nft prints only the policy values
/// that differ from its own defaults; the others are compared with `given`.
fn compare_nft_obj(t: &mut Tally, what: &str, o: &NftObj, m: &Value, given: &[(String, u64)]) {
    let a = m.get("attrs").unwrap_or(&Value::Null);
    let data = a.get("data").unwrap_or(&Value::Null);
    let ty = NFT_KINDS
        .iter()
        .find(|(k, _)| *k == o.kind)
        .map(|(_, n)| *n);
    t.same(format!("{what}: type"), text(a.get("type")), ty);
    if let Some(h) = o.handle {
        t.same(format!("{what}: handle"), num(a.get("handle")), Some(h));
    }
    let body = o.body.join(" ");
    let (policy, rest) = split_policy(&body);
    let words: Vec<&str> = rest.split_whitespace().collect();
    let mut compared: Vec<&str> = Vec::new();
    for kv in words.chunks(2) {
        let [k, v] = kv else {
            t.fail(format!("{what}: `{rest}`"));
            break;
        };
        let here = format!("{what}: {k} {v}");
        let (key, shown, printed) = match (o.kind.as_str(), *k) {
            ("ct helper", "type") => {
                let s = text(data.get("name")) == Some(v.trim_matches('"'));
                t.same(here, s, true);
                compared.push("name");
                continue;
            }
            (_, "protocol") => (
                "l4proto",
                named_num(data.get("l4proto"), PROTOCOLS),
                lookup(PROTOCOLS, v),
            ),
            (_, "l3proto") => (
                "l3proto",
                named_num(data.get("l3proto"), FAMILIES),
                lookup(NFT_FAMILIES, v),
            ),
            // NFTA_CT_EXPECT_TIMEOUT is in milliseconds
            ("ct expectation", "timeout") => ("timeout", num(data.get("timeout")), nft_ms(v)),
            ("ct expectation", "dport" | "size") | ("counter", "packets" | "bytes") => {
                (*k, num(data.get(*k)), parse_num(v))
            }
            _ => {
                t.fail(format!("{here}: not compared"));
                continue;
            }
        };
        t.same(format!("{here} (data.{key})"), shown, printed);
        compared.push(key);
    }
    if let Some(p) = policy {
        compared.push("data");
        let shown = data.get("data");
        let printed = nft_policy(p);
        for (state, v) in &printed {
            let key = kebab(state);
            t.same(
                format!("{what}: policy {state}"),
                num(shown.and_then(|s| s.get(&key))),
                Some(*v),
            );
        }
        for (state, v) in given {
            if !printed.iter().any(|(s, _)| s == state) {
                let key = kebab(state);
                let here =
                    format!("{what}: policy {state} (given on the command line, not printed)");
                t.same(here, num(shown.and_then(|s| s.get(&key))), Some(*v));
            }
        }
    }
    if let Value::Object(d) = data {
        for k in d.keys().filter(|k| !compared.contains(&k.as_str())) {
            t.fail(format!(
                "{what}: the decoder shows data.{k}, which nft did not print"
            ));
        }
    }
    if let Value::Object(o) = a {
        for k in o.keys() {
            if !matches!(k.as_str(), "table" | "name" | "type" | "data")
                && !NFT_UNPRINTED.contains(&k.as_str())
            {
                t.fail(format!(
                    "{what}: the decoder shows {k}, which nft did not print"
                ));
            }
        }
    }
}

/// The messages of each nft run: from the first NEWGEN reply naming its process
/// (`proc-pid`: the requesting process) to the next run's.
fn nft_runs(msgs: &[Value]) -> Vec<&[Value]> {
    let mut starts = Vec::new();
    let mut pid = None;
    for (i, m) in msgs.iter().enumerate() {
        if from_kernel(m) && is(m, "nftables", "newgen") {
            let p = num(at(m, "attrs.proc-pid"));
            if p != pid {
                starts.push(i);
                pid = p;
            }
        }
    }
    (0..starts.len())
        .map(|k| &msgs[starts[k]..starts.get(k + 1).copied().unwrap_or(msgs.len())])
        .collect()
}

/// Every object and table nft printed, and every nft command's error, of capture
/// `name` against the kernel's messages to that nft run.
fn nft_objects(name: &'static str, min: usize) -> usize {
    let msgs = decoded(name);
    let tr = transcript::parse(&transcript_text(name));
    let mut t = Tally::new(name);
    let cmds: Vec<&Cmd> = tr.cmds.iter().filter(|c| c.args[0] == "nft").collect();
    let runs = nft_runs(&msgs);
    assert_eq!(runs.len(), cmds.len(), "{name}: nft runs, nft commands");
    // the policies given to `nft add ct timeout FAMILY TABLE NAME { ... }`
    let given: Vec<(String, String, Policy)> = cmds
        .iter()
        .filter(|c| c.args[1..4] == ["add", "ct", "timeout"])
        .map(|c| {
            let (p, _) = split_policy(&c.text);
            (
                c.args[5].clone(),
                c.args[6].clone(),
                nft_policy(p.unwrap_or("")),
            )
        })
        .collect();
    let mut objects = 0;
    for (cmd, run) in cmds.iter().zip(&runs) {
        let what = cmd.what(name);
        let (tables, error) = nft_output(cmd, &what);
        let errors: Vec<&Value> = run.iter().filter(|m| kind(m) == "error").collect();
        match &error {
            Some(e) => {
                t.same(format!("{what}: errors"), errors.len(), 1);
                for m in &errors {
                    t.same(
                        format!("{what}, {}: error text", place(m)),
                        text(at(m, "error.text")),
                        Some(e.as_str()),
                    );
                }
            }
            None => t.same(
                format!("{what}: errors (exit status {:?})", cmd.exit),
                errors.len(),
                0,
            ),
        }
        for tb in &tables {
            let family = lookup(NFT_FAMILIES, &tb.family);
            let mine =
                |m: &Value| from_kernel(m) && named_num(at(m, "nfgen.family"), FAMILIES) == family;
            if let Some(h) = tb.handle {
                let table = run.iter().rfind(|m| {
                    mine(m)
                        && is(m, "nftables", "newtable")
                        && text(at(m, "attrs.name")) == Some(tb.name.as_str())
                });
                let here = format!("{what}: table {} {}", tb.family, tb.name);
                t.same(
                    format!("{here}: handle"),
                    table.and_then(|m| num(at(m, "attrs.handle"))),
                    Some(h),
                );
            }
            for o in tb.objs.iter().filter(|o| o.kind != "chain") {
                // the last NEWOBJ of this run (after a reset: the reset's reply)
                let m = run.iter().rfind(|m| {
                    mine(m)
                        && is(m, "nftables", "newobj")
                        && text(at(m, "attrs.table")) == Some(tb.name.as_str())
                        && text(at(m, "attrs.name")) == Some(o.name.as_str())
                });
                let here = format!("{what}: {} {}", o.kind, o.name);
                let Some(m) = m else {
                    t.fail(format!("{here}: not decoded"));
                    continue;
                };
                let g = given
                    .iter()
                    .find(|(table, obj, _)| *table == tb.name && *obj == o.name)
                    .map_or(&[][..], |(_, _, p)| p.as_slice());
                compare_nft_obj(&mut t, &format!("{here}, {}", place(m)), o, m, g);
                objects += 1;
            }
        }
    }
    assert!(objects >= 19, "{name}: {objects} objects printed");
    t.finish(min)
}

/// 6.1 kernel, nft 1.0.6: 30 nft runs; 19 objects in 9 listings; 3 errors (ENOENT
/// twice, EBUSY).
/// Measured: 126 values.
#[test]
fn nft_ct_objects_shown() {
    nft_objects("nft_ctobj", 126);
}

/// The same commands on 6.18. Measured: 126 values.
#[test]
fn nft_ct_objects_shown_host() {
    nft_objects("nft_ctobj_host", 126);
}
