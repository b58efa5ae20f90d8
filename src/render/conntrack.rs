//! `--format conntrack`: the lines conntrack-tools 1.4.7 (with libnetfilter_conntrack
//! 1.0.9) prints for the kernel's replies and events, byte for byte.
//!
//! The field order, spacing and conditions follow libnetfilter_conntrack's default
//! printers (`__snprintf_conntrack_default`, `__snprintf_expect_default`) and
//! conntrack-tools' callbacks (`-S` / `-C` lines, event prefixes, `[USERSPACE]
//! portid=`, the `-o timestamp` prefix). An attribute prints when the kernel sent it,
//! exactly as libnetfilter_conntrack's parser sets its "attribute is set" bits.
//!
//! Two values depend on the moment conntrack printed, and are taken from the capture:
//! * `delta-time=` of an entry without a stop timestamp is "now - start": now is the
//!   capture timestamp of the record carrying the message, in whole seconds.
//! * The `-o timestamp` prefix `[seconds.micros]` of events (and of `-L expect`
//!   lines) is the capture timestamp of the record.
//!
//! `[start=...]` / `[stop=...]` (`-o ktimestamp`) are ctime(3) strings in conntrack's
//! local time zone; we print UTC (the reference captures were made in UTC).
//!
//! Messages that conntrack does not print (requests, acks, errors, NLMSG_DONE, other
//! families) become one `# ...` comment line, or nothing with `replies_only`.

use super::{civil_from_days, Esc, Render};
use crate::capture::FrameMeta;
use crate::exchange::Exchange;
use crate::finding::Finding;
use crate::model::{Direction, Kind};
use crate::schema::{paths, AttrPath};
use crate::summary::Summary;
use crate::verdict::Verdict;
use crate::view::escape::{escape, push_escaped, Escaped};
pub use crate::view::LabelMap;
use crate::view::{errno_of, label_bits, Attr, Msg, Scope};
use crate::wire::Endian;
use std::fmt::{self, Write as _};
use std::io::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

mod xml;

/// The conntrack-tools release whose output to reproduce (`--ct-version`).
/// libnetfilter_conntrack's printers are the same in every library release that
/// these need (1.0.9 to 1.1.1); what differs is conntrack's own code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum CtVersion {
    /// 1.4.7 (Debian 12).
    V1_4_7,
    /// 1.4.8 (Debian 13): prints as 1.4.7 (its changes are on the wire: GET
    /// without NLM_F_ACK, `-A` without NLM_F_EXCL, `-U` in the entry's family).
    V1_4_8,
    /// 1.4.9 (2026-02): `-E -o timestamp` prints the kernel's event time
    /// (CTA_TIMESTAMP_EVENT) when the event has one, and `-E -o xml` no
    /// ` [USERSPACE] portid=N`.
    #[default]
    V1_4_9,
}

impl FromStr for CtVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<CtVersion, String> {
        match s {
            "1.4.7" => Ok(CtVersion::V1_4_7),
            "1.4.8" => Ok(CtVersion::V1_4_8),
            "1.4.9" => Ok(CtVersion::V1_4_9),
            other => Err(format!(
                "unknown conntrack-tools version {other:?} (1.4.7, 1.4.8, 1.4.9)"
            )),
        }
    }
}

/// conntrack's `-o` options (`save` is not supported), the release to reproduce
/// and whether to fix what conntrack gets wrong.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CtOutput {
    /// `-o extended`: the layer-3 protocol name and number first.
    pub extended: bool,
    /// `-o id`: `id=` of entries.
    pub id: bool,
    /// `-o timestamp`: `[seconds.micros]` before events and expectation listings.
    pub timestamp: bool,
    /// `-o ktimestamp`: `[start=...]` and `[stop=...]` of entries.
    pub ktimestamp: bool,
    /// `-o labels`: `labels=` of entries.
    pub labels: bool,
    /// `-o xml`: libnetfilter_conntrack's XML, in conntrack's documents.
    pub xml: bool,
    /// `--ct-fix`: what conntrack gets wrong, fixed (SCTP and DCCP state names in
    /// XML, well-formed XML documents).
    pub fix: bool,
    /// `--ct-version`.
    pub version: CtVersion,
}

impl FromStr for CtOutput {
    type Err = String;

