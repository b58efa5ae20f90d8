//! The decoder's values against what real clients printed, for the captures of
//! corpus/captures/more/ (MANIFEST.md): nfct's cttimeout and cthelper listings,
//! the attribute dumps of the NFQUEUE and NFLOG listeners
//! (corpus/captures/scripts/recordings/nfq_ct.c, nflog_ct.c, nlprint.h) and nft's
//! listings of ct objects. Each test parses the printed format, finds the messages
//! the kernel answered that command with (or the packets the listener received)
//! and compares them value by value; a failure names the capture, the command or
//! packet, the frame and the attribute.

use crate::support::corpus;
use crate::support::locate::{Head, NLM_F_DUMP};
use crate::support::transcript::{self, Cmd};
use nfct_decode::model::{Body, Kind};
use nfct_decode::schema::{Display, Field};
use nfct_decode::view::{field_value, Attr, Msg, Repr};
use nfct_decode::DecodedCapture;
use std::collections::{BTreeMap, BTreeSet};

// ---------------------------------------------------------------------------
// Shared: messages, answers, small parsers
// ---------------------------------------------------------------------------

/// One nfnetlink message of a capture and its head (direction, kind, port id).
struct M<'c> {
    head: Head,
    msg: Msg<'c>,
}

fn messages(cap: &DecodedCapture) -> Vec<M<'_>> {
    corpus::netfilter_messages(cap)
        .map(|(f, i, msg)| M {
            head: Head::of(f, i, &msg),
            msg,
        })
        .collect()
}

/// What the kernel answered the request at `req` with: its replies (dump parts or
/// unicast replies) and the error code of what closed them (0: NLMSG_DONE or an
/// ack). The answer is the run of kernel messages carrying the port id of the
/// first kernel message after the request (every nfct run has a socket of its own).
fn answers(ms: &[M], req: usize, what: &str) -> (Vec<usize>, i32) {
    let first = (req + 1..ms.len())
        .find(|&i| !ms[i].head.to_kernel)
        .unwrap_or_else(|| panic!("{what}: no kernel message after {}", ms[req].head.at()));
    let portid = ms[first].head.portid;
    let mut replies = Vec::new();
    for (i, m) in ms.iter().enumerate().skip(first) {
        if m.head.to_kernel || m.head.portid != portid {
            continue;
        }
        match m.head.kind {
            Kind::DumpReply | Kind::Reply => replies.push(i),
            Kind::Done | Kind::Ack => return (replies, 0),
            Kind::Error => return (replies, m.msg.error().unwrap()),
            _ => {}
        }
    }
    panic!("{what}: the answer to {} is not closed", ms[req].head.at())
}

/// The next request (subsystem, message, dump) at or after `from`.
fn next_request(ms: &[M], from: usize, (subsys, msg, dump): (u8, u8, bool), what: &str) -> usize {
    (from..ms.len())
        .find(|&i| {
            let h = &ms[i].head;
            h.to_kernel && h.is(subsys, msg) && (h.flags & NLM_F_DUMP == NLM_F_DUMP) == dump
        })
        .unwrap_or_else(|| panic!("{what}: no request {subsys}/{msg} dump={dump} after {from}"))
}

/// The attribute named `name` among the children of `nest`.
fn child<'r>(nest: &Attr<'r>, name: &str) -> Option<Attr<'r>> {
    nest.children().find(|c| c.kernel_name() == Some(name))
}

fn text_of(a: Option<Attr>) -> Option<String> {
    a.map(|a| {
        let t = a
            .text()
            .unwrap_or_else(|| panic!("{} is not text: {:?}", a.path(), a.value()));
        String::from_utf8(t.to_vec()).unwrap()
    })
}

fn uint_of(a: Option<Attr>) -> Option<u64> {
    a.map(|a| {
        a.uint()
            .unwrap_or_else(|| panic!("{} is not an integer: {:?}", a.path(), a.value()))
    })
}

/// `0x1f` as hex, anything else as decimal.
fn int(s: &str) -> u64 {
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16),
        None => s.parse(),
    }
    .unwrap_or_else(|e| panic!("`{s}`: {e}"))
}

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex `{s}`");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or_else(|e| panic!("`{s}`: {e}")))
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A member of a C structure: an integer (enum members by their value) or a byte
/// array (`hw_addr[8]`).
#[derive(Debug, PartialEq, Eq)]
enum Member {
    Int(u64),
    Bytes(Vec<u8>),
}

fn member_value(f: &Field, r: Repr) -> Member {
    match (r, &f.display) {
        (Repr::Num(v) | Repr::HexNum(v) | Repr::FlagList(_, v), _) => Member::Int(v),
        (Repr::EnumName(n), Display::Enum(e)) => Member::Int(e.value_of(n).unwrap()),
        (Repr::Hex(b), _) => Member::Bytes(b.to_vec()),
        (r, _) => panic!("member {}: {r:?} is no integer", f.name),
    }
}

/// The (non-padding) members of the structure value of `a`.
fn members(a: &Attr) -> Vec<(&'static str, Member)> {
    let Repr::Struct(st, bytes, order) = a.value() else {
        panic!("{}: {:?} is no structure", a.path(), a.value())
    };
    st.fields
        .iter()
        .filter(|f| !f.pad)
        .map(|f| (f.name, member_value(f, field_value(f, bytes, order))))
        .collect()
}

// ---------------------------------------------------------------------------
// 1. cttimeout: `nfct list/get/default-get timeout`
// ---------------------------------------------------------------------------

/// nfct's state names (libnetfilter_cttimeout 1.0.1) and ours (the kernel's
/// CTA_TIMEOUT_<PROTO>_<STATE> without the prefix, lowercased, `_` as `-`). A name
/// shared by several protocols (ESTABLISHED: tcp, sctp) maps the same for all.
const NFCT_STATES: &[(&str, &str)] = &[
    // tcp
    ("SYN_SENT", "syn-sent"),
    ("SYN_RECV", "syn-recv"),
    ("ESTABLISHED", "established"),
    ("FIN_WAIT", "fin-wait"),
    ("CLOSE_WAIT", "close-wait"),
    ("LAST_ACK", "last-ack"),
    ("TIME_WAIT", "time-wait"),
    ("CLOSE", "close"),
    ("SYN_SENT2", "syn-sent2"),
    ("RETRANS", "retrans"),
    ("UNACKNOWLEDGED", "unack"),
    // udp, udplite, gre
    ("UNREPLIED", "unreplied"),
    ("REPLIED", "replied"),
    // icmp, icmpv6, generic
    ("TIMEOUT", "timeout"),
    // sctp (and ESTABLISHED above)
    ("CLOSED", "closed"),
    ("COOKIE_WAIT", "cookie-wait"),
    ("COOKIE_ECHOED", "cookie-echoed"),
    ("SHUTDOWN_SENT", "shutdown-sent"),
    ("SHUTDOWN_RECD", "shutdown-recd"),
    ("SHUTDOWN_ACK_SENT", "shutdown-ack-sent"),
    // dccp
    ("REQUEST", "request"),
    ("RESPOND", "respond"),
    ("PARTOPEN", "partopen"),
    ("OPEN", "open"),
    ("CLOSEREQ", "closereq"),
    ("CLOSING", "closing"),
    ("TIMEWAIT", "timewait"),
];

