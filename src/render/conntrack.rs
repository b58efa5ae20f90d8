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

use super::{civil_from_days, errno_of, label_bits, type_name, FrameInfo};
use crate::model::{Body, Direction, Kind, Message, Record, Value};
use crate::wire::Endian;
use std::fmt::{self, Write as _};
use std::io::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;
use std::str::FromStr;

/// conntrack's `-o` options (`xml` and `save` are not supported).
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
                other => {
                    return Err(format!(
                    "unknown output option {other:?} (extended, id, timestamp, ktimestamp, labels)"
                ))
                }
            }
        }
        Ok(o)
    }
}

/// Connection label names by bit, as in conntrack's connlabel.conf
/// (`/etc/xtables/connlabel.conf`: lines `BIT NAME`, `#` comments).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelMap {
    names: Vec<(u32, String)>,
}

impl LabelMap {
    /// Parses connlabel.conf text; lines that do not start with a bit number are
    /// skipped, and the first name of a bit wins.
    pub fn parse(text: &str) -> LabelMap {
        let mut names: Vec<(u32, String)> = Vec::new();
        for line in text.lines() {
            let line = line.trim_start();
            if line.starts_with('#') {
                continue;
            }
            let mut words = line.split_whitespace();
            let (Some(bit), Some(name)) = (words.next(), words.next()) else {
                continue;
            };
            let bit = match bit.strip_prefix("0x").or_else(|| bit.strip_prefix("0X")) {
                Some(h) => u32::from_str_radix(h, 16).ok(),
                None => bit.parse::<u32>().ok(),
            };
            let Some(bit) = bit.filter(|b| *b < 128) else {
                continue;
            };
            if !names.iter().any(|(b, _)| *b == bit) {
                names.push((bit, name.to_string()));
            }
        }
        LabelMap { names }
    }

    /// The name of label bit `bit`.
    pub fn name(&self, bit: u32) -> Option<&str> {
        self.names
            .iter()
            .find(|(b, _)| *b == bit)
            .map(|(_, n)| n.as_str())
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

/// Reads attributes of one message.
struct View<'a> {
    rec: &'a Record,
    data: &'a [u8],
    order: Endian,
}

impl View<'_> {
    fn find(&self, range: Range<usize>, path: &[u16]) -> Option<usize> {
        self.rec.find_path(range, path)
    }

    fn uint(&self, range: Range<usize>, path: &[u16]) -> Option<u64> {
        self.find(range, path).and_then(|i| self.rec.uint(i))
    }

    fn bytes(&self, idx: usize) -> &[u8] {
        self.rec
            .nodes
            .get(idx)
            .map(|n| n.bytes(self.data))
            .unwrap_or(&[])
    }

    /// A string attribute up to its first NUL.
    fn text(&self, range: Range<usize>, path: &[u16]) -> Option<String> {
        let i = self.find(range, path)?;
        let b = self.bytes(i);
        let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        Some(String::from_utf8_lossy(b.get(..end).unwrap_or(&[])).into_owned())
    }

    /// A big-endian u32 of raw bytes (attributes the schema keeps as binary).
    fn raw_u32(&self, range: Range<usize>, num: u16) -> Option<u32> {
        let i = self.find(range, &[num])?;
        let b = self.bytes(i);
        let a: [u8; 4] = b.get(..4)?.try_into().ok()?;
        Some(u32::from_be_bytes(a))
    }