    /// Parses a comma-separated list as conntrack's `-o` takes it.
    fn from_str(s: &str) -> Result<CtOutput, String> {
        let mut o = CtOutput::default();
        for w in s.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            match w {
                "extended" => o.extended = true,
                "id" => o.id = true,
                "timestamp" => o.timestamp = true,
                "ktimestamp" => o.ktimestamp = true,
                "labels" => o.labels = true,
                "xml" => o.xml = true,
                other => {
                    return Err(format!(
                    "unknown output option {other:?} (extended, id, timestamp, ktimestamp, labels, xml)"
                ))
                }
            }
        }
        Ok(o)
    }
}

/// What [`ConntrackRenderer::format`] produced for a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// A line conntrack prints: an entry, event, expectation, `-S` or `-C` line.
    Conntrack,
    /// A `# ...` comment for a message conntrack does not print.
    Comment,
    /// Nothing (a comment left out with `replies_only`).
    Nothing,
}

/// Renders messages as conntrack-tools prints them.
#[derive(Debug, Default)]
pub struct ConntrackRenderer {
    opts: CtOutput,
    replies_only: bool,
    labels: Option<LabelMap>,
    line: String,
    /// `-o xml`: the document open (its header printed).
    doc: Option<xml::Doc>,
    /// `-o xml`: the last request seen: (nlmsg_seq, a dump).
    last_request: Option<(u32, bool)>,
}

const IPS_SEEN_REPLY: u64 = 1 << 1;
const IPS_ASSURED: u64 = 1 << 2;
const IPS_OFFLOAD: u64 = 1 << 14;
const IPS_HW_OFFLOAD: u64 = 1 << 15;

const TCP_STATES: [&str; 10] = [
    "NONE",
    "SYN_SENT",
    "SYN_RECV",
    "ESTABLISHED",
    "FIN_WAIT",
    "CLOSE_WAIT",
    "LAST_ACK",
    "TIME_WAIT",
    "CLOSE",
    "SYN_SENT2",
];
const SCTP_STATES: [&str; 10] = [
    "NONE",
    "CLOSED",
    "COOKIE_WAIT",
    "COOKIE_ECHOED",
    "ESTABLISHED",
    "SHUTDOWN_SENT",
    "SHUTDOWN_RECD",
    "SHUTDOWN_ACK_SENT",
    "HEARTBEAT_SENT",
    "HEARTBEAT_ACKED",
];
const DCCP_STATES: [&str; 10] = [
    "NONE", "REQUEST", "RESPOND", "PARTOPEN", "OPEN", "CLOSEREQ", "CLOSING", "TIMEWAIT", "IGNORE",
    "INVALID",
];

/// `-S` names of CTA_STATS_* 1..=15, then the four conntrack keeps for newer kernels.
const STATS_NAMES: [&str; 19] = [
    "searched",
    "found",
    "new",
    "invalid",
    "ignore",
    "delete",
    "delete_list",
    "insert",
    "insert_failed",
    "drop",
    "early_drop",
    "error",
    "search_restart",
    "clash_resolve",
    "chaintoolong",
    "unknown1",
    "unknown2",
    "unknown3",
    "unknown4",
];
const EXP_STATS_NAMES: [&str; 3] = ["expect_new", "expect_create", "expect_delete"];

/// libnetfilter_conntrack's protocol names (`unknown` otherwise).
fn proto_name(p: u8) -> &'static str {
    match p {
        1 => "icmp",
        6 => "tcp",
        17 => "udp",
        33 => "dccp",
        47 => "gre",
        58 => "icmpv6",
        132 => "sctp",
        136 => "udplite",
        _ => "unknown",
    }
}

fn l3_name(f: u8) -> &'static str {
    match f {
        2 => "ipv4",
        10 => "ipv6",
        _ => "unknown",
    }
}

/// One tuple as libnetfilter_conntrack holds it after parsing.
#[derive(Debug, Clone, Copy)]
struct Tuple {
    /// Layer-3 family: the nfgenmsg family when the tuple was sent, else 0.
    l3: u8,
    proto: u8,
    v4: [Ipv4Addr; 2],
    v6: [Ipv6Addr; 2],
    l4src: u16,
    l4dst: u16,
    icmp_type: u8,
    icmp_code: u8,
    icmp_id: u16,
    zone: Option<u64>,
}

impl Default for Tuple {
    /// What an unset tuple prints from: zero addresses, ports and family.
    fn default() -> Self {
        Tuple {
            l3: 0,
            proto: 0,
            v4: [Ipv4Addr::UNSPECIFIED; 2],
            v6: [Ipv6Addr::UNSPECIFIED; 2],
            l4src: 0,
            l4dst: 0,
            icmp_type: 0,
            icmp_code: 0,
            icmp_id: 0,
            zone: None,
        }
    }
}