/// States a kernel dumps that nfct 1.4.7 cannot print: libnetfilter_cttimeout
/// 1.0.1 knows 7 sctp states, 6.1 dumps 9 (the heartbeat states; 6.18 dumps 7).
const NFCT_UNKNOWN: &[(u64, &str)] = &[(132, "heartbeat-sent"), (132, "heartbeat-acked")];

fn nfct_state(s: &str) -> &'static str {
    NFCT_STATES
        .iter()
        .find(|(n, _)| *n == s)
        .map(|(_, ours)| *ours)
        .unwrap_or_else(|| panic!("nfct state `{s}` is not in NFCT_STATES"))
}

/// One printed policy: `.NAME = {` (absent in default-get output), `.l3proto = N,`,
/// `.l4proto = N,`, `.policy = {`, `.STATE = V,` ..., `},`, `};`.
#[derive(Debug, Default)]
struct TimeoutBlock {
    name: Option<String>,
    l3proto: Option<u64>,
    l4proto: Option<u64>,
    policy: Vec<(String, u64)>,
}

fn parse_nfct_timeouts(out: &[String], what: &str) -> Vec<TimeoutBlock> {
    let mut blocks = Vec::new();
    let mut cur: Option<TimeoutBlock> = None;
    let mut in_policy = false;
    for line in out {
        let t = line.trim();
        if t.starts_with("nfct v") {
            continue; // `nfct v1.4.7: netlink error: ...`
        }
        match t {
            "};" => blocks.push(cur.take().unwrap()),
            "}," => in_policy = false,
            ".policy = {" => in_policy = true,
            _ => {
                let (key, val) = t
                    .strip_prefix('.')
                    .and_then(|r| r.split_once(" = "))
                    .unwrap_or_else(|| panic!("{what}: unexpected line {line:?}"));
                if val == "{" {
                    assert!(cur.is_none(), "{what}: {line:?} inside a block");
                    cur = Some(TimeoutBlock {
                        name: Some(key.to_string()),
                        ..TimeoutBlock::default()
                    });
                    continue;
                }
                let b = cur.get_or_insert_with(TimeoutBlock::default);
                let v: u64 = val.trim_end_matches(',').parse().unwrap();
                match (in_policy, key) {
                    (true, _) => b.policy.push((key.to_string(), v)),
                    (false, "l3proto") => b.l3proto = Some(v),
                    (false, "l4proto") => b.l4proto = Some(v),
                    _ => panic!("{what}: unexpected line {line:?}"),
                }
            }
        }
    }
    assert!(cur.is_none(), "{what}: unterminated block");
    blocks
}

/// The request an nfct command sends first, when it prints what the kernel
/// answered: `list` = *_GET dump, `get` = *_GET, `default-get` =
/// IPCTNL_MSG_TIMEOUT_DEFAULT_GET (subsystems 8 cttimeout, 9 cthelper).
fn nfct_request(cmd: &Cmd) -> Option<(u8, u8, bool)> {
    let subsys = match cmd.args.get(2).map(String::as_str) {
        Some("timeout") => 8,
        Some("helper") => 9,
        _ => return None,
    };
    match cmd.args.get(1).map(String::as_str) {
        Some("list") => Some((subsys, 1, true)),
        Some("get") => Some((subsys, 1, false)),
        Some("default-get") if subsys == 8 => Some((8, 4, false)),
        _ => None,
    }
}

/// The nfct commands of `txt` that print kernel answers, each with the messages
/// its request got: `(cmd, replies)`, after checking that the command failed
/// exactly when the kernel answered an error.
fn nfct_answers<'t>(
    ms: &[M],
    t: &'t transcript::Transcript,
    pcap: &str,
) -> Vec<(&'t Cmd, Vec<usize>)> {
    let mut cursor = 0;
    let mut out = Vec::new();
    for cmd in &t.cmds {
        let Some(want) = nfct_request(cmd) else {
            continue;
        };
        let what = cmd.what(pcap);
        let req = next_request(ms, cursor, want, &what);
        cursor = req + 1;
        let (replies, error) = answers(ms, req, &what);
        assert_eq!(
            error != 0,
            cmd.exit != Some(0),
            "{what}: kernel error {error}, nfct exit {:?}",
            cmd.exit
        );
        out.push((cmd, replies));
    }
    out
}

/// Compares every printed policy of every `nfct list/get/default-get timeout` of
/// capture `name` with the kernel's replies; returns (commands, values compared).
fn check_nfct_timeouts(name: &str) -> (usize, usize) {
    let pcap = format!("more/{name}.pcap");
    let cap = corpus::decode_file(&pcap);
    let ms = messages(&cap);
    let t = transcript::read(&format!("more/{name}.txt"));
    let cmds = nfct_answers(&ms, &t, &pcap);
    let mut values = 0;
    for (cmd, replies) in &cmds {
        let what = cmd.what(&pcap);
        let printed = parse_nfct_timeouts(&cmd.out, &what);
        assert_eq!(
            printed.len(),
            replies.len(),
            "{what}: {} policies printed, {} replies",
            printed.len(),
            replies.len()
        );
        for (p, &i) in printed.iter().zip(replies) {
            let m = &ms[i].msg;
            // Policies come as TIMEOUT NEW dump parts (NLM_F_MULTI); DEFAULT_GET is
            // answered with type 0x0803, TIMEOUT_DEFAULT_SET (MANIFEST.md).
            let want = match cmd.args[1].as_str() {
                "default-get" => "ctnetlink-timeout default-set",
                _ => "ctnetlink-timeout new",
            };
            assert_eq!(m.name().to_string(), want, "{what}: {}", ms[i].head.at());
            assert_eq!(
                ms[i].head.kind,
                Kind::DumpReply,
                "{what}: {}",
                ms[i].head.at()
            );
            let at = format!("{what}: {} (policy {:?})", ms[i].head.at(), p.name);
            assert_eq!(text_of(m.get("name")), p.name, "{at}: name");
            assert_eq!(uint_of(m.get("l3proto")), p.l3proto, "{at}: l3proto");
            assert_eq!(uint_of(m.get("l4proto")), p.l4proto, "{at}: l4proto");
            values += usize::from(p.name.is_some()) + 2;
            let l4 = p.l4proto.unwrap();
            let data = m.get("data").unwrap_or_else(|| panic!("{at}: no data"));
            let decoded: Vec<(&str, u64)> = data
                .children()
                .map(|a| (a.kernel_name().unwrap(), a.uint().unwrap()))
                .collect();
            for (state, v) in &p.policy {
                let ours = nfct_state(state);
                let got = decoded.iter().find(|(n, _)| *n == ours).map(|(_, v)| *v);
                assert_eq!(got, Some(*v), "{at}: policy .{state} (data.{ours})");
                values += 1;
            }
            // Same states in the same order (both by attribute number), but for those
            // nfct cannot name.
            let printed_states: Vec<&str> = p.policy.iter().map(|(s, _)| nfct_state(s)).collect();
            let shown: Vec<&str> = decoded
                .iter()
                .map(|(n, _)| *n)
                .filter(|n| !NFCT_UNKNOWN.contains(&(l4, *n)))
                .collect();
            assert_eq!(shown, printed_states, "{at}: policy states");
        }
    }
    (cmds.len(), values)
}

