//! Text output: one line per message; with `verbose`, the header details and the
//! indented attribute tree with findings inline. Also the text forms of exchanges
//! and of the summary.

use super::{fmt_time_of_day, fmt_utc, push_ipv4, push_u64, write_hex, Esc, Render};
use crate::capture::FrameMeta;
use crate::decode::FlagName;
use crate::exchange::{Exchange, Outcome};
use crate::finding::{Finding, Severity};
use crate::model::{Body, Direction, Kind, Record};
use crate::schema::{enums, messages, paths};
use crate::summary::Summary;
use crate::verdict::Verdict;
use crate::view::escape::{escape_quoted, push_escaped};
use crate::view::{errno_of, proto_name, type_name, Attr, Msg, Repr};
use std::fmt::Write as _;
use std::io::{self, Write};
use std::ops::Range;

/// Renders messages as text lines.
#[derive(Debug, Default)]
pub struct TextRenderer {
    /// Print the attribute tree and findings under each message line.
    pub verbose: bool,
    line: String,
    inputs: u32,
}

impl TextRenderer {
    /// A text renderer.
    pub fn new(verbose: bool) -> TextRenderer {
        TextRenderer {
            verbose,
            line: String::with_capacity(512),
            inputs: 0,
        }
    }

    /// The message line (without its newline) into `l`.
    fn line(l: &mut String, frame: &FrameMeta, msg: &Msg<'_>) {
        // The frame number right-aligned in 6 columns, as `{:>6}` would.
        let num = itoa::Buffer::new().format(frame.number).len();
        pad(l, 6usize.saturating_sub(num));
        push_u64(l, frame.number);
        l.push(' ');
        let _ = fmt_time_of_day(l, frame.ts, frame.precision);
        l.push_str(match msg.direction() {
            Direction::ToKernel => " U>K ",
            Direction::FromKernel => " K>U ",
        });
        let name_start = l.len();
        type_name(msg.message(), l);
        if l.get(name_start..) != Some(msg.kind().as_str()) {
            l.push_str(" (");
            l.push_str(msg.kind().as_str());
            l.push(')');
        }
        match &msg.message().body {
            Body::Error { error, echo } => {
                if *error != 0 {
                    let _ = write!(l, " {error}");
                    if let Some((name, text)) = errno_of(*error) {
                        let _ = write!(l, " {name} \"{text}\"");
                    }
                }
                let h = msg.header();
                let _ = write!(l, " seq={} portid={}", h.seq, h.portid);
                if let Some(nf) = echo.as_ref().and_then(|e| e.nf.as_ref()) {
                    if let (Some(s), Some(m)) = (
                        messages::subsys_name(nf.subsys),
                        messages::msg_name(nf.subsys, nf.msg),
                    ) {
                        let _ = write!(l, " (to {s} {m})");
                    }
                }
                extack_summary(msg, l);
            }
            Body::Done { status, nfgen } => {
                if let Some(s) = status {
                    let _ = write!(l, " status={s}");
                }
                if let Some(g) = nfgen {
                    // The end of an NFLOG batch: res_id is the log group.
                    let _ = write!(l, " group={}", g.res_id);
                }
                let h = msg.header();
                let _ = write!(l, " seq={} portid={}", h.seq, h.portid);
            }
            _ => {
                push_seq_portid(l, msg);
                push_flags(l, msg);
                let before = l.len();
                l.push(' ');
                key_fields(msg, l);
                if l.len() == before + 1 {
                    l.pop();
                }
                if matches!(msg.message().body, Body::Raw) && !msg.message().payload.is_empty() {
                    let _ = write!(l, " ({} bytes)", msg.message().payload.len());
                }
            }
        }
        count_findings(msg.findings(), l);
        if let Some(v) = msg.verdict() {
            let _ = write!(Esc(l), " kernel: {v}");
        }
    }