impl Tuple {
    /// The tuple nest `t` (CTA_TUPLE_*) of a message of layer-3 family `family`, as
    /// libnetfilter_conntrack's parser fills it: what is absent stays zero.
    fn of(t: Option<Attr<'_>>, family: u8) -> Tuple {
        let mut out = Tuple::default();
        let Some(t) = t.filter(Attr::is_nest) else {
            return out;
        };
        let uint = |p: &AttrPath| t.at(p).and_then(|a| a.uint());
        out.l3 = family;
        for (slot, p) in out
            .v4
            .iter_mut()
            .zip([&paths::IP_V4_SRC, &paths::IP_V4_DST])
        {
            if let Some(v) = uint(p) {
                *slot = Ipv4Addr::from(v as u32);
            }
        }
        for (slot, p) in out
            .v6
            .iter_mut()
            .zip([&paths::IP_V6_SRC, &paths::IP_V6_DST])
        {
            let a = t
                .at(p)
                .and_then(|a| <[u8; 16]>::try_from(a.bytes().get(..16)?).ok());
            if let Some(a) = a {
                *slot = Ipv6Addr::from(a);
            }
        }
        out.proto = uint(&paths::PROTO_NUM).unwrap_or(0) as u8;
        // The layer-4 fields are two unions of two bytes (`__nfct_l4_src`,
        // `__nfct_l4_dst`): ports and the ICMP id share the first, the ICMP
        // type and code are the bytes of the second. `nfct_parse_proto` writes
        // them in this order, later ones over earlier ones (the kernel sends
        // only one protocol's fields; only a malformed message shows it).
        let (mut src, mut dst) = ([0u8; 2], [0u8; 2]);
        let port = |p: &AttrPath| uint(p).map(|v| (v as u16).to_be_bytes());
        let byte = |p: &AttrPath| uint(p).map(|v| v as u8);
        if let Some(b) = port(&paths::SRC_PORT) {
            src = b;
        }
        if let Some(b) = port(&paths::DST_PORT) {
            dst = b;
        }
        for (ty, code, id) in [
            (&paths::ICMP_TYPE, &paths::ICMP_CODE, &paths::ICMP_ID),
            (&paths::ICMPV6_TYPE, &paths::ICMPV6_CODE, &paths::ICMPV6_ID),
        ] {
            if let Some(b) = byte(ty) {
                dst[0] = b;
            }
            if let Some(b) = byte(code) {
                dst[1] = b;
            }
            if let Some(b) = port(id) {
                src = b;
            }
        }
        out.l4src = u16::from_be_bytes(src);
        out.l4dst = u16::from_be_bytes(dst);
        out.icmp_id = out.l4src;
        (out.icmp_type, out.icmp_code) = (dst[0], dst[1]);
        out.zone = uint(&paths::TUPLE_ZONE);
        out
    }
}

/// The protocol state as libnetfilter_conntrack holds it: one byte shared by TCP,
/// SCTP and DCCP (a union), written by each protoinfo the message carries in the
/// parser's order (TCP, SCTP, DCCP), so the last one wins; each protoinfo present
/// prints it. The kernel sends one protoinfo: only a malformed message tells.
fn union_state(e: Scope<'_>) -> Option<u64> {
    [&paths::DCCP_STATE, &paths::SCTP_STATE, &paths::TCP_STATE]
        .iter()
        .find_map(|p| uint(e, p))
}

/// The expected, mask and master tuples of an expectation as
/// libnetfilter_conntrack's parser fills them (expect/parse_mnl.c,
/// `nfexp_nlmsg_parse`): each tuple's layer-3 family is set when *another*
/// attribute is there: the expected tuple's by CTA_EXPECT_MASTER, the mask's by
/// CTA_EXPECT_TUPLE, the master's by CTA_EXPECT_MASK. The kernel always sends the
/// three, so only a malformed message tells; without its family a tuple prints
/// no addresses.
fn expect_tuples(e: Scope<'_>, family: u8) -> [Tuple; 3] {
    let mut t = [
        Tuple::of(e.at(&paths::EXP_TUPLE), family),
        Tuple::of(e.at(&paths::EXP_MASK), family),
        Tuple::of(e.at(&paths::EXP_MASTER), family),
    ];
    for (tuple, by) in t
        .iter_mut()
        .zip([&paths::EXP_MASTER, &paths::EXP_TUPLE, &paths::EXP_MASK])
    {
        tuple.l3 = if e.at(by).is_some() { family } else { 0 };
    }
    t
}