/// 6.1 kernel, nfct 1.4.7: 3 lists (0, 10 and 0 policies), 4 gets (one ENOENT),
/// 12 default-gets: 25 policies; 13 names, 50 protocol numbers, 128 policy values.
#[test]
fn cttimeout_nfct_policies() {
    assert_eq!(check_nfct_timeouts("cttimeout"), (19, 191));
}

/// 6.18 kernel: the same commands; the dccp add and default-get fail
/// (EOPNOTSUPP), sctp dumps 7 states: 22 policies; 11 names, 44 protocol numbers,
/// 107 policy values.
#[test]
fn cttimeout_nfct_policies_host() {
    assert_eq!(check_nfct_timeouts("nfct_timeout_host"), (18, 162));
}

// ---------------------------------------------------------------------------
// 2. cthelper: `nfct list/get helper`
// ---------------------------------------------------------------------------

/// nfct's helper fields and our dotted paths (src/schema/helper.rs).
const NFCT_HELPER_FIELDS: &[(&str, &str)] = &[
    ("name", "name"),
    ("queuenum", "queue-num"),
    ("l3protonum", "tuple.l3protonum"),
    ("l4protonum", "tuple.l4protonum"),
    ("priv_data_len", "priv-data-len"),
    ("status", "status"),
];

/// nfct prints `.status = enabled/disabled` for NFCT_HELPER_STATUS_ENABLED (1) and
/// _DISABLED (0).
const NFCT_HELPER_STATUS: &[(&str, u64)] = &[("disabled", 0), ("enabled", 1)];

/// `{`, `.FIELD = VALUE,` ..., `};` blocks.
fn parse_nfct_helpers(out: &[String], what: &str) -> Vec<Vec<(String, String)>> {
    let mut blocks = Vec::new();
    let mut cur: Option<Vec<(String, String)>> = None;
    for line in out {
        let t = line.trim();
        if t.starts_with("nfct v") {
            continue;
        }
        match t {
            "{" => cur = Some(Vec::new()),
            "};" => blocks.push(cur.take().unwrap()),
            _ => {
                let (k, v) = t
                    .strip_prefix('.')
                    .and_then(|r| r.strip_suffix(','))
                    .and_then(|r| r.split_once(" = "))
                    .unwrap_or_else(|| panic!("{what}: unexpected line {line:?}"));
                cur.as_mut()
                    .unwrap_or_else(|| panic!("{what}: {line:?} outside a block"))
                    .push((k.to_string(), v.to_string()));
            }
        }
    }
    assert!(cur.is_none(), "{what}: unterminated block");
    blocks
}

fn check_nfct_helpers(name: &str) -> (usize, usize) {
    let pcap = format!("more/{name}.pcap");
    let cap = corpus::decode_file(&pcap);
    let ms = messages(&cap);
    let t = transcript::read(&format!("more/{name}.txt"));
    let cmds = nfct_answers(&ms, &t, &pcap);
    let mut values = 0;
    for (cmd, replies) in &cmds {
        let what = cmd.what(&pcap);
        let printed = parse_nfct_helpers(&cmd.out, &what);
        assert_eq!(
            printed.len(),
            replies.len(),
            "{what}: {} helpers printed, {} replies",
            printed.len(),
            replies.len()
        );
        for (p, &i) in printed.iter().zip(replies) {
            let m = &ms[i].msg;
            let at = format!("{what}: {}", ms[i].head.at());
            assert_eq!(m.name().to_string(), "cthelper new", "{at}");
            let fields: Vec<&str> = p.iter().map(|(k, _)| k.as_str()).collect();
            let all: Vec<&str> = NFCT_HELPER_FIELDS.iter().map(|(k, _)| *k).collect();
            assert_eq!(fields, all, "{at}: printed fields");
            for (k, v) in p {
                let path = NFCT_HELPER_FIELDS.iter().find(|(f, _)| f == k).unwrap().1;
                let a = m.get(path);
                match k.as_str() {
                    "name" => assert_eq!(text_of(a).as_deref(), Some(v.as_str()), "{at}: .{k}"),
                    "status" => {
                        let want = NFCT_HELPER_STATUS.iter().find(|(s, _)| s == v).unwrap().1;
                        assert_eq!(uint_of(a), Some(want), "{at}: .{k} = {v}");
                    }
                    _ => assert_eq!(uint_of(a), Some(v.parse().unwrap()), "{at}: .{k} ({path})"),
                }
                values += 1;
            }
        }
    }
    (cmds.len(), values)
}

/// 6.1 kernel, nfct 1.4.7: 4 lists (0, 3, 1 and 0 helpers), 4 gets (one ENOENT):
/// 7 helpers of 6 fields.
#[test]
fn cthelper_nfct_helpers() {
    assert_eq!(check_nfct_helpers("cthelper"), (8, 42));
}

/// 6.18 without nfnetlink_cthelper: the list and both gets fail with EINVAL,
/// nothing printed, nothing decoded.
#[test]
fn cthelper_nfct_helpers_host() {
    assert_eq!(check_nfct_helpers("nfct_helper_host"), (3, 0));
}

// ---------------------------------------------------------------------------
// 3./4. NFQUEUE and NFLOG listeners (nfq_ct.c, nflog_ct.c, nlprint.h)
// ---------------------------------------------------------------------------

/// Attributes nlprint.h prints as a hex dump (kind 'x'), not as a number, among
/// those these captures carry.
const HEX_DUMPED: &[&str] = &[
    "NFULA_HWHEADER",
    "CTA_PROTOINFO_TCP_FLAGS_ORIGINAL",
    "CTA_PROTOINFO_TCP_FLAGS_REPLY",
];

/// What the listener printed of one attribute's value.
#[derive(Debug)]
enum Value {
    /// A nest: its attributes follow, one level deeper.
    Nest,
    /// `= 30 (0x1e)`, `= 2 (IP_CT_NEW)`, `= 0x1 CSUMNOTREADY`.
    Int(u64),
    /// `= 127.0.0.1`, `= ::1`.
    Addr(String),
    /// `= "nfct-out " (raw 6e66...00)`: the text up to its NUL and the raw bytes.
    Text(String, Vec<u8>),
    /// `= 0a0a`: a hex dump.
    Bytes(Vec<u8>),
    /// `packet_id=1 hw_protocol=0x0800 hook=3 (LOCAL_OUT)`: structure members.
    Members(Vec<(String, Member)>),
    /// `48 bytes: IPv4 ...` and the `hex: ...` line after it (at most 64 bytes,
    /// then `...(N bytes)`).
    Payload(usize, String),
}

/// One attribute line: `[type T( NESTED)? len L] NAME value`.
#[derive(Debug)]
struct Printed {
    line: usize,
    depth: usize,
    ty: u16,
    nested: bool,
    len: usize,
    cname: String,
    value: Value,
}

/// `nlmsghdr len=.. type=0x.. flags=0x.. seq=.. pid=..( | nfgenmsg family=..
/// version=.. res_id=..)?` as key -> value.
type Hdr = BTreeMap<String, u64>;