    fn tuple(&self, attrs: Range<usize>, num: u16, family: u8) -> Tuple {
        let mut t = Tuple::default();
        let Some(idx) = self.find(attrs, &[num]) else {
            return t;
        };
        if !matches!(self.rec.nodes.get(idx).map(|n| n.value), Some(Value::Nest)) {
            return t;
        }
        let r = self.rec.child_range(idx);
        t.l3 = family;
        for (k, n) in [1u16, 2].into_iter().enumerate() {
            if let (Some(v), Some(slot)) = (self.uint(r.clone(), &[1, n]), t.v4.get_mut(k)) {
                *slot = Ipv4Addr::from(v as u32);
            }
        }
        for (k, n) in [3u16, 4].into_iter().enumerate() {
            let a = self
                .find(r.clone(), &[1, n])
                .and_then(|i| <[u8; 16]>::try_from(self.bytes(i).get(..16)?).ok());
            if let (Some(a), Some(slot)) = (a, t.v6.get_mut(k)) {
                *slot = Ipv6Addr::from(a);
            }
        }
        let p = |n: u16| self.uint(r.clone(), &[2, n]);
        t.proto = p(1).unwrap_or(0) as u8;
        t.l4src = p(2).unwrap_or(0) as u16;
        t.l4dst = p(3).unwrap_or(0) as u16;
        t.icmp_id = p(4).or(p(7)).unwrap_or(0) as u16;
        t.icmp_type = p(5).or(p(8)).unwrap_or(0) as u8;
        t.icmp_code = p(6).or(p(9)).unwrap_or(0) as u8;
        t.zone = self.uint(r, &[3]);
        t
    }
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
fn event_prefix(msg: &Message, subsys: u8, m: u8) -> Option<&'static str> {
    const NLM_F_EXCL: u16 = 0x200;
    const NLM_F_CREATE: u16 = 0x400;
    let create = if subsys == 1 {
        NLM_F_CREATE
    } else {
        NLM_F_CREATE | NLM_F_EXCL
    };
    match m {
        0 if msg.header.flags & create != 0 => Some("[NEW]"),
        0 => Some("[UPDATE]"),
        2 => Some("[DESTROY]"),
        _ => None,
    }
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
        }
    }

    /// Label names for `labels=` (without them, bit numbers are printed).
    pub fn with_labels(mut self, labels: Option<LabelMap>) -> ConntrackRenderer {
        self.labels = labels;
        self
    }

    /// Writes the line(s) of one message.
    pub fn message(
        &mut self,
        out: &mut dyn Write,
        frame: &FrameInfo,
        data: &[u8],
        rec: &Record,
        msg: &Message,
    ) -> io::Result<()> {
        if self.format(frame, data, rec, msg) != LineKind::Nothing {
            self.line.push('\n');
            out.write_all(self.line.as_bytes())?;
        }
        Ok(())
    }

    /// Writes a capture-level notice as a comment (nothing with `replies_only`).
    pub fn notice(
        &mut self,
        out: &mut dyn Write,
        frame: Option<u64>,
        f: &crate::finding::Finding,
    ) -> io::Result<()> {
        if self.replies_only {
            return Ok(());
        }
        self.line.clear();
        match frame {
            Some(n) => {
                let _ = writeln!(self.line, "# {n} ! {f}");
            }
            None => {
                let _ = writeln!(self.line, "# - ! {f}");
            }
        }
        out.write_all(self.line.as_bytes())
    }

    /// The line of one message (without its newline), and what it is. The text is
    /// in [`ConntrackRenderer::line`] until the next call.
    pub fn format(
        &mut self,
        frame: &FrameInfo,
        data: &[u8],
        rec: &Record,
        msg: &Message,
    ) -> LineKind {
        self.line.clear();
        let printed = match &msg.body {
            Body::Nf(nf) if msg.direction == Direction::FromKernel => {
                let set = nf.set.map(|s| s.name).unwrap_or("");
                let v = View {
                    rec,
                    data,
                    order: rec.order.unwrap_or(Endian::Little),
                };
                let event = matches!(msg.kind, Kind::Event(_));
                let reply = matches!(msg.kind, Kind::Reply | Kind::DumpReply);
                let mut l = std::mem::take(&mut self.line);
                let done = match set {
                    "conntrack" if event || reply => {
                        self.conntrack(&mut l, &v, frame, msg, nf.nfgen.family, event)
                    }
                    "expect" if event || reply => {
                        self.expect(&mut l, &v, frame, msg, nf.nfgen.family, event)
                    }
                    "conntrack-stats" if reply => {
                        stats(&mut l, &v, msg, nf.nfgen.res_id, &STATS_NAMES)
                    }
                    "expect-stats" if reply => {
                        stats(&mut l, &v, msg, nf.nfgen.res_id, &EXP_STATS_NAMES)
                    }
                    "stats-global" if reply => {
                        match v.uint(msg.attrs.clone(), &[1]) {
                            // conntrack prints it with %d.
                            Some(n) => write!(l, "{}", n as u32 as i32).is_ok(),
                            None => false,
                        }
                    }
                    _ => false,
                };
                self.line = l;
                done
            }
            _ => false,
        };
        if printed {
            return LineKind::Conntrack;
        }
        self.line.clear();
        if self.replies_only {
            return LineKind::Nothing;
        }
        let _ = self.comment(frame, msg);
        LineKind::Comment
    }

    /// The text of the last [`ConntrackRenderer::format`].
    pub fn line(&self) -> &str {
        &self.line
    }

    fn comment(&mut self, frame: &FrameInfo, msg: &Message) -> fmt::Result {
        let l = &mut self.line;
        let dir = match msg.direction {
            Direction::ToKernel => "U>K",
            Direction::FromKernel => "K>U",
        };
        write!(l, "# {} {dir} ", frame.number)?;
        type_name(msg, l);
        write!(
            l,
            " ({}) seq={} portid={}",
            msg.kind.as_str(),
            msg.header.seq,
            msg.header.portid
        )?;
        if let Body::Error { error, .. } = &msg.body {
            if *error != 0 {
                match errno_of(*error) {
                    Some((name, text)) => write!(l, " error={error} {name} \"{text}\"")?,
                    None => write!(l, " error={error}")?,
                }
            }
        }
        Ok(())
    }

    fn timestamp_prefix(l: &mut String, frame: &FrameInfo, zero_pad: bool) -> fmt::Result {
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

    fn conntrack(
        &self,
        l: &mut String,
        v: &View<'_>,
        frame: &FrameInfo,
        msg: &Message,
        family: u8,
        event: bool,
    ) -> bool {
        self.write_conntrack(l, v, frame, msg, family, event)
            .is_ok()
    }

    fn write_conntrack(
        &self,
        l: &mut String,
        v: &View<'_>,
        frame: &FrameInfo,
        msg: &Message,
        family: u8,
        event: bool,
    ) -> fmt::Result {
        let a = msg.attrs.clone();
        let o = self.opts;
        let nf_msg = match &msg.body {
            Body::Nf(nf) => nf.msg,
            _ => 0,
        };
        if event {
            if o.timestamp {
                Self::timestamp_prefix(l, frame, true)?;
            }
            if let Some(p) = event_prefix(msg, 1, nf_msg) {
                write!(l, "{p:>9} ")?;
            }
        }
        let orig = v.tuple(a.clone(), 1, family);
        let repl = v.tuple(a.clone(), 2, family);
        if o.extended {
            write!(l, "{:<8} {} ", l3_name(orig.l3), orig.l3)?;
        }
        write!(l, "{:<8} {} ", proto_name(orig.proto), orig.proto)?;
        if let Some(t) = v.uint(a.clone(), &[7]) {
            write!(l, "{t} ")?;
        }
        for (path, names) in [
            ([4u16, 1, 1], &TCP_STATES),
            ([4, 3, 1], &SCTP_STATES),
            ([4, 2, 1], &DCCP_STATES),
        ] {
            if let Some(s) = v.uint(a.clone(), &path) {
                let name = names
                    .get(s as usize)
                    .or(names.first())
                    .copied()
                    .unwrap_or("NONE");
                write!(l, "{name} ")?;
            }
        }
        let status = v.uint(a.clone(), &[3]);
        write_tuple(l, &orig, "src", "dst")?;
        if let Some(z) = orig.zone {
            write!(l, "zone-orig={z} ")?;
        }
        counters(l, v, a.clone(), 9)?;
        if status.is_some_and(|s| s & IPS_SEEN_REPLY == 0) {
            l.push_str("[UNREPLIED] ");
        }
        write_tuple(l, &repl, "src", "dst")?;
        if let Some(z) = repl.zone {
            write!(l, "zone-reply={z} ")?;
        }
        counters(l, v, a.clone(), 10)?;
        if let Some(s) = status {
            if s & IPS_HW_OFFLOAD != 0 {
                l.push_str("[HW_OFFLOAD] ");
            } else if s & IPS_OFFLOAD != 0 {
                l.push_str("[OFFLOAD] ");
            } else if s & IPS_ASSURED != 0 {
                l.push_str("[ASSURED] ");
            }
        }
        if let Some(m) = v.uint(a.clone(), &[8]) {
            write!(l, "mark={m} ")?;
        }
        if let Some(m) = v.raw_u32(a.clone(), 17) {
            write!(l, "secmark={m} ")?;
        }
        if let Some(s) = v.text(a.clone(), &[19, 1]) {
            write!(l, "secctx={s} ")?;
        }
        if let Some(z) = v.uint(a.clone(), &[18]) {
            write!(l, "zone={z} ")?;
        }
        let start = v.uint(a.clone(), &[20, 1]);
        let stop = v.uint(a.clone(), &[20, 2]);
        if let Some(start) = start {
            let start_s = (start / 1_000_000_000) as i64;
            let stop_s = match stop {
                Some(s) if s != 0 => (s / 1_000_000_000) as i64,
                // time(NULL) when conntrack printed: the capture time.
                _ => frame.ts.as_secs() as i64,
            };
            write!(l, "delta-time={} ", stop_s.wrapping_sub(start_s) as u64)?;
        }
        if o.ktimestamp {
            if let Some(s) = start {
                l.push_str("[start=");
                ctime_utc(l, (s / 1_000_000_000) as i64)?;
                l.push_str("] ");
            }
            if let Some(s) = stop {
                l.push_str("[stop=");
                ctime_utc(l, (s / 1_000_000_000) as i64)?;
                l.push_str("] ");
            }
        }
        if let Some(h) = v.text(a.clone(), &[5, 1]) {
            write!(l, "helper={h} ")?;
        }
        if let Some(u) = v.uint(a.clone(), &[11]) {
            write!(l, "use={u} ")?;
        }
        if o.id {
            if let Some(id) = v.uint(a.clone(), &[12]) {
                write!(l, "id={id} ")?;
            }
        }
        if o.labels {
            if let Some(i) = v.find(a, &[22]) {
                l.push_str("labels=");
                label_bits(v.bytes(i), v.order, |bit| match self.labels.as_ref() {
                    Some(map) => {
                        if let Some(n) = map.name(bit).filter(|n| !n.is_empty()) {
                            l.push_str(n);
                            l.push(',');
                        }
                    }
                    None => {
                        let _ = write!(l, "{bit},");
                    }
                });
                // libnetfilter_conntrack drops the last character (the last comma,
                // or the `=` when no bit has a name) and adds a blank.
                l.pop();
                l.push(' ');
            }
        }
        // "Delete the last blank space".
        l.pop();
        if event && msg.header.portid != 0 {
            write!(l, " [USERSPACE] portid={}", msg.header.portid)?;
        }
        Ok(())
    }

    fn expect(
        &self,
        l: &mut String,
        v: &View<'_>,
        frame: &FrameInfo,
        msg: &Message,
        family: u8,
        event: bool,
    ) -> bool {
        self.write_expect(l, v, frame, msg, family, event).is_ok()
    }

    fn write_expect(
        &self,
        l: &mut String,
        v: &View<'_>,
        frame: &FrameInfo,
        msg: &Message,
        family: u8,
        event: bool,
    ) -> fmt::Result {
        let a = msg.attrs.clone();
        if self.opts.timestamp {
            Self::timestamp_prefix(l, frame, false)?;
        }
        if event {
            let m = match &msg.body {
                Body::Nf(nf) => nf.msg,
                _ => 0,
            };
            if let Some(p) = event_prefix(msg, 2, m) {
                write!(l, "{p:>9} ")?;
            }
        }
        let tuple = v.tuple(a.clone(), 2, family);
        let mask = v.tuple(a.clone(), 3, family);
        let master = v.tuple(a.clone(), 1, family);
        let timeout = v.uint(a.clone(), &[4]).unwrap_or(0);
        write!(l, "{timeout} proto={} ", tuple.proto)?;
        write_tuple(l, &tuple, "src", "dst")?;
        write_tuple(l, &mask, "mask-src", "mask-dst")?;
        write_tuple(l, &master, "master-src", "master-dst")?;
        if let Some(z) = v.uint(a.clone(), &[7]) {
            write!(l, "zone={z} ")?;
        }
        let flags = v.uint(a.clone(), &[8]).unwrap_or(0);
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
        if let Some(c) = v.uint(a.clone(), &[9]) {
            write!(l, "class={c} ")?;
        }
        if let Some(h) = v.text(a, &[6]) {
            write!(l, "helper={h}")?;
        }
        if l.ends_with(' ') {
            l.pop();
        }
        Ok(())
    }
}