    fn tree(&mut self, out: &mut dyn Write, frame: &FrameMeta, msg: &Msg<'_>) -> io::Result<()> {
        let l = &mut self.line;
        l.clear();
        header_lines(l, frame, msg);
        let rec = msg.record();
        let m = msg.message();
        if let Body::Error { echo: Some(e), .. } = &m.body {
            tree_lines(l, msg, e.attrs.clone(), 11);
        }
        if let Some(v) = msg.verdict() {
            verdict_line(l, v);
        }
        // Bytes no schema decodes (other netlink families, nfnetlink subsystems
        // without a set): as hex, as JSON's "payload" has them.
        let undecoded = match &m.body {
            Body::Raw | Body::Truncated => true,
            Body::Nf(nf) => nf.set.is_none(),
            _ => false,
        };
        if undecoded && !m.payload.is_empty() {
            l.push_str("         payload ");
            let _ = write_hex(l, msg.data().get(m.payload.clone()).unwrap_or(&[]));
            l.push('\n');
        }
        let extack = matches!(m.body, Body::Error { .. } | Body::Done { .. });
        if extack && !m.attrs.is_empty() {
            l.push_str("         extack\n");
        }
        tree_lines(l, msg, m.attrs.clone(), if extack { 11 } else { 9 });
        // Findings not attached to a node.
        for f in rec.findings.get(m.findings.clone()).unwrap_or(&[]) {
            if f.node.is_none() {
                finding_line(l, f, 9);
            }
        }
        out.write_all(l.as_bytes())
    }
}

impl TextRenderer {
    fn flow_lines(&mut self, out: &mut dyn Write, f: &crate::flows::Flow) -> io::Result<()> {
        self.line.clear();
        flow_text(&mut self.line, f, self.verbose);
        out.write_all(self.line.as_bytes())
    }
}

impl Render for TextRenderer {
    fn flow(&mut self, out: &mut dyn Write, f: &crate::flows::Flow) -> io::Result<()> {
        self.flow_lines(out, f)
    }

    fn message(&mut self, out: &mut dyn Write, frame: &FrameMeta, msg: &Msg<'_>) -> io::Result<()> {
        let l = &mut self.line;
        l.clear();
        Self::line(l, frame, msg);
        l.push('\n');
        out.write_all(l.as_bytes())?;
        if self.verbose {
            self.tree(out, frame, msg)?;
        }
        Ok(())
    }

    fn notice(
        &mut self,
        out: &mut dyn Write,
        frame: Option<u64>,
        f: &Finding,
        verdict: Option<&Verdict>,
    ) -> io::Result<()> {
        let l = &mut self.line;
        l.clear();
        match frame {
            Some(n) => {
                let _ = write!(l, "{n:>6} ");
            }
            None => l.push_str("     - "),
        }
        let _ = write!(Esc(l), "! {f}");
        if let Some(v) = verdict {
            let _ = write!(Esc(l), " kernel: {v}");
        }
        l.push('\n');
        out.write_all(l.as_bytes())
    }

    fn exchange(&mut self, out: &mut dyn Write, ex: &Exchange) -> io::Result<()> {
        self.line.clear();
        exchange_line(&mut self.line, ex);
        out.write_all(self.line.as_bytes())
    }

    fn summary(&mut self, out: &mut dyn Write, s: &Summary) -> io::Result<()> {
        self.line.clear();
        summary_text(&mut self.line, s);
        out.write_all(self.line.as_bytes())
    }

    /// `==> FILE <==`, as head(1) separates files (a blank line before all but
    /// the first).
    fn start_input(&mut self, out: &mut dyn Write, name: &str) -> io::Result<()> {
        let l = &mut self.line;
        l.clear();
        if self.inputs > 0 {
            l.push('\n');
        }
        self.inputs += 1;
        l.push_str("==> ");
        push_escaped(l, name.as_bytes());
        l.push_str(" <==\n");
        out.write_all(l.as_bytes())
    }
}