#[derive(Debug)]
enum Item {
    /// `<- recv() returned N bytes` (nflog_ct: one skb).
    Recv(usize),
    /// `<- packet k=N` / `<- log message k=N`, its header and attributes.
    Packet {
        line: usize,
        k: usize,
        hdr: Hdr,
        attrs: Vec<Printed>,
    },
    /// `recv NLMSG_DONE nlmsghdr ...`.
    Done { line: usize, hdr: Hdr },
    /// `-> NFQNL_MSG_VERDICT... ` and its `sent nlmsghdr` line.
    Verdict { line: usize, text: String, hdr: Hdr },
    /// Anything else (configuration requests, acks).
    Other,
}

fn parse_hdr(line: &str) -> Hdr {
    line.split_whitespace()
        .filter_map(|w| w.split_once('='))
        .map(|(k, v)| (k.to_string(), int(v)))
        .collect()
}

/// Struct member names as printed -> ours (`_` as `-`; the hwaddr members are
/// printed without their `hw_` prefix).
fn member_name(cname: &str, printed: &str) -> String {
    match (cname.ends_with("_HWADDR"), printed) {
        (true, "addrlen") => "hw-addrlen".to_string(),
        (true, "addr") => "hw-addr".to_string(),
        _ => printed.replace('_', "-"),
    }
}

fn parse_value(cname: &str, v: &str, what: &str) -> Value {
    if v.is_empty() {
        return Value::Nest;
    }
    if cname.ends_with("_PAYLOAD") {
        let n = v.split(' ').next().unwrap().parse().unwrap();
        return Value::Payload(n, String::new());
    }
    if let Some(r) = v.strip_prefix("= \"") {
        let (text, rest) = r.split_once('"').unwrap();
        let raw = rest
            .trim()
            .strip_prefix("(raw ")
            .and_then(|r| r.strip_suffix(')'))
            .unwrap_or_else(|| panic!("{what}: no raw bytes"));
        return Value::Text(text.to_string(), unhex(raw));
    }
    if let Some(r) = v.strip_prefix("= ") {
        let tok = r.split(' ').next().unwrap();
        return if HEX_DUMPED.contains(&cname) {
            Value::Bytes(unhex(tok))
        } else if tok.starts_with("0x") {
            Value::Int(int(tok))
        } else if tok.contains('.') || tok.contains(':') {
            Value::Addr(tok.to_string())
        } else {
            Value::Int(int(tok))
        };
    }
    // Structure members, up to a `(NAME)` comment.
    let members = v
        .split_whitespace()
        .take_while(|w| !w.starts_with('('))
        .map(|w| {
            let (k, x) = w.split_once('=').unwrap_or_else(|| panic!("{what}: `{w}`"));
            // hwaddr's addr is a hex dump (hexdump() of its 8 bytes)
            let n = if k == "addr" {
                Member::Bytes(unhex(x))
            } else {
                Member::Int(int(x))
            };
            (member_name(cname, k), n)
        })
        .collect();
    Value::Members(members)
}

fn parse_attr(line: &str, no: usize) -> Printed {
    let what = format!("line {no}");
    let body = line.trim_start();
    let indent = line.len() - body.len();
    // nfq_ct.c / nflog_ct.c print the message's own attributes 3 spaces in;
    // print_attrs() (nlprint.h) prints a nest's content 2 * depth spaces in,
    // starting at depth 3: 6 spaces = our depth 1, 8 = 2, 10 = 3.
    let depth = match indent {
        3 => 0,
        n if n >= 6 && n % 2 == 0 => n / 2 - 2,
        n => panic!("{what}: indent {n}"),
    };
    let (head, tail) = body
        .strip_prefix("[type ")
        .and_then(|r| r.split_once("] "))
        .unwrap_or_else(|| panic!("{what}: {line:?}"));
    let words: Vec<&str> = head.split(' ').collect();
    let len_at = words.iter().position(|w| *w == "len").unwrap();
    let (cname, value) = tail.split_once(' ').unwrap_or((tail, ""));
    Printed {
        line: no,
        depth,
        ty: words[0].parse().unwrap(),
        nested: words.contains(&"NESTED"),
        len: words[len_at + 1].parse().unwrap(),
        cname: cname.to_string(),
        value: parse_value(cname, value, &what),
    }
}

/// The listener's output: the lines of `txt` after the `# --- output of` comment.
fn parse_listener(txt: &str) -> Vec<Item> {
    let text = std::fs::read_to_string(corpus::path(txt)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("# --- output of"))
        .unwrap_or_else(|| panic!("{txt}: no listener output"));
    let mut items: Vec<Item> = Vec::new();
    for (n, &line) in lines.iter().enumerate().skip(start + 1) {
        let no = n + 1;
        let last = items.last_mut();
        if let Some(r) = line.strip_prefix("<- recv() returned ") {
            items.push(Item::Recv(r.trim_end_matches(" bytes").parse().unwrap()));
        } else if let Some(k) = line
            .strip_prefix("<- packet k=")
            .or_else(|| line.strip_prefix("<- log message k="))
        {
            items.push(Item::Packet {
                line: no,
                k: k.parse().unwrap(),
                hdr: Hdr::new(),
                attrs: Vec::new(),
            });
        } else if let Some(r) = line.strip_prefix("-> NFQNL_MSG_VERDICT") {
            items.push(Item::Verdict {
                line: no,
                text: format!("NFQNL_MSG_VERDICT{r}"),
                hdr: Hdr::new(),
            });
        } else if line.starts_with("-> ") || line.starts_with("<- ") {
            items.push(Item::Other);
        } else if line.starts_with("   recv NLMSG_DONE ") {
            items.push(Item::Done {
                line: no,
                hdr: parse_hdr(line),
            });
        } else if line.starts_with("   recv nlmsghdr") || line.starts_with("   sent nlmsghdr") {
            match last {
                Some(Item::Packet { hdr, .. }) if hdr.is_empty() && line.contains("recv") => {
                    *hdr = parse_hdr(line)
                }
                Some(Item::Verdict { hdr, .. }) if hdr.is_empty() && line.contains("sent") => {
                    *hdr = parse_hdr(line)
                }
                _ => {}
            }
        } else if line.trim_start().starts_with("[type ") {
            let Some(Item::Packet { attrs, .. }) = last else {
                panic!("{txt}: line {no}: attribute outside a packet")
            };
            attrs.push(parse_attr(line, no));
        } else if let Some(h) = line.strip_prefix("      hex: ") {
            let Some(Item::Packet { attrs, .. }) = last else {
                panic!("{txt}: line {no}: hex outside a packet")
            };
            match attrs.last_mut() {
                Some(Printed {
                    value: Value::Payload(_, x),
                    ..
                }) => *x = h.to_string(),
                _ => panic!("{txt}: line {no}: hex line after no payload"),
            }
        }
    }
    items
}

/// Every attribute of `attrs` and below, in pre-order (a nest, then its content).
fn flatten<'r>(attrs: impl Iterator<Item = Attr<'r>>, out: &mut Vec<Attr<'r>>) {
    for a in attrs {
        out.push(a);
        flatten(a.children(), out);
    }
}