/// `src=.. dst=.. ` (with tags) and the layer-4 part, as `__snprintf_address` and
/// `__snprintf_proto` print them.
fn write_tuple(l: &mut String, t: &Tuple, src: &str, dst: &str) -> fmt::Result {
    match t.l3 {
        2 => {
            let [s, d] = t.v4;
            write!(l, "{src}={s} {dst}={d} ")?;
        }
        10 => {
            let [s, d] = t.v6;
            write!(l, "{src}={s} {dst}={d} ")?;
        }
        _ => {}
    }
    write_l4(l, t)
}

fn write_l4(l: &mut String, t: &Tuple) -> fmt::Result {
    match t.proto {
        6 | 17 | 136 | 132 | 33 => write!(l, "sport={} dport={} ", t.l4src, t.l4dst),
        47 => write!(l, "srckey=0x{:x} dstkey=0x{:x} ", t.l4src, t.l4dst),
        1 | 58 => write!(
            l,
            "type={} code={} id={} ",
            t.icmp_type, t.icmp_code, t.icmp_id
        ),
        _ => Ok(()),
    }
}

/// ctime(3) without the newline, in UTC: `Sat Nov 28 06:29:29 2026`.
pub fn ctime_utc(out: &mut impl fmt::Write, secs: i64) -> fmt::Result {
    const WD: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MO: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let wd = WD
        .get(days.rem_euclid(7) as usize)
        .copied()
        .unwrap_or("???");
    let mo = MO
        .get((m as usize).saturating_sub(1))
        .copied()
        .unwrap_or("???");
    write!(
        out,
        "{wd} {mo} {d:2} {:02}:{:02}:{:02} {y}",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    )
}