fn header_lines(l: &mut String, frame: &FrameMeta, msg: &Msg<'_>) {
    // Pushed piece by piece: core::fmt's integer padding was a tenth of `-v`.
    l.push_str("         time ");
    let _ = fmt_utc(l, frame.ts, frame.precision);
    l.push_str(", link type ");
    push_u64(l, u64::from(frame.linktype));
    l.push_str(", pkttype ");
    push_u64(l, u64::from(frame.link.pkttype));
    l.push_str(", hatype ");
    push_u64(l, u64::from(frame.link.hatype));
    l.push_str(", protocol ");
    push_u64(l, u64::from(frame.link.protocol));
    l.push_str("\n         nlmsghdr ");
    nlmsghdr_fields(l, msg.header());
    l.push_str(" (offset ");
    push_u64(l, msg.offset() as u64);
    l.push_str(")\n");
    match &msg.message().body {
        Body::Nf(nf) => {
            l.push_str("         nfgenmsg ");
            nfgen_fields(l, &nf.nfgen);
            if let Some(s) = nf.set {
                l.push_str(" (set ");
                l.push_str(s.name);
                l.push(')');
            }
            l.push('\n');
        }
        Body::Error { echo: Some(e), .. } => {
            l.push_str("         echoed request ");
            nlmsghdr_fields(l, &e.header);
            if e.capped {
                l.push_str(" (capped)");
            }
            l.push('\n');
            if let Some(nf) = &e.nf {
                l.push_str("         echoed nfgenmsg ");
                nfgen_fields(l, &nf.nfgen);
                l.push('\n');
            }
        }
        _ => {}
    }
}

/// `len=N type=0xTTTT flags=0xFFFF seq=N portid=N`.
fn nlmsghdr_fields(l: &mut String, h: &crate::wire::NlMsgHdr) {
    l.push_str("len=");
    push_u64(l, u64::from(h.len));
    l.push_str(" type=");
    push_hex16(l, h.ty);
    l.push_str(" flags=");
    push_hex16(l, h.flags);
    l.push_str(" seq=");
    push_u64(l, u64::from(h.seq));
    l.push_str(" portid=");
    push_u64(l, u64::from(h.portid));
}

/// `family=NAME version=N res_id=N`.
fn nfgen_fields(l: &mut String, g: &crate::wire::NfGenMsg) {
    l.push_str("family=");
    l.push_str(enums::FAMILY.name_of(u64::from(g.family)).unwrap_or("?"));
    l.push_str(" version=");
    push_u64(l, u64::from(g.version));
    l.push_str(" res_id=");
    push_u64(l, u64::from(g.res_id));
}

/// `{:#06x}` of a 16-bit value: `0x` and four hex digits.
fn push_hex16(l: &mut String, v: u16) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    l.push_str("0x");
    for shift in [12, 8, 4, 0] {
        l.push(char::from(
            HEX.get(usize::from((v >> shift) & 0xf))
                .copied()
                .unwrap_or(b'0'),
        ));
    }
}

fn verdict_line(l: &mut String, v: &Verdict) {
    let _ = write!(l, "         kernel: {}", v.kernel.verb());
    if let Some(e) = v.errno_name() {
        let _ = write!(l, " {e}");
    }
    if !v.path.is_empty() {
        let _ = write!(l, " at {}", v.path);
    }
    if let Some(o) = v.offset {
        let _ = write!(l, " (offset {o})");
    }
    let _ = write!(Esc(l), ": {} [{}]", v.reason, v.cite);
    l.push('\n');
}

/// Appends ` [flag,flag]` (nothing when no flag is set).
fn push_flags(l: &mut String, msg: &Msg<'_>) {
    let mark = l.len();
    l.push_str(" [");
    let mut any = false;
    for f in msg.flags() {
        if any {
            l.push(',');
        }
        any = true;
        match f {
            FlagName::Known(n) => l.push_str(n),
            FlagName::Unknown(m) => {
                let _ = write!(l, "{m:#x}");
            }
        }
    }
    if any {
        l.push(']');
    } else {
        l.truncate(mark);
    }
}

/// Writes the attribute tree of `range` (as decoded by `Decoder::decode_set`) with
/// every finding of `rec`: inline under its node, or at the end when it has none.
pub fn write_tree(l: &mut String, rec: &Record, data: &[u8], range: Range<usize>) {
    let order = rec.order.unwrap_or(crate::wire::Endian::Little);
    let fs = &rec.findings;
    for i in range {
        let Some(node) = rec.nodes.get(i) else {
            continue;
        };
        let a = Attr::new(rec, data, i);
        let indent = 2 * usize::from(node.depth);
        attr_line(l, &a, indent);
        for f in fs.iter().filter(|f| f.node == Some(i)) {
            finding_line(l, f, indent + 2);
        }
        let _ = order;
    }
    for f in fs {
        if f.node.is_none() {
            finding_line(l, f, 0);
        }
    }
}