/// Compares the nlmsghdr / nfgenmsg the listener printed; returns the values.
fn compare_hdr(hdr: &Hdr, m: &Msg, at: &str) -> usize {
    let h = m.header();
    let nf = m.nf().map(|n| n.nfgen);
    let decoded: [(&str, Option<u64>); 8] = [
        ("len", Some(h.len.into())),
        ("type", Some(h.ty.into())),
        ("flags", Some(h.flags.into())),
        ("seq", Some(h.seq.into())),
        ("pid", Some(h.portid.into())),
        ("family", nf.map(|n| n.family.into())),
        ("version", nf.map(|n| n.version.into())),
        ("res_id", nf.map(|n| n.res_id.into())),
    ];
    let mut n = 0;
    for (k, v) in decoded {
        if let Some(want) = hdr.get(k) {
            assert_eq!(v, Some(*want), "{at}: header {k}");
            n += 1;
        }
    }
    assert!(n >= 5, "{at}: header not printed");
    n
}

/// Compares one printed attribute with the decoded one; returns the values.
fn compare_attr(p: &Printed, a: &Attr, at: &str) -> usize {
    let at = format!("{at}: line {} {}", p.line, p.cname);
    assert_eq!(
        a.def().map(|d| d.cname),
        Some(p.cname.as_str()),
        "{at}: attribute ({})",
        a.path()
    );
    assert_eq!(a.depth(), p.depth, "{at}: depth");
    assert_eq!(a.num(), p.ty, "{at}: type");
    assert_eq!(a.nla_type() & 0x8000 != 0, p.nested, "{at}: NLA_F_NESTED");
    assert_eq!(a.bytes().len() + 4, p.len, "{at}: nla_len");
    match &p.value {
        Value::Nest => {
            assert!(a.is_nest(), "{at}: decoded {:?}, not a nest", a.value());
            0
        }
        Value::Int(v) => {
            assert_eq!(a.uint(), Some(*v), "{at}: value ({:?})", a.value());
            1
        }
        Value::Addr(s) => {
            let got = match a.value() {
                Repr::V4(x) => x.to_string(),
                Repr::V6(x) => x.to_string(),
                r => panic!("{at}: decoded {r:?}, not an address"),
            };
            assert_eq!(&got, s, "{at}: address");
            1
        }
        Value::Text(s, raw) => {
            assert_eq!(a.text(), Some(s.as_bytes()), "{at}: text");
            assert_eq!(a.bytes(), raw.as_slice(), "{at}: raw bytes");
            1
        }
        Value::Bytes(b) => {
            let got = match a.value() {
                Repr::TcpFlags(f, m) => vec![f, m],
                Repr::Hex(h) => h.to_vec(),
                r => panic!("{at}: decoded {r:?}, not bytes"),
            };
            assert_eq!(&got, b, "{at}: bytes");
            1
        }
        Value::Members(ms) => {
            let got = members(a);
            let names: Vec<&str> = got.iter().map(|(n, _)| *n).collect();
            let printed: Vec<&str> = ms.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(names, printed, "{at}: members");
            for ((n, v), (_, want)) in got.iter().zip(ms) {
                assert_eq!(v, want, "{at}: member {n}");
            }
            ms.len()
        }
        Value::Payload(n, h) => {
            assert_eq!(a.bytes().len(), *n, "{at}: payload length");
            match h.split_once("...(") {
                Some((shown, _)) => assert!(hex(a.bytes()).starts_with(shown), "{at}: payload"),
                None => assert_eq!(&hex(a.bytes()), h, "{at}: payload"),
            }
            2
        }
    }
}

/// Compares a printed packet (header and every attribute) with a decoded one.
fn compare_packet(k: usize, line: usize, hdr: &Hdr, attrs: &[Printed], m: &M, txt: &str) -> usize {
    let at = format!("{txt} packet k={k} (line {line}), {}", m.head.at());
    assert_eq!(m.head.kind, Kind::Packet, "{at}: {}", m.msg.name());
    let mut values = compare_hdr(hdr, &m.msg, &at);
    let mut decoded = Vec::new();
    flatten(m.msg.attrs(), &mut decoded);
    for i in 0..attrs.len().max(decoded.len()) {
        match (attrs.get(i), decoded.get(i)) {
            (Some(p), Some(a)) => values += compare_attr(p, a, &at),
            (Some(p), None) => panic!("{at}: line {} {} not decoded", p.line, p.cname),
            (None, Some(a)) => panic!("{at}: {} decoded, not printed", a.path()),
            (None, None) => unreachable!(),
        }
    }
    values
}

/// NF_* verdicts as printed (verdict_name() in nfq_ct.c).
const NF_VERDICTS: &[(&str, u64)] = &[
    ("NF_DROP", 0),
    ("NF_ACCEPT", 1),
    ("NF_STOLEN", 2),
    ("NF_QUEUE", 3),
    ("NF_REPEAT", 4),
];

/// The hex number after `key` in `text` (`NFQA_MARK=0x7`).
fn hex_after(text: &str, key: &str) -> Option<u64> {
    let r = text.split_once(key)?.1;
    let end = r
        .find(|c: char| !c.is_ascii_hexdigit() && c != 'x')
        .unwrap_or(r.len());
    Some(int(&r[..end]))
}

/// Compares `-> NFQNL_MSG_VERDICT id=N verdict=NF_X [+ NFQA_CT{CTA_MARK=0x2a}]
/// [+ NFQA_MARK=0x7] [+ NFQA_EXP{...}] [(NLM_F_ACK)]` with the decoded verdict.
fn compare_verdict(line: usize, text: &str, hdr: &Hdr, m: &M, txt: &str) -> usize {
    let at = format!("{txt} line {line} `{text}`, {}", m.head.at());
    let msg = &m.msg;
    let want_name = if text.starts_with("NFQNL_MSG_VERDICT_BATCH ") {
        "queue verdict-batch"
    } else {
        "queue verdict"
    };
    assert_eq!(msg.name().to_string(), want_name, "{at}");
    let mut values = compare_hdr(hdr, msg, &at);
    let word = |k: &str| {
        text.split_whitespace()
            .find_map(|w| w.strip_prefix(k))
            .unwrap_or_else(|| panic!("{at}: no {k}"))
    };
    let vh = members(
        &msg.get("verdict-hdr")
            .unwrap_or_else(|| panic!("{at}: no verdict-hdr")),
    );
    let verdict = NF_VERDICTS
        .iter()
        .find(|(n, _)| *n == word("verdict="))
        .unwrap()
        .1;
    assert_eq!(
        vh,
        [
            ("verdict", Member::Int(verdict)),
            ("id", Member::Int(int(word("id="))))
        ],
        "{at}: verdict-hdr"
    );
    assert_eq!(
        uint_of(msg.get("mark")),
        hex_after(text, "NFQA_MARK="),
        "{at}: NFQA_MARK"
    );
    assert_eq!(
        uint_of(msg.get("ct.mark")),
        hex_after(text, "NFQA_CT{CTA_MARK="),
        "{at}: NFQA_CT CTA_MARK"
    );
    assert_eq!(
        msg.header().flags & 4 != 0,
        text.contains("(NLM_F_ACK)"),
        "{at}: NLM_F_ACK"
    );
    values += 5;
    match text.split_once("NFQA_EXP{") {
        None => assert!(msg.get("exp").is_none(), "{at}: NFQA_EXP decoded"),
        Some((_, r)) => values += compare_exp(r.split('}').next().unwrap(), msg, &at),
    }
    values
}