/// `packets=N bytes=N ` of counters nest `num`, when both are there.
fn counters(l: &mut String, v: &View<'_>, a: Range<usize>, num: u16) -> fmt::Result {
    let Some(i) = v.find(a, &[num]) else {
        return Ok(());
    };
    let r = v.rec.child_range(i);
    let packets = v.uint(r.clone(), &[1]).or(v.uint(r.clone(), &[3]));
    let bytes = v.uint(r.clone(), &[2]).or(v.uint(r, &[4]));
    match (packets, bytes) {
        (Some(p), Some(b)) => write!(l, "packets={p} bytes={b} "),
        _ => Ok(()),
    }
}

/// A `-S` line: `cpu=N   \tname=value ...` (with the trailing blank conntrack prints).
fn stats(l: &mut String, v: &View<'_>, msg: &Message, cpu: u16, names: &[&str]) -> bool {
    let mut vals: Vec<Option<u64>> = vec![None; names.len()];
    for i in v.rec.children(msg.attrs.clone()) {
        let Some(n) = v.rec.nodes.get(i) else {
            continue;
        };
        let num = usize::from(n.num());
        // conntrack takes any 4-byte attribute in range; the last one of a number wins.
        let b = n.bytes(v.data);
        let val = match <[u8; 4]>::try_from(b) {
            Ok(a) => u64::from(u32::from_be_bytes(a)),
            Err(_) => continue,
        };
        if let Some(slot) = num.checked_sub(1).and_then(|k| vals.get_mut(k)) {
            *slot = Some(val);
        }
    }
    let mut w = || -> fmt::Result {
        write!(l, "cpu={cpu:<4}\t")?;
        for (name, val) in names.iter().zip(&vals) {
            if let Some(val) = val {
                write!(l, "{name}={val} ")?;
            }
        }
        Ok(())
    };
    w().is_ok()
}