fn extack_summary(msg: &Msg<'_>, l: &mut String) {
    if let Some(t) = msg.at(&paths::EXTACK_MSG).and_then(|a| a.text()) {
        l.push_str(" msg=\"");
        let _ = escape_quoted(t).write_to(l);
        l.push('"');
    }
    if let Some(v) = msg.at(&paths::EXTACK_OFFS).and_then(|a| a.uint()) {
        let _ = write!(l, " offs={v}");
        // Resolved against the echoed request (capped echoes: see --exchanges).
        if let Some(p) = msg.message().extack.as_ref().and_then(|x| x.path.as_ref()) {
            let _ = write!(l, " ({p})");
        }
    }
}

fn count_findings(fs: &[Finding], l: &mut String) {
    if fs.is_empty() {
        return;
    }
    let mut n = [0usize; 3];
    for f in fs {
        let i = match f.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Info => 2,
        };
        if let Some(c) = n.get_mut(i) {
            *c += 1;
        }
    }
    let mut parts = Vec::new();
    for (c, name) in n.iter().zip(["error", "warning", "info"]) {
        if *c > 0 {
            parts.push(format!("{c} {name}"));
        }
    }
    let _ = write!(l, " [findings: {}]", parts.join(", "));
}

fn finding_line(l: &mut String, f: &Finding, indent: usize) {
    pad(l, indent);
    let _ = write!(Esc(l), "! {f}");
    l.push('\n');
}

#[inline(always)]
fn attr_line(l: &mut String, a: &Attr<'_>, indent: usize) {
    pad(l, indent);
    match a.kernel_name() {
        Some(n) => l.push_str(n),
        None => {
            let _ = write!(l, "{}", a.name());
        }
    }
    let repr = a.value();
    if !repr.is_nest() {
        l.push_str(": ");
        write_repr(l, &repr);
    }
    l.push('\n');
}

/// Every attribute of `range` (a message's nodes, in pre-order: each nest is
/// followed by its descendants), one line each, findings under their node.
fn tree_lines(l: &mut String, msg: &Msg<'_>, range: Range<usize>, base: usize) {
    let fs = msg.findings();
    for a in msg.tree_in(range) {
        let indent = base + 2 * a.depth();
        attr_line(l, &a, indent);
        for f in fs.iter().filter(|f| f.node == Some(a.index())) {
            finding_line(l, f, indent + 2);
        }
    }
}

/// Writes a value in its text form.
pub fn write_repr(l: &mut String, repr: &Repr<'_>) {
    let _ = repr.write_to(l);
}

/// Appends ` seq=S portid=P`.
fn push_seq_portid(l: &mut String, msg: &Msg<'_>) {
    l.push_str(" seq=");
    push_u64(l, u64::from(msg.header().seq));
    l.push_str(" portid=");
    push_u64(l, u64::from(msg.header().portid));
}

/// Appends `n` spaces (`{:n$}` goes through the formatter's padding, byte by byte).
fn pad(l: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut n = n;
    while n > 0 {
        let k = n.min(SPACES.len());
        l.push_str(SPACES.get(..k).unwrap_or(""));
        n -= k;
    }
}

// ---------------------------------------------------------------------------------
// The key fields of the one-line form