/// `CTA_EXPECT_TUPLE 127.0.0.1:0 -> 127.0.0.1:9000 tcp, CTA_EXPECT_MASK
/// 255.255.255.255 -> 255.255.255.255 sport 0 dport 0xffff, CTA_EXPECT_TIMEOUT 60`.
fn compare_exp(text: &str, msg: &Msg, at: &str) -> usize {
    let parts: Vec<Vec<&str>> = text
        .split(", ")
        .map(|p| p.split_whitespace().collect())
        .collect();
    let [tuple, mask, timeout] = parts.as_slice() else {
        panic!("{at}: NFQA_EXP `{text}`")
    };
    let (src, sport) = tuple[1].split_once(':').unwrap();
    let (dst, dport) = tuple[3].split_once(':').unwrap();
    let protos = [("tcp", 6), ("udp", 17)];
    let proto = protos.iter().find(|(n, _)| *n == tuple[4]).unwrap().1;
    let addr = |p: &str| msg.get(p).map(|a| a.to_string());
    let want: [(&str, Option<String>); 10] = [
        ("exp.tuple.tuple-ip.ip-v4-src", Some(src.to_string())),
        ("exp.tuple.tuple-ip.ip-v4-dst", Some(dst.to_string())),
        ("exp.tuple.tuple-proto.proto-num", Some(proto.to_string())),
        (
            "exp.tuple.tuple-proto.proto-src-port",
            Some(sport.to_string()),
        ),
        (
            "exp.tuple.tuple-proto.proto-dst-port",
            Some(dport.to_string()),
        ),
        ("exp.mask.tuple-ip.ip-v4-src", Some(mask[1].to_string())),
        ("exp.mask.tuple-ip.ip-v4-dst", Some(mask[3].to_string())),
        (
            "exp.mask.tuple-proto.proto-src-port",
            Some(int(mask[5]).to_string()),
        ),
        (
            "exp.mask.tuple-proto.proto-dst-port",
            Some(int(mask[7]).to_string()),
        ),
        ("exp.timeout", Some(timeout[1].to_string())),
    ];
    for (path, w) in &want {
        let got = if path.ends_with("-src") || path.ends_with("-dst") {
            addr(path)
        } else {
            uint_of(msg.get(path)).map(|v| v.to_string())
        };
        assert_eq!(&got, w, "{at}: {path}");
    }
    want.len()
}

/// NFQUEUE: every packet nfq_ct printed against the decoded QUEUE PACKETs, every
/// verdict it sent against the decoded verdicts.
#[test]
fn nfqueue_listener_agrees() {
    let pcap = "more/nfqueue_ct.pcap";
    let txt = "more/nfqueue_ct.txt";
    let cap = corpus::decode_file(pcap);
    let ms = messages(&cap);
    let items = parse_listener(txt);
    let packets: Vec<&M> = ms.iter().filter(|m| m.head.kind == Kind::Packet).collect();
    // NFQNL_MSG_VERDICT (1) and NFQNL_MSG_VERDICT_BATCH (3) of subsystem 3.
    let verdicts: Vec<&M> = ms
        .iter()
        .filter(|m| m.head.to_kernel && (m.head.is(3, 1) || m.head.is(3, 3)))
        .collect();
    let (mut np, mut nv, mut values) = (0, 0, 0);
    for item in &items {
        match item {
            Item::Packet {
                line,
                k,
                hdr,
                attrs,
            } => {
                let m = packets
                    .get(np)
                    .unwrap_or_else(|| panic!("{txt}: packet k={k} (line {line}) not decoded"));
                values += compare_packet(*k, *line, hdr, attrs, m, txt);
                np += 1;
            }
            Item::Verdict { line, text, hdr } => {
                let m = verdicts
                    .get(nv)
                    .unwrap_or_else(|| panic!("{txt}: verdict (line {line}) not decoded"));
                values += compare_verdict(*line, text, hdr, m, txt);
                nv += 1;
            }
            Item::Recv(_) | Item::Done { .. } => panic!("{txt}: nfq_ct prints no {item:?}"),
            Item::Other => {}
        }
    }
    assert_eq!(
        (np, nv),
        (packets.len(), verdicts.len()),
        "{pcap}: packets, verdicts"
    );
    // 410 attribute values, 19 x 3 packet-hdr members, 19 x 2 payload (length,
    // bytes), 36 x 8 header fields, 17 x 5 verdict values, 10 NFQA_EXP values.
    assert_eq!((np, nv, values), (19, 17, 888));
}

/// NFLOG: every skb nflog_ct received (its size, its log messages and DONEs)
/// against the decoded records that carry ULOG PACKETs.
#[test]
fn nflog_listener_agrees() {
    let pcap = "more/nflog_ct.pcap";
    let txt = "more/nflog_ct.txt";
    let cap = corpus::decode_file(pcap);
    let skbs: Vec<_> = cap
        .records
        .iter()
        .filter(|r| r.messages().any(|m| m.kind() == Kind::Packet))
        .collect();
    let items = parse_listener(txt);
    // "nflog_ct: NETLINK_NETFILTER socket bound, portid N, group G"
    let printed = String::from_utf8(crate::common::capture(txt)).unwrap();
    let group: u64 = printed
        .lines()
        .find_map(|l| l.strip_prefix("nflog_ct: NETLINK_NETFILTER socket bound, "))
        .and_then(|l| l.rsplit_once(", group "))
        .map(|(_, g)| int(g.trim()))
        .unwrap_or_else(|| panic!("{txt}: no group printed"));
    let mut skb = skbs.iter();
    let mut cur: Vec<M> = Vec::new();
    let mut next = 0;
    let (mut nskb, mut np, mut values) = (0, 0, 0);
    for item in &items {
        match item {
            Item::Recv(n) => {
                assert_eq!(next, cur.len(), "{txt}: skb {nskb}: messages not printed");
                let r = skb
                    .next()
                    .unwrap_or_else(|| panic!("{txt}: recv() of {n} bytes not decoded"));
                assert_eq!(
                    r.data.len(),
                    *n,
                    "{txt}: frame {}: skb length",
                    r.frame.number
                );
                cur = r
                    .messages()
                    .enumerate()
                    .map(|(i, msg)| M {
                        head: Head::of(&r.frame, i, &msg),
                        msg,
                    })
                    .collect();
                next = 0;
                nskb += 1;
                values += 1;
            }
            Item::Packet {
                line,
                k,
                hdr,
                attrs,
            } => {
                let m = cur.get(next).unwrap_or_else(|| {
                    panic!("{txt}: log message k={k} (line {line}) not decoded")
                });
                values += compare_packet(*k, *line, hdr, attrs, m, txt);
                next += 1;
                np += 1;
            }
            Item::Done { line, hdr } => {
                let m = cur
                    .get(next)
                    .unwrap_or_else(|| panic!("{txt}: DONE (line {line}) not decoded"));
                let at = format!("{txt} DONE (line {line}), {}", m.head.at());
                assert_eq!(m.head.kind, Kind::Done, "{at}: {}", m.msg.name());
                values += compare_hdr(hdr, &m.msg, &at);
                // `__nfulnl_send` writes an nfgenmsg (res_id: the group) as the
                // payload, not a status.
                match &m.msg.message().body {
                    Body::Done {
                        status: None,
                        nfgen: Some(g),
                    } => {
                        assert_eq!((g.family, u64::from(g.res_id)), (0, group), "{at}");
                        values += 1;
                    }
                    b => panic!("{at}: {b:?}"),
                }
                next += 1;
            }
            Item::Verdict { .. } => panic!("{txt}: nflog_ct sends no verdict"),
            Item::Other => {}
        }
    }
    assert_eq!(next, cur.len(), "{txt}: last skb: messages not printed");
    assert!(skb.next().is_none(), "{pcap}: decoded skbs not printed");
    // 5 skb lengths, 346 attribute values, 15 x 2 packet-hdr members, 6 x 2 hwaddr
    // members, 15 x 2 payload (length, bytes), 15 x 8 + 5 x 5 header fields, 5
    // DONE groups.
    assert_eq!((nskb, np, values), (5, 15, 573));
}