/// The event type conntrack derives from the message: NEW (CT NEW with
/// NLM_F_CREATE), UPDATE, DESTROY.
fn event_prefix(msg: &Msg<'_>, subsys: u8) -> Option<&'static str> {
    const NLM_F_EXCL: u16 = 0x200;
    const NLM_F_CREATE: u16 = 0x400;
    let create = if subsys == 1 {
        NLM_F_CREATE
    } else {
        NLM_F_CREATE | NLM_F_EXCL
    };
    match msg.nf()?.msg {
        0 if msg.header().flags & create != 0 => Some("[NEW]"),
        0 => Some("[UPDATE]"),
        2 => Some("[DESTROY]"),
        _ => None,
    }
}

/// A string attribute up to its first NUL, escaped for a terminal: the one place
/// where this format differs from conntrack's, which prints the bytes raw.
fn text(a: Option<Attr<'_>>) -> Option<Escaped<'_>> {
    let b = a?.bytes();
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    Some(escape(b.get(..end).unwrap_or(&[])))
}

impl ConntrackRenderer {
    /// A renderer with conntrack's `-o` options `opts`; `replies_only` leaves out the
    /// comment lines of requests, acks, errors and everything else conntrack does not
    /// print.
    pub fn new(opts: CtOutput, replies_only: bool) -> ConntrackRenderer {
        ConntrackRenderer {
            opts,
            replies_only,
            labels: None,
            line: String::new(),
            doc: None,
            last_request: None,
        }
    }

    /// Label names for `labels=` (without them, bit numbers are printed).
    pub fn with_labels(mut self, labels: Option<LabelMap>) -> ConntrackRenderer {
        self.labels = labels;
        self
    }

    /// The line of one message (without its newline), and what it is. The text is
    /// in [`ConntrackRenderer::line`] until the next call.
    pub fn format(&mut self, frame: &FrameMeta, msg: &Msg<'_>) -> LineKind {
        self.line.clear();
        let mut l = std::mem::take(&mut self.line);
        // XML: the NLMSG_DONE of a dump ends its document.
        if self.opts.xml {
            self.saw_request(msg);
            self.close_doc(&mut l, Some(msg));
        }
        let footer = l.len();
        let printed = self.entry(&mut l, frame, msg).is_some_and(|r| r.is_ok());
        if printed {
            self.line = l;
            return LineKind::Conntrack;
        }
        l.truncate(footer);
        if self.replies_only {
            let kind = if l.ends_with('\n') {
                l.pop();
                LineKind::Conntrack
            } else {
                LineKind::Nothing
            };
            self.line = l;
            return kind;
        }
        let start = l.len();
        let _ = comment(&mut l, frame, msg);
        if self.opts.xml && self.opts.fix {
            // Between well-formed documents: an XML comment.
            let text = l.split_off(start).replace("--", "- -");
            l.push_str("<!-- ");
            l.push_str(&text);
            l.push_str(" -->");
        }
        self.line = l;
        LineKind::Comment
    }

    /// The end of an input: the footer of an XML document still open (events, a
    /// dump cut by the end of the capture), as conntrack prints it when it stops.
    pub fn finish(&mut self) -> &str {
        self.line.clear();
        let mut l = std::mem::take(&mut self.line);
        self.close_doc(&mut l, None);
        self.line = l;
        &self.line
    }

    /// The text of the last [`ConntrackRenderer::format`].
    pub fn line(&self) -> &str {
        &self.line
    }

    /// The line conntrack prints for `msg`; `None` when it prints none.
    fn entry(&mut self, l: &mut String, frame: &FrameMeta, msg: &Msg<'_>) -> Option<fmt::Result> {
        let nf = msg
            .nf()
            .filter(|_| msg.direction() == Direction::FromKernel)?;
        let event = matches!(msg.kind(), Kind::Event(_));
        let reply = matches!(msg.kind(), Kind::Reply | Kind::DumpReply);
        let family = nf.nfgen.family;
        let xml = self.opts.xml;
        Some(match nf.set?.name {
            "conntrack" if (event || reply) && xml => {
                self.write_conntrack_xml(l, frame, msg, Scope::Msg(*msg), family, event)
            }
            "conntrack" if event || reply => {
                self.write_conntrack(l, frame, msg, Scope::Msg(*msg), family, event)
            }
            // A queued or logged packet's entry (NFQA_CT, NFULA_CT), as -L prints it.
            "nfqueue" | "nflog" if msg.kind() == Kind::Packet => {
                let ct = msg
                    .at(&paths::QUEUE_CT)
                    .or_else(|| msg.at(&paths::LOG_CT))?;
                if xml {
                    self.write_conntrack_xml(l, frame, msg, Scope::Nest(ct), family, false)
                } else {
                    self.write_conntrack(l, frame, msg, Scope::Nest(ct), family, false)
                }
            }
            "expect" if (event || reply) && xml => {
                self.write_expect_xml(l, frame, msg, family, event)
            }
            "expect" if event || reply => self.write_expect(l, frame, msg, family, event),
            "conntrack-stats" if reply => stats(l, msg, nf.nfgen.res_id, &STATS_NAMES),
            "expect-stats" if reply => stats(l, msg, nf.nfgen.res_id, &EXP_STATS_NAMES),
            // conntrack prints it with %d.
            "stats-global" if reply => {
                let n = msg.at(&paths::ENTRIES)?.uint()?;
                write!(l, "{}", n as u32 as i32)
            }
            _ => return None,
        })
    }

    fn timestamp_prefix(l: &mut String, frame: &FrameMeta, zero_pad: bool) -> fmt::Result {
        let s = frame.ts.as_secs();
        let us = frame.ts.subsec_micros();
        if zero_pad {
            // conntrack's event_cb: "[%-.8ld.%-.6ld]\t".
            write!(l, "[{s:08}.{us:06}]\t")
        } else {
            // its expectation callbacks: "[%-8ld.%-6ld]\t".
            write!(l, "[{s:<8}.{us:<6}]\t")
        }
    }

    /// An entry or event line, in `__snprintf_conntrack_default`'s order.
    fn write_conntrack(
        &self,
        l: &mut String,
        frame: &FrameMeta,
        msg: &Msg<'_>,
        e: Scope<'_>,
        family: u8,
        event: bool,
    ) -> fmt::Result {
        if event {
            if self.opts.timestamp {
                // 1.4.9 (event_print_timestamp): the kernel's event time when the
                // event carries one, else gettimeofday (here: the capture time).
                let kernel = uint(e, &paths::TIMESTAMP_EVENT)
                    .filter(|_| self.opts.version >= CtVersion::V1_4_9);
                match kernel {
                    Some(ns) => write!(
                        l,
                        "[{:08}.{:06}]\t",
                        ns / 1_000_000_000,
                        (ns % 1_000_000_000) / 1000
                    )?,
                    None => Self::timestamp_prefix(l, frame, true)?,
                }
            }
            if let Some(p) = event_prefix(msg, 1) {
                write!(l, "{p:>9} ")?;
            }
        }
        let orig = Tuple::of(e.at(&paths::TUPLE_ORIG), family);
        let repl = Tuple::of(e.at(&paths::TUPLE_REPLY), family);
        self.write_head(l, e, &orig)?;
        write_directions(l, e, &orig, &repl)?;
        self.write_tail(l, frame, msg, e)?;
        // "Delete the last blank space".
        l.pop();
        if event && msg.header().portid != 0 {
            write!(l, " [USERSPACE] portid={}", msg.header().portid)?;
        }
        Ok(())
    }

    /// `[ipv4     2 ]tcp      6 TIMEOUT STATE `.
    fn write_head(&self, l: &mut String, e: Scope<'_>, orig: &Tuple) -> fmt::Result {
        if self.opts.extended {
            write!(l, "{:<8} {} ", l3_name(orig.l3), orig.l3)?;
        }
        write!(l, "{:<8} {} ", proto_name(orig.proto), orig.proto)?;
        if let Some(t) = uint(e, &paths::TIMEOUT) {
            write!(l, "{t} ")?;
        }
        let state = union_state(e);
        for (path, names) in [
            (&paths::TCP_STATE, &TCP_STATES),
            (&paths::SCTP_STATE, &SCTP_STATES),
            (&paths::DCCP_STATE, &DCCP_STATES),
        ] {
            if let (Some(_), Some(s)) = (uint(e, path), state) {
                let name = names.get(s as usize).or(names.first()).copied();
                write!(l, "{} ", name.unwrap_or("NONE"))?;
            }
        }
        Ok(())
    }

    /// Everything after the reply direction: mark, security context, zone, times,
    /// helper, use, id, labels.
    fn write_tail(
        &self,
        l: &mut String,
        frame: &FrameMeta,
        msg: &Msg<'_>,
        e: Scope<'_>,
    ) -> fmt::Result {
        if let Some(m) = uint(e, &paths::MARK) {
            write!(l, "mark={m} ")?;
        }
        // CTA_SECMARK: a big-endian u32 from kernels before 2.6.37.
        if let Some(m) = uint(e, &paths::SECMARK) {
            write!(l, "secmark={m} ")?;
        }
        if let Some(s) = text(e.at(&paths::SECCTX_NAME)) {
            write!(l, "secctx={s} ")?;
        }
        if let Some(z) = uint(e, &paths::ZONE) {
            write!(l, "zone={z} ")?;
        }
        let (start, stop) = (
            uint(e, &paths::TIMESTAMP_START),
            uint(e, &paths::TIMESTAMP_STOP),
        );
        self.write_times(l, frame, start, stop)?;
        if let Some(h) = text(e.at(&paths::HELP_NAME)) {
            write!(l, "helper={h} ")?;
        }
        if let Some(u) = uint(e, &paths::USE) {
            write!(l, "use={u} ")?;
        }
        if self.opts.id {
            if let Some(id) = uint(e, &paths::ID) {
                write!(l, "id={id} ")?;
            }
        }
        if self.opts.labels {
            // An empty CTA_LABELS makes no bitmask in libnetfilter_conntrack.
            if let Some(a) = e.at(&paths::LABELS).filter(|a| !a.bytes().is_empty()) {
                self.write_labels(l, a.bytes(), msg.order());
            }
        }
        Ok(())
    }

    /// `delta-time=` and, with `-o ktimestamp`, `[start=...] [stop=...]`.
    fn write_times(
        &self,
        l: &mut String,
        frame: &FrameMeta,
        start: Option<u64>,
        stop: Option<u64>,
    ) -> fmt::Result {
        const NS: u64 = 1_000_000_000;
        if let Some(start) = start {
            let stop_s = match stop {
                Some(s) if s != 0 => (s / NS) as i64,
                // time(NULL) when conntrack printed: the capture time.
                _ => frame.ts.as_secs() as i64,
            };
            let d = stop_s.wrapping_sub((start / NS) as i64) as u64;
            write!(l, "delta-time={d} ")?;
        }
        if self.opts.ktimestamp {
            for (tag, t) in [("start", start), ("stop", stop)] {
                if let Some(t) = t {
                    write!(l, "[{tag}=")?;
                    ctime_utc(l, (t / NS) as i64)?;
                    l.push_str("] ");
                }
            }
        }
        Ok(())
    }

    /// `labels=name,name ` (or bit numbers without a label map).
    fn write_labels(&self, l: &mut String, bytes: &[u8], order: Endian) {
        l.push_str("labels=");
        label_bits(bytes, order, |bit| match self.labels.as_ref() {
            Some(map) => {
                if let Some(n) = map.name(bit).filter(|n| !n.is_empty()) {
                    push_escaped(l, n.as_bytes());
                    l.push(',');
                }
            }
            None => {
                let _ = write!(l, "{bit},");
            }
        });
        // libnetfilter_conntrack drops the last character (the last comma, or the
        // `=` when no bit has a name) and adds a blank.
        l.pop();
        l.push(' ');
    }

    /// An expectation line, in `__snprintf_expect_default`'s order.
    fn write_expect(
        &self,
        l: &mut String,
        frame: &FrameMeta,
        msg: &Msg<'_>,
        family: u8,
        event: bool,
    ) -> fmt::Result {
        let e = Scope::Msg(*msg);
        if self.opts.timestamp {
            Self::timestamp_prefix(l, frame, false)?;
        }
        if event {
            if let Some(p) = event_prefix(msg, 2) {
                write!(l, "{p:>9} ")?;
            }
        }
        let [tuple, mask, master] = expect_tuples(e, family);
        if let Some(timeout) = uint(e, &paths::EXP_TIMEOUT) {
            write!(l, "{timeout} ")?;
        }
        write!(l, "proto={} ", tuple.proto)?;
        write_tuple(l, &tuple, "src", "dst")?;
        write_tuple(l, &mask, "mask-src", "mask-dst")?;
        write_tuple(l, &master, "master-src", "master-dst")?;
        if let Some(z) = uint(e, &paths::EXP_ZONE) {
            write!(l, "zone={z} ")?;
        }
        let flags = uint(e, &paths::EXP_FLAGS).unwrap_or(0);
        let mut delim = "";
        for (bit, name) in [(1u64, "PERMANENT"), (2, "INACTIVE"), (4, "USERSPACE")] {
            if flags & bit != 0 {
                write!(l, "{delim}{name}")?;
                delim = ",";
            }
        }
        if flags != 0 {
            l.push(' ');
        }
        if let Some(c) = uint(e, &paths::EXP_CLASS) {
            write!(l, "class={c} ")?;
        }
        if let Some(h) = text(e.at(&paths::EXP_HELP_NAME)) {
            write!(l, "helper={h}")?;
        }
        if l.ends_with(' ') {
            l.pop();
        }
        Ok(())
    }
}

impl Render for ConntrackRenderer {
    fn message(&mut self, out: &mut dyn Write, frame: &FrameMeta, msg: &Msg<'_>) -> io::Result<()> {
        if self.format(frame, msg) != LineKind::Nothing {
            self.line.push('\n');
            out.write_all(self.line.as_bytes())?;
        }
        Ok(())
    }

    fn end_input(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let footer = self.finish();
        out.write_all(footer.as_bytes())
    }

    /// A capture-level notice as a comment (nothing with `replies_only`).
    fn notice(
        &mut self,
        out: &mut dyn Write,
        frame: Option<u64>,
        f: &Finding,
        _verdict: Option<&Verdict>,
    ) -> io::Result<()> {
        if self.replies_only {
            return Ok(());
        }
        self.line.clear();
        match frame {
            Some(n) => {
                let _ = write!(Esc(&mut self.line), "# {n} ! {f}");
                self.line.push('\n');
            }
            None => {
                let _ = write!(Esc(&mut self.line), "# - ! {f}");
                self.line.push('\n');
            }
        }
        out.write_all(self.line.as_bytes())
    }

    /// conntrack prints no exchanges: the text form.
    fn exchange(&mut self, out: &mut dyn Write, ex: &Exchange) -> io::Result<()> {
        self.line.clear();
        super::text::exchange_line(&mut self.line, ex);
        out.write_all(self.line.as_bytes())
    }

    fn summary(&mut self, out: &mut dyn Write, s: &Summary) -> io::Result<()> {
        self.line.clear();
        super::text::summary_text(&mut self.line, s);
        out.write_all(self.line.as_bytes())
    }

    /// A `# ==> FILE <==` comment (nothing with `replies_only`).
    fn start_input(&mut self, out: &mut dyn Write, name: &str) -> io::Result<()> {
        if self.replies_only {
            return Ok(());
        }
        self.line.clear();
        self.line.push_str("# ==> ");
        push_escaped(&mut self.line, name.as_bytes());
        self.line.push_str(" <==\n");
        out.write_all(self.line.as_bytes())
    }
}

/// The `# ...` comment line of a message conntrack does not print.
fn comment(l: &mut String, frame: &FrameMeta, msg: &Msg<'_>) -> fmt::Result {
    let dir = match msg.direction() {
        Direction::ToKernel => "U>K",
        Direction::FromKernel => "K>U",
    };
    let h = msg.header();
    write!(
        l,
        "# {} {dir} {} ({}) seq={} portid={}",
        frame.number,
        msg.name(),
        msg.kind().as_str(),
        h.seq,
        h.portid
    )?;
    if let Some(error) = msg.error().filter(|&e| e != 0) {
        match errno_of(error) {
            Some((name, text)) => write!(l, " error={error} {name} \"{text}\"")?,
            None => write!(l, " error={error}")?,
        }
    }
    Ok(())
}

/// The integer at `p`.
fn uint(e: Scope<'_>, p: &AttrPath) -> Option<u64> {
    e.at(p).and_then(|a| a.uint())
}

/// Both directions: tuple, zone and counters of the original, `[UNREPLIED]`, the
/// reply's, then `[ASSURED]` (or the offload marks).
fn write_directions(l: &mut String, e: Scope<'_>, orig: &Tuple, repl: &Tuple) -> fmt::Result {
    let status = uint(e, &paths::STATUS);
    write_tuple(l, orig, "src", "dst")?;
    if let Some(z) = orig.zone {
        write!(l, "zone-orig={z} ")?;
    }
    counters(l, e.at(&paths::COUNTERS_ORIG))?;
    if status.is_some_and(|s| s & IPS_SEEN_REPLY == 0) {
        l.push_str("[UNREPLIED] ");
    }
    write_tuple(l, repl, "src", "dst")?;
    if let Some(z) = repl.zone {
        write!(l, "zone-reply={z} ")?;
    }
    counters(l, e.at(&paths::COUNTERS_REPLY))?;
    if let Some(s) = status {
        if s & IPS_HW_OFFLOAD != 0 {
            l.push_str("[HW_OFFLOAD] ");
        } else if s & IPS_OFFLOAD != 0 {
            l.push_str("[OFFLOAD] ");
        } else if s & IPS_ASSURED != 0 {
            l.push_str("[ASSURED] ");
        }
    }
    Ok(())
}

/// `packets=N bytes=N ` of a counters nest, when both are there.
fn counters(l: &mut String, c: Option<Attr<'_>>) -> fmt::Result {
    match counter_values(c) {
        Some((p, b)) => write!(l, "packets={p} bytes={b} "),
        None => Ok(()),
    }
}

/// `(packets, bytes)` of a counters nest (64-bit or the old 32-bit attributes)
/// when both are there.
fn counter_values(c: Option<Attr<'_>>) -> Option<(u64, u64)> {
    let c = c?;
    let get = |a: &AttrPath, b: &AttrPath| c.at(a).or_else(|| c.at(b)).and_then(|x| x.uint());
    Some((
        get(&paths::PACKETS, &paths::PACKETS_OLD)?,
        get(&paths::BYTES, &paths::BYTES_OLD)?,
    ))
}

/// A `-S` line: `cpu=N   \tname=value ...` (with the trailing blank conntrack prints).
fn stats(l: &mut String, msg: &Msg<'_>, cpu: u16, names: &[&str]) -> fmt::Result {
    let mut vals: Vec<Option<u64>> = vec![None; names.len()];
    for a in msg.attrs() {
        // conntrack takes any 4-byte attribute in range; the last one of a number wins.
        let Ok(b) = <[u8; 4]>::try_from(a.bytes()) else {
            continue;
        };
        let slot = usize::from(a.num())
            .checked_sub(1)
            .and_then(|k| vals.get_mut(k));
        if let Some(slot) = slot {
            *slot = Some(u64::from(u32::from_be_bytes(b)));
        }
    }
    write!(l, "cpu={cpu:<4}\t")?;
    for (name, val) in names.iter().zip(&vals) {
        if let Some(val) = val {
            write!(l, "{name}={val} ")?;
        }
    }
    Ok(())
}