/// Key fields of a conntrack / expectation message for the one-line form.
fn key_fields(msg: &Msg<'_>, out: &mut String) {
    let Some(nf) = msg.nf() else { return };
    if matches!(msg.kind(), Kind::BatchBegin | Kind::BatchEnd) {
        // res_id of a batch message is the subsystem the batch is for.
        match u8::try_from(nf.nfgen.res_id)
            .ok()
            .and_then(messages::subsys_name)
        {
            Some(s) => {
                let _ = write!(out, "subsys={s}");
            }
            None => {
                let _ = write!(out, "subsys={}", nf.nfgen.res_id);
            }
        }
        return;
    }
    let fam = enums::FAMILY.name_of(u64::from(nf.nfgen.family));
    match nf.set.map(|s| s.name).unwrap_or("") {
        "conntrack" => {
            if let Some(f) = fam {
                out.push_str(f);
            }
            conntrack_fields(msg, out);
        }
        "expect" => {
            if let Some(f) = fam {
                out.push_str(f);
            }
            if let Some(t) = msg.at(&paths::EXP_TUPLE) {
                tuple_fields(&t, out);
            }
            if let Some(t) = msg.at(&paths::EXP_HELP_NAME).and_then(|a| a.text()) {
                out.push_str(" helper=");
                push_escaped(out, t);
            }
        }
        "conntrack-stats" | "expect-stats" => {
            let _ = write!(out, "cpu={}", nf.nfgen.res_id);
        }
        "nfqueue" | "nflog" => {
            if let Some(f) = fam {
                out.push_str(f);
            }
            named_fields(msg, &["packet-hdr", "verdict-hdr", "prefix", "mark"], out);
            let ct = msg.at(&paths::QUEUE_CT).or_else(|| msg.at(&paths::LOG_CT));
            if let Some(t) = ct.and_then(|ct| ct.at(&paths::TUPLE_ORIG)) {
                tuple_fields(&t, out);
            }
            named_fields(msg, &["ct-info"], out);
        }

        "stats-global" => {
            let e = msg.at(&paths::ENTRIES).and_then(|a| a.uint());
            let m = msg.at(&paths::MAX_ENTRIES).and_then(|a| a.uint());
            if let Some(e) = e {
                let _ = write!(out, "entries={e}");
            }
            if let Some(m) = m {
                let sep = if e.is_some() { " " } else { "" };
                let _ = write!(out, "{sep}max-entries={m}");
            }
        }
        set => {
            let names: &[&str] = match set {
                "cttimeout" => &["name", "l3proto", "l4proto"],
                "cthelper" => &["name", "queue-num", "status"],
                "nfqueue-config" => &["cmd", "params", "queue-maxlen", "flags"],
                "nflog-config" => &["cmd", "mode", "qthresh", "flags"],
                "obj-attrs" => &["table", "name", "type"],
                "table-attrs" => &["name"],
                "gen-attrs" => &["id"],
                _ => &[],
            };
            named_fields(msg, names, out);
        }
    }
}

/// The key fields of a conntrack entry: its original tuple, the protocol state,
/// timeout, mark and zone. One pass over the top-level attributes (the first of a
/// duplicated attribute is shown, as `Msg::at` finds it).
fn conntrack_fields(msg: &Msg<'_>, out: &mut String) {
    let (mut tuple, mut proto, mut timeout, mut mark, mut zone) = (None, None, None, None, None);
    for a in msg.attrs() {
        let slot = match a.kernel_name() {
            Some("tuple-orig") => &mut tuple,
            Some("protoinfo") => &mut proto,
            Some("timeout") => &mut timeout,
            Some("mark") => &mut mark,
            Some("zone") => &mut zone,
            _ => continue,
        };
        slot.get_or_insert(a);
    }
    if let Some(t) = tuple.filter(Attr::is_nest) {
        tuple_fields(&t, out);
    }
    // protoinfo-tcp.tcp-state, protoinfo-sctp.sctp-state, protoinfo-dccp.dccp-state
    let mut states = [None, None, None];
    for p in proto.iter().flat_map(|p| p.children()) {
        for s in p.children() {
            let k = match (p.kernel_name(), s.kernel_name()) {
                (Some("protoinfo-tcp"), Some("tcp-state")) => 0,
                (Some("protoinfo-sctp"), Some("sctp-state")) => 1,
                (Some("protoinfo-dccp"), Some("dccp-state")) => 2,
                _ => continue,
            };
            if let Some(slot) = states.get_mut(k) {
                slot.get_or_insert(s);
            }
        }
    }
    for s in states.into_iter().flatten() {
        if let Repr::EnumName(n) = s.value() {
            out.push(' ');
            out.push_str(n);
        }
    }
    for (label, a) in [("timeout", timeout), ("mark", mark), ("zone", zone)] {
        if let Some(v) = a.and_then(|a| a.uint()) {
            out.push(' ');
            out.push_str(label);
            out.push('=');
            push_u64(out, v);
        }
    }
}

/// ` name=value` of each top-level attribute `names` present (a structure's own
/// members as ` member=value`; text quoted and escaped), separated by spaces.
fn named_fields(msg: &Msg<'_>, names: &[&str], out: &mut String) {
    for a in msg.attrs() {
        let Some(n) = a.kernel_name().filter(|n| names.contains(n)) else {
            continue;
        };
        if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        match a.value() {
            Repr::Struct(..) => {}
            Repr::Text(t) => {
                out.push_str(n);
                out.push_str("=\"");
                let _ = escape_quoted(t).write_to(out);
                out.push('"');
                continue;
            }
            _ => {
                out.push_str(n);
                out.push('=');
            }
        }
        write_repr(out, &a.value());
    }
}