// ---------------------------------------------------------------------------
// 5. nf_tables ct objects: `nft list ...`
// ---------------------------------------------------------------------------

/// nft's object kinds and NFT_OBJECT_* (the decoded `type`).
const NFT_OBJECTS: &[(&str, u64)] = &[
    ("counter", 1),
    ("ct helper", 3),
    ("ct timeout", 7),
    ("ct expectation", 9),
];

/// nft's family names (`l3proto ip`) and NFPROTO_*.
const NFT_FAMILIES: &[(&str, u64)] = &[
    ("inet", 1),
    ("ip", 2),
    ("arp", 3),
    ("netdev", 5),
    ("bridge", 7),
    ("ip6", 10),
];

/// nft's protocol names (`protocol tcp`).
const NFT_PROTOS: &[(&str, u64)] = &[("tcp", 6), ("udp", 17)];

/// nft 1.0.6's timeout state names (src/ct.c) and ours.
const NFT_STATES: &[(&str, &str)] = &[
    ("syn_sent", "syn-sent"),
    ("syn_recv", "syn-recv"),
    ("established", "established"),
    ("fin_wait", "fin-wait"),
    ("close_wait", "close-wait"),
    ("last_ack", "last-ack"),
    ("time_wait", "time-wait"),
    ("close", "close"),
    ("syn_sent2", "syn-sent2"),
    ("retrans", "retrans"),
    ("unack", "unack"),
    ("unreplied", "unreplied"),
    ("replied", "replied"),
];

/// nft 1.0.6 prints only the policy values that differ from its own defaults
/// (tcp_dflt_timeout / udp_dflt_timeout in src/ct.c): the values it left out are
/// these (our names).
const NFT_DEFAULTS: &[(u64, &str, u64)] = &[
    (6, "syn-sent", 120),
    (6, "syn-recv", 60),
    (6, "established", 432000),
    (6, "fin-wait", 120),
    (6, "close-wait", 60),
    (6, "last-ack", 30),
    (6, "time-wait", 120),
    (6, "close", 10),
    (6, "syn-sent2", 120),
    (6, "retrans", 300),
    (6, "unack", 300),
    (17, "unreplied", 30),
    (17, "replied", 120),
];

fn lookup<T: Copy>(table: &[(&str, T)], key: &str, what: &str) -> T {
    table
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("{what}: `{key}` is not in the table"))
}

/// nft's time format (`1m`, `30s`, `1h30m`, `500ms`) in milliseconds.
fn nft_ms(s: &str) -> u64 {
    let mut total = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let d = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let n: u64 = rest[..d].parse().unwrap_or_else(|e| panic!("`{s}`: {e}"));
        rest = &rest[d..];
        let u = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..u] {
            "d" => 86_400_000,
            "h" => 3_600_000,
            "m" => 60_000,
            "s" => 1000,
            "ms" => 1,
            x => panic!("`{s}`: unit `{x}`"),
        };
        total += n * unit;
        rest = &rest[u..];
    }
    total
}

/// One object nft printed: `\tKIND NAME {( # handle N)?`, its body lines
/// (`\t\tkey value ...`, `\t\tpolicy = { state : V, ... }`), `\t}`.
#[derive(Debug)]
struct NftObj {
    table: String,
    kind: String,
    name: String,
    handle: Option<u64>,
    props: Vec<(String, String)>,
    policy: Vec<(String, u64)>,
}

fn parse_nft(out: &[String], what: &str) -> Vec<NftObj> {
    let mut objs = Vec::new();
    let mut table: Option<String> = None;
    let mut cur: Option<NftObj> = None;
    let mut in_chain = false;
    for line in out {
        let (body, handle) = match line.split_once(" # handle ") {
            Some((b, h)) => (b, Some(h.parse::<u64>().unwrap())),
            None => (line.as_str(), None),
        };
        if let Some(r) = body.strip_prefix("table ") {
            // table FAMILY NAME {
            let words: Vec<&str> = r.split_whitespace().collect();
            table = Some(words[1].to_string());
        } else if body == "}" {
            table = None;
        } else if let Some(r) = body.strip_prefix('\t').filter(|r| !r.starts_with('\t')) {
            if r == "}" {
                objs.extend(cur.take());
                in_chain = false;
                continue;
            }
            let head = r
                .strip_suffix(" {")
                .unwrap_or_else(|| panic!("{what}: {line:?}"));
            if head.starts_with("chain ") {
                in_chain = true;
                continue;
            }
            let (kind, name) = head.rsplit_once(' ').unwrap();
            cur = Some(NftObj {
                table: table.clone().unwrap_or_else(|| panic!("{what}: no table")),
                kind: kind.to_string(),
                name: name.to_string(),
                handle,
                props: Vec::new(),
                policy: Vec::new(),
            });
        } else if in_chain {
            continue;
        } else {
            let r = body
                .strip_prefix("\t\t")
                .unwrap_or_else(|| panic!("{what}: {line:?}"));
            let obj = cur
                .as_mut()
                .unwrap_or_else(|| panic!("{what}: {line:?} outside an object"));
            if let Some(p) = r
                .strip_prefix("policy = { ")
                .and_then(|p| p.strip_suffix(" }"))
            {
                for e in p.split(", ") {
                    let (k, v) = e.split_once(" : ").unwrap();
                    obj.policy.push((k.to_string(), v.parse().unwrap()));
                }
            } else {
                let words: Vec<&str> = r.split_whitespace().collect();
                assert!(words.len() % 2 == 0, "{what}: {line:?}");
                for kv in words.chunks(2) {
                    obj.props.push((kv[0].to_string(), kv[1].to_string()));
                }
            }
        }
    }
    assert!(cur.is_none() && table.is_none(), "{what}: unterminated");
    objs
}

/// Compares a printed object with one decoded NEWOBJ; returns the values.
fn compare_nft_obj(p: &NftObj, m: &Msg, at: &str) -> usize {
    let at = format!("{at}: {} {}", p.kind, p.name);
    assert_eq!(
        text_of(m.get("table")).as_deref(),
        Some(p.table.as_str()),
        "{at}: table"
    );
    assert_eq!(
        text_of(m.get("name")).as_deref(),
        Some(p.name.as_str()),
        "{at}: name"
    );
    let ty = lookup(NFT_OBJECTS, &p.kind, &at);
    assert_eq!(uint_of(m.get("type")), Some(ty), "{at}: type");
    let mut values = 3;
    if let Some(h) = p.handle {
        assert_eq!(uint_of(m.get("handle")), Some(h), "{at}: handle");
        values += 1;
    }
    let data = m.get("data").unwrap_or_else(|| panic!("{at}: no data"));
    let field = |n: &str| child(&data, n);
    for (k, v) in &p.props {
        let at = format!("{at}: {k} {v}");
        match (ty, k.as_str()) {
            (3, "type") => assert_eq!(
                text_of(field("name")).as_deref(),
                Some(v.trim_matches('"')),
                "{at}: data.name"
            ),
            (3 | 7 | 9, "protocol") => assert_eq!(
                uint_of(field("l4proto")),
                Some(lookup(NFT_PROTOS, v, &at)),
                "{at}: data.l4proto"
            ),
            (3 | 7 | 9, "l3proto") => assert_eq!(
                uint_of(field("l3proto")),
                Some(lookup(NFT_FAMILIES, v, &at)),
                "{at}: data.l3proto"
            ),
            // nft prints the expectation timeout in its time format (`1m`, `30s`);
            // NFTA_CT_EXPECT_TIMEOUT is in milliseconds.
            (9, "timeout") => assert_eq!(
                uint_of(field("timeout")),
                Some(nft_ms(v)),
                "{at}: data.timeout (ms)"
            ),
            (9, "dport" | "size") | (1, "packets" | "bytes") => assert_eq!(
                uint_of(field(k)),
                Some(v.parse().unwrap()),
                "{at}: data.{k}"
            ),
            _ => panic!("{at}: no comparison for this property"),
        }
        values += 1;
    }
    if ty == 7 {
        // nft prints `policy = { syn_sent : 7, established : 120 }`: the values in
        // seconds, only those that differ from its defaults.
        let l4 = uint_of(field("l4proto")).unwrap();
        let policy = field("data").unwrap_or_else(|| panic!("{at}: no data.data"));
        let printed: BTreeMap<&str, u64> = p
            .policy
            .iter()
            .map(|(s, v)| (lookup(NFT_STATES, s, &at), *v))
            .collect();
        let decoded: Vec<_> = policy.children().collect();
        for s in printed.keys() {
            assert!(
                decoded.iter().any(|a| a.kernel_name() == Some(s)),
                "{at}: policy {s} not decoded"
            );
        }
        for a in decoded {
            let s = a.kernel_name().unwrap();
            let want = printed.get(s).copied().unwrap_or_else(|| {
                NFT_DEFAULTS
                    .iter()
                    .find(|(p, n, _)| *p == l4 && *n == s)
                    .unwrap_or_else(|| panic!("{at}: no nft default for {s}"))
                    .2
            });
            assert_eq!(
                a.uint(),
                Some(want),
                "{at}: policy {s} (printed: {})",
                printed.contains_key(s)
            );
            values += 1;
        }
    } else {
        assert!(p.policy.is_empty(), "{at}: a policy");
    }
    values
}

/// Which objects an `nft list/reset` command prints: the NFT_OBJECT_* type (None:
/// all) and the name (None: all).
fn nft_selection(cmd: &Cmd) -> Option<(Option<u64>, Option<String>)> {
    let args: Vec<&str> = cmd
        .args
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "-a")
        .collect();
    if !matches!(args.get(1), Some(&"list" | &"reset")) {
        return None;
    }
    Some(match &args[2..] {
        ["table", _, _] => (None, None),
        ["ct", "helpers", "table", _, _] => (Some(3), None),
        ["ct", kind, _, _, name] => (
            Some(lookup(NFT_OBJECTS, &format!("ct {kind}"), &cmd.text)),
            Some(name.to_string()),
        ),
        ["counter", _, _, name] => (Some(1), Some(name.to_string())),
        _ => panic!("{}: unknown nft listing", cmd.text),
    })
}

/// Every object of every `nft list ...` (and `nft reset counter`, which prints
/// the values it reset) against the NEWOBJ messages the kernel sent that nft run.
/// Each traced command is one nft / conntrack process with one socket: command i
/// is the i-th port id the kernel answered (asserted: as many port ids as
/// commands).
fn check_nft_objects(name: &str) -> (usize, usize, usize) {
    let pcap = format!("more/{name}.pcap");
    let cap = corpus::decode_file(&pcap);
    let ms = messages(&cap);
    let t = transcript::read(&format!("more/{name}.txt"));
    let mut portids: Vec<u32> = Vec::new();
    for m in ms.iter().filter(|m| !m.head.to_kernel) {
        if !portids.contains(&m.head.portid) {
            portids.push(m.head.portid);
        }
    }
    assert_eq!(portids.len(), t.cmds.len(), "{pcap}: port ids, commands");
    let (mut cmds, mut objs, mut values) = (0, 0, 0);
    for (cmd, &portid) in t.cmds.iter().zip(&portids) {
        let Some((ty, obj_name)) = nft_selection(cmd) else {
            continue;
        };
        let what = cmd.what(&pcap);
        // NFT_MSG_NEWOBJ (18) of subsystem 10, from the kernel to this run.
        let decoded: Vec<&M> = ms
            .iter()
            .filter(|m| !m.head.to_kernel && m.head.portid == portid && m.head.is(10, 18))
            .collect();
        let key = |m: &M| {
            (
                uint_of(m.msg.get("type")).unwrap(),
                text_of(m.msg.get("name")).unwrap(),
            )
        };
        let want: BTreeSet<(u64, String)> = decoded
            .iter()
            .map(|m| key(m))
            .filter(|(t, n)| ty.is_none_or(|x| x == *t) && obj_name.as_ref().is_none_or(|x| x == n))
            .collect();
        let printed = parse_nft(&cmd.out, &what);
        let got: BTreeSet<(u64, String)> = printed
            .iter()
            .map(|p| (lookup(NFT_OBJECTS, &p.kind, &what), p.name.clone()))
            .collect();
        assert_eq!(got, want, "{what}: objects printed / decoded");
        assert_eq!(got.len(), printed.len(), "{what}: an object printed twice");
        for p in &printed {
            let k = (lookup(NFT_OBJECTS, &p.kind, &what), p.name.clone());
            for m in decoded.iter().filter(|m| key(m) == k) {
                values += compare_nft_obj(p, &m.msg, &format!("{what}: {}", m.head.at()));
            }
            objs += 1;
        }
        cmds += 1;
    }
    (cmds, objs, values)
}

/// 6.1 kernel, nft 1.0.6: `list ct helpers table`, `list ct helper`, `list ct
/// timeout`, `list ct expectation`, `-a list table` (handles), `list counter`,
/// `reset counter`, `list counter`, `list table`: 19 objects.
#[test]
fn nft_ct_objects() {
    assert_eq!(check_nft_objects("nft_ctobj"), (9, 19, 146));
}

/// The same commands on 6.18 (other handles would show in `-a list table`).
#[test]
fn nft_ct_objects_host() {
    assert_eq!(check_nft_objects("nft_ctobj_host"), (9, 19, 146));
}