/// ` proto src:sport -> dst:dport` of a tuple, in one pass over its attributes.
fn tuple_fields(t: &Attr<'_>, out: &mut String) {
    const NAMES: [&str; 9] = [
        "ip-v4-src",
        "ip-v6-src",
        "ip-v4-dst",
        "ip-v6-dst",
        "proto-num",
        "proto-src-port",
        "proto-dst-port",
        "proto-icmp-type",
        "proto-icmpv6-type",
    ];
    let mut f: [Option<Attr<'_>>; 9] = [None; 9];
    // As `Attr::at` would: the first tuple-ip and the first tuple-proto.
    let ip = t.children().find(|a| a.kernel_name() == Some("tuple-ip"));
    let l4 = t
        .children()
        .find(|a| a.kernel_name() == Some("tuple-proto"));
    for part in ip.into_iter().chain(l4) {
        for a in part.children() {
            let Some(k) = a
                .kernel_name()
                .and_then(|n| NAMES.iter().position(|x| *x == n))
            else {
                continue;
            };
            if let Some(slot) = f.get_mut(k) {
                slot.get_or_insert(a);
            }
        }
    }
    let [src4, src6, dst4, dst6, proto, sport, dport, icmp, icmp6] = f;
    if let Some(p) = proto.and_then(|a| a.uint()) {
        let _ = write!(out, " {}", proto_name(p));
    }
    let one = |out: &mut String, addr: Option<Attr<'_>>, port: Option<Attr<'_>>| {
        match addr.map(|a| a.value()) {
            Some(Repr::V4(a)) => push_ipv4(out, a),
            Some(Repr::V6(a)) => {
                let _ = write!(out, "[{a}]");
            }
            _ => out.push('?'),
        }
        if let Some(p) = port.and_then(|p| p.uint()) {
            out.push(':');
            push_u64(out, p);
        }
    };
    out.push(' ');
    one(out, src4.or(src6), sport);
    out.push_str(" -> ");
    one(out, dst4.or(dst6), dport);
    for t in [icmp, icmp6] {
        if let Some(v) = t.and_then(|a| a.uint()) {
            let _ = write!(out, " type={v}");
        }
    }
}

// ---------------------------------------------------------------------------------
// Exchanges

/// One text line for an exchange.
pub fn exchange_line(out: &mut String, ex: &Exchange) {
    let _ = write!(out, "#{} ", ex.id);
    write_frames(out, &ex.frames);
    match &ex.request {
        Some(r) => {
            let _ = write!(out, " {} ({})", r.name, r.kind.as_str());
        }
        None => {
            let _ = write!(out, " {}", ex.answer_name.as_deref().unwrap_or("?"));
        }
    }
    let _ = write!(out, " seq={}", ex.seq);
    if let Some(p) = ex.portid {
        let _ = write!(out, " portid={p}");
    }
    out.push_str(": ");
    match ex.outcome {
        Outcome::Error(e) => {
            let _ = write!(out, "error {e}");
            if let Some((n, t)) = errno_of(e) {
                let _ = write!(out, " {n} \"{t}\"");
            }
        }
        Outcome::Dump | Outcome::DumpIntr | Outcome::DumpCut => {
            let n = ex.replies;
            let _ = write!(
                out,
                "{} of {n} entr{}",
                ex.outcome.as_str(),
                if n == 1 { "y" } else { "ies" }
            );
        }
        Outcome::Ok if ex.replies > 0 => {
            let n = ex.replies;
            let _ = write!(out, "ok, {n} repl{}", if n == 1 { "y" } else { "ies" });
        }
        o => out.push_str(o.as_str()),
    }
    if let Some(x) = &ex.extack {
        if let Some(m) = &x.msg {
            out.push_str(" msg=\"");
            let _ = escape_quoted(m).write_to(out);
            out.push('"');
        }
        if let Some(p) = &x.path {
            let _ = write!(out, " at {p}");
            if let Some(t) = x.attr_type {
                let _ = write!(out, " ({t})");
            }
        } else if let Some(o) = x.offset {
            let _ = write!(out, " at offset {o}");
        }
        if !x.policy.is_empty() {
            out.push_str(" policy");
            for (k, v) in &x.policy {
                let _ = write!(out, " {k}={v}");
            }
        }
        if let Some(m) = &x.missing {
            let _ = write!(out, " missing {m}");
            if let Some(n) = &x.missing_in {
                let _ = write!(out, " in {n}");
            } else if let Some(o) = x.missing_nest_offset {
                let _ = write!(out, " in the nest at offset {o}");
            }
        }
    }
    if ex.frames.len() > 1 {
        let d = ex.duration();
        let _ = write!(out, " in {}.{:03} ms", d.as_millis(), d.as_micros() % 1000);
    }
    if let Some(v) = &ex.verdict {
        let _ = write!(Esc(out), " | kernel: {v}");
        match ex.verdict_agrees() {
            Some(true) => out.push_str(" (agrees)"),
            Some(false) => out.push_str(" (DISAGREES with the kernel's answer)"),
            None => {}
        }
    }
    out.push('\n');
}

/// Frame numbers, ranges of consecutive ones compressed: `3-9,12`.
pub fn write_frames(out: &mut String, frames: &[u64]) {
    out.push_str("frames ");
    let mut i = 0;
    let mut first = true;
    while let Some(&a) = frames.get(i) {
        let mut j = i;
        while frames
            .get(j + 1)
            .is_some_and(|&n| Some(n) == frames.get(j).map(|x| x + 1))
        {
            j += 1;
        }
        if !first {
            out.push(',');
        }
        first = false;
        let b = frames.get(j).copied().unwrap_or(a);
        if b > a {
            let _ = write!(out, "{a}-{b}");
        } else {
            let _ = write!(out, "{a}");
        }
        i = j + 1;
    }
}

// ---------------------------------------------------------------------------------
// The summary

/// The summary as text.
pub fn summary_text(o: &mut String, s: &Summary) {
    let _ = writeln!(o, "summary");
    let _ = write!(o, "  records {}, messages {}", s.records(), s.messages());
    if let Some((a, p, b)) = s.span() {
        let d = s.duration();
        o.push_str(", from ");
        let _ = fmt_utc(o, a, p);
        o.push_str(" to ");
        let _ = fmt_utc(o, b, p);
        let _ = write!(o, " ({}.{:06} s)", d.as_secs(), d.subsec_micros());
    }
    o.push('\n');
    let _ = writeln!(o, "  messages by type and direction:");
    for (name, dir, c) in s.by_type() {
        let _ = writeln!(o, "    {c:>8}  {name} ({})", dir.as_str());
    }
    let _ = writeln!(o, "  messages by kind:");
    for (k, c) in s.kinds() {
        let _ = writeln!(o, "    {c:>8}  {k}");
    }
    if !s.outcomes().is_empty() {
        let _ = writeln!(o, "  exchanges by outcome:");
        for (k, c) in s.outcomes() {
            let _ = writeln!(o, "    {c:>8}  {k}");
        }
    }
    if !s.verdicts().is_empty() {
        let _ = writeln!(o, "  kernel verdicts on requests:");
        for ((k, e), c) in s.verdicts() {
            let _ = writeln!(
                o,
                "    {c:>8}  {k}{}{e}",
                if e.is_empty() { "" } else { " " }
            );
        }
        let (a, d) = s.verdict_agreement();
        if a + d > 0 {
            let _ = writeln!(
                o,
                "    verdicts against the kernel's answers in the capture: {a} agree, {d} disagree"
            );
        }
    }
    if !s.errors().is_empty() {
        let _ = writeln!(o, "  errors by errno:");
        for (e, c) in s.errors() {
            let (n, t) = errno_of(*e).unwrap_or(("?", "?"));
            let _ = writeln!(o, "    {c:>8}  {e} {n} ({t})");
        }
    }
    let _ = writeln!(o, "  findings by severity and code:");
    if s.findings().is_empty() {
        let _ = writeln!(o, "           none");
    }
    for ((sev, code), c) in s.findings().iter().rev() {
        let _ = writeln!(o, "    {c:>8}  {sev} {code}");
    }
    if !s.dumps().is_empty() {
        let _ = writeln!(o, "  dumps (first frame, request, entries, outcome):");
        for (f, n, e, out) in s.dumps() {
            let y = if *e == 1 { "y" } else { "ies" };
            let _ = writeln!(o, "    {f:>8}  {n}: {e} entr{y}, {out}");
        }
        if s.more_dumps() > 0 {
            let _ = writeln!(o, "    ... and {} more dumps", s.more_dumps());
        }
    }
}

/// One `--flows` entry: a line, and with `verbose` its history, one step per line.
///
/// `flow id=N ipv4 tcp SRC:SPORT -> DST:DPORT [zone=Z] frames A-B (TIME-TIME)
/// seen N (dump D, new N, update U, destroy X, request R, packet P) states S>S>S
/// end HOW [anomalies: ...]`.
pub fn flow_text(l: &mut String, f: &crate::flows::Flow, verbose: bool) {
    use crate::flows::End;
    let mut line = String::new();
    line.push_str("flow ");
    match f.id {
        Some(id) => {
            let _ = write!(line, "id={id} ");
        }
        None => line.push_str("id=? "),
    }
    let _ = write!(line, "{} {} {}", f.family, f.proto, f.orig);
    if let Some(z) = f.zone {
        let _ = write!(line, " zone={z}");
    }
    if !f.reply.is_empty() && !reply_mirrors(&f.orig, &f.reply) {
        let _ = write!(line, " reply {}", f.reply);
    }
    let _ = write!(line, " frames {}-{} (", f.first.frame, f.last.frame);
    let _ = fmt_time_of_day(&mut line, f.first.ts, crate::capture::TsPrecision::Micro);
    line.push('-');
    let _ = fmt_time_of_day(&mut line, f.last.ts, crate::capture::TsPrecision::Micro);
    let s = &f.seen;
    let _ = write!(line, ") seen {}", s.total());
    let parts: Vec<String> = [
        ("dump", s.dump),
        ("new", s.new),
        ("update", s.update),
        ("destroy", s.destroy),
        ("request", s.request),
        ("packet", s.packet),
    ]
    .iter()
    .filter(|(_, n)| *n > 0)
    .map(|(k, n)| format!("{k} {n}"))
    .collect();
    let _ = write!(line, " ({})", parts.join(", "));
    if !f.states.is_empty() {
        let _ = write!(line, " states {}", f.states.join(">"));
    }
    let _ = match f.end {
        End::Destroy { frame } => write!(line, " end destroy@{frame}"),
        End::Delete { frame } => write!(line, " end delete@{frame}"),
        End::Vanished { last, dump } => write!(
            line,
            " end vanished (last {last}, missing from the dump ending {dump})"
        ),
        End::Evicted { last } => write!(line, " end alive (written out early, last seen {last})"),
        End::Alive => write!(line, " end alive"),
    };
    if !f.anomalies.is_empty() {
        let _ = write!(line, " [anomalies: {}]", f.anomalies.join("; "));
    }
    push_escaped(l, line.as_bytes());
    l.push('\n');
    if !verbose {
        return;
    }
    for step in &f.history {
        let mut h = String::new();
        let _ = write!(h, "    {:>6} ", step.at.frame);
        let _ = fmt_time_of_day(&mut h, step.at.ts, crate::capture::TsPrecision::Micro);
        let _ = write!(h, " {}", step.by);
        if !step.changes.is_empty() {
            let _ = write!(h, ": {}", step.changes.join(", "));
        }
        push_escaped(l, h.as_bytes());
        l.push('\n');
    }
    if f.history_dropped > 0 {
        let _ = writeln!(l, "    ... {} more steps", f.history_dropped);
    }
}

/// Whether reply tuple `reply` is `orig` reversed (no NAT): `a:1 -> b:2` and
/// `b:2 -> a:1`.
fn reply_mirrors(orig: &str, reply: &str) -> bool {
    match (orig.split_once(" -> "), reply.split_once(" -> ")) {
        (Some((a, b)), Some((c, d))) => {
            let first = |s: &str| s.split(' ').next().unwrap_or("").to_string();
            first(a) == first(d) && first(b) == first(c)
        }
        _ => false,
    }
}
