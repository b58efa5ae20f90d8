//! Text output: one line per message; with `verbose`, the header details and the
//! indented attribute tree with findings inline.

use super::{
    errno_of, flag_items, fmt_time_of_day, fmt_utc, for_each_flag, label_bits, node_name,
    push_ipv4, push_u64, summary, tcp_flag_items, type_name, value_repr, write_hex, FrameInfo,
    Repr,
};
use crate::decode::FlagName;
use crate::finding::{Finding, Severity};
use crate::model::{Body, Direction, Message, Record};
use crate::schema::enums;
use crate::wire::Endian;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::ops::Range;

/// Renders messages as text lines.
#[derive(Debug, Default)]
pub struct TextRenderer {
    /// Print the attribute tree and findings under each message line.
    pub verbose: bool,
    line: String,
}

impl TextRenderer {
    /// A text renderer.
    pub fn new(verbose: bool) -> TextRenderer {
        TextRenderer {
            verbose,
            line: String::with_capacity(512),
        }
    }

    /// Writes one message.
    pub fn message(
        &mut self,
        out: &mut dyn Write,
        frame: &FrameInfo,
        data: &[u8],
        rec: &Record,
        msg: &Message,
    ) -> io::Result<()> {
        let l = &mut self.line;
        l.clear();
        // The frame number right-aligned in 6 columns, as `{:>6}` would.
        let num = itoa::Buffer::new().format(frame.number).len();
        pad(l, 6usize.saturating_sub(num));
        push_u64(l, frame.number);
        l.push(' ');
        let _ = fmt_time_of_day(l, frame.ts, frame.precision);
        l.push_str(match msg.direction {
            Direction::ToKernel => " U>K ",
            Direction::FromKernel => " K>U ",
        });
        let name_start = l.len();
        type_name(msg, l);
        if l.get(name_start..) != Some(msg.kind.as_str()) {
            l.push_str(" (");
            l.push_str(msg.kind.as_str());
            l.push(')');
        }
        match &msg.body {
            Body::Error { error, echo } => {
                if *error != 0 {
                    let _ = write!(l, " {error}");
                    if let Some((name, text)) = errno_of(*error) {
                        let _ = write!(l, " {name} \"{text}\"");
                    }
                }
                let _ = write!(l, " seq={} portid={}", msg.header.seq, msg.header.portid);
                if let Some(e) = echo {
                    if let Some(nf) = &e.nf {
                        if let (Some(s), Some(m)) = (
                            crate::decode::subsys_name(nf.subsys),
                            crate::decode::nf_msg_name(nf.subsys, nf.msg),
                        ) {
                            let _ = write!(l, " (to {s} {m})");
                        }
                    }
                }
                extack_summary(rec, data, msg, l);
            }
            Body::Done { status } => {
                if let Some(s) = status {
                    let _ = write!(l, " status={s}");
                }
                let _ = write!(l, " seq={} portid={}", msg.header.seq, msg.header.portid);
            }
            _ => {
                push_seq_portid(l, msg);
                let mark = l.len();
                l.push_str(" [");
                let mut any = false;
                for_each_flag(msg, |f| {
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
                });
                if any {
                    l.push(']');
                } else {
                    l.truncate(mark);
                }
                let before = l.len();
                l.push(' ');
                summary(rec, data, msg, l);
                if l.len() == before + 1 {
                    l.pop();
                }
                if matches!(msg.body, Body::Raw) && !msg.payload.is_empty() {
                    let _ = write!(l, " ({} bytes)", msg.payload.len());
                }
            }
        }
        count_findings(rec.findings.get(msg.findings.clone()).unwrap_or(&[]), l);
        if let Some(v) = &msg.verdict {
            let _ = write!(l, " kernel: {v}");
        }
        l.push('\n');
        out.write_all(l.as_bytes())?;
        if self.verbose {
            self.tree(out, frame, data, rec, msg)?;
        }
        Ok(())
    }

    fn tree(
        &mut self,
        out: &mut dyn Write,
        frame: &FrameInfo,
        data: &[u8],
        rec: &Record,
        msg: &Message,
    ) -> io::Result<()> {
        let l = &mut self.line;
        l.clear();
        let order = rec.order.unwrap_or(Endian::Little);
        let _ = write!(l, "         time ");
        let _ = fmt_utc(l, frame.ts, frame.precision);
        let _ = writeln!(
            l,
            ", link type {}, pkttype {}, hatype {}, protocol {}",
            frame.linktype, frame.link.pkttype, frame.link.hatype, frame.link.protocol
        );
        let h = &msg.header;
        let _ = write!(
            l,
            "         nlmsghdr len={} type={:#06x} flags={:#06x} seq={} portid={} (offset {})",
            h.len, h.ty, h.flags, h.seq, h.portid, msg.offset
        );
        l.push('\n');
        match &msg.body {
            Body::Nf(nf) => {
                let fam = enums::FAMILY.name_of(u64::from(nf.nfgen.family));
                let _ = writeln!(
                    l,
                    "         nfgenmsg family={} version={} res_id={}{}",
                    fam.unwrap_or("?"),
                    nf.nfgen.version,
                    nf.nfgen.res_id,
                    nf.set
                        .map(|s| format!(" (set {})", s.name))
                        .unwrap_or_default()
                );
            }
            Body::Error { echo: Some(e), .. } => {
                let eh = &e.header;
                let _ = writeln!(
                    l,
                    "         echoed request len={} type={:#06x} flags={:#06x} seq={} portid={}{}",
                    eh.len,
                    eh.ty,
                    eh.flags,
                    eh.seq,
                    eh.portid,
                    if e.capped { " (capped)" } else { "" }
                );
                if let Some(nf) = &e.nf {
                    let _ = writeln!(
                        l,
                        "         echoed nfgenmsg family={} version={} res_id={}",
                        enums::FAMILY
                            .name_of(u64::from(nf.nfgen.family))
                            .unwrap_or("?"),
                        nf.nfgen.version,
                        nf.nfgen.res_id
                    );
                }
                tree_lines(
                    l,
                    rec,
                    data,
                    order,
                    e.attrs.clone(),
                    msg.findings.clone(),
                    11,
                );
            }
            _ => {}
        }
        if let Some(v) = &msg.verdict {
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
            let _ = writeln!(l, ": {} [{}]", v.reason, v.cite);
        }
        if matches!(msg.body, Body::Raw | Body::Truncated) && !msg.payload.is_empty() {
            l.push_str("         payload ");
            let _ = write_hex(l, data.get(msg.payload.clone()).unwrap_or(&[]));
            l.push('\n');
        }
        let extack = matches!(msg.body, Body::Error { .. } | Body::Done { .. });
        if extack && !msg.attrs.is_empty() {
            l.push_str("         extack\n");
        }
        let base = if extack { 11 } else { 9 };
        tree_lines(
            l,
            rec,
            data,
            order,
            msg.attrs.clone(),
            msg.findings.clone(),
            base,
        );
        // Findings not attached to a node.
        for f in rec.findings.get(msg.findings.clone()).unwrap_or(&[]) {
            if f.node.is_none() {
                finding_line(l, f, 9);
            }
        }
        out.write_all(l.as_bytes())
    }

    /// Writes a finding that belongs to no message (capture or record level).
    pub fn notice(
        &mut self,
        out: &mut dyn Write,
        frame: Option<u64>,
        f: &Finding,
        verdict: Option<&crate::verdict::Verdict>,
    ) -> io::Result<()> {
        let l = &mut self.line;
        l.clear();
        match frame {
            Some(n) => {
                let _ = write!(l, "{n:>6} ");
            }
            None => l.push_str("     - "),
        }
        let _ = write!(l, "! {f}");
        if let Some(v) = verdict {
            let _ = write!(l, " kernel: {v}");
        }
        l.push('\n');
        out.write_all(l.as_bytes())
    }
}

/// Writes the attribute tree of `range` (as decoded by `Decoder::decode_set`) with
/// every finding of `rec`: inline under its node, or at the end when it has none.
pub fn write_tree(l: &mut String, rec: &Record, data: &[u8], range: Range<usize>) {
    let order = rec.order.unwrap_or(Endian::Little);
    tree_lines(l, rec, data, order, range, 0..rec.findings.len(), 0);
    for f in &rec.findings {
        if f.node.is_none() {
            finding_line(l, f, 0);
        }
    }
}

fn extack_summary(rec: &Record, data: &[u8], msg: &Message, l: &mut String) {
    let order = rec.order.unwrap_or(Endian::Little);
    if let Some(i) = rec.find(msg.attrs.clone(), 1) {
        if let Some(Repr::Text(t)) = rec.nodes.get(i).map(|n| value_repr(n, data, order)) {
            let _ = write!(l, " msg=\"{}\"", String::from_utf8_lossy(t));
        }
    }
    if let Some(v) = rec.find(msg.attrs.clone(), 2).and_then(|i| rec.uint(i)) {
        let _ = write!(l, " offs={v}");
        // Resolved against the echoed request (capped echoes: see --exchanges).
        let mut none = Record::default();
        if let Some(p) =
            crate::exchange::resolve_extack(rec, data, msg, None, &mut none).and_then(|x| x.path)
        {
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
    let _ = writeln!(l, "! {f}");
}

fn tree_lines(
    l: &mut String,
    rec: &Record,
    data: &[u8],
    order: Endian,
    range: Range<usize>,
    findings: Range<usize>,
    base: usize,
) {
    let fs = rec.findings.get(findings).unwrap_or(&[]);
    for i in range {
        let Some(node) = rec.nodes.get(i) else {
            continue;
        };
        let indent = base + 2 * usize::from(node.depth);
        pad(l, indent);
        node_name(node, l);
        let repr = value_repr(node, data, order);
        if !repr.is_nest() {
            l.push_str(": ");
            write_repr(l, &repr);
        }
        l.push('\n');
        for f in fs.iter().filter(|f| f.node == Some(i)) {
            finding_line(l, f, indent + 2);
        }
    }
}

/// Appends ` seq=S portid=P`.
fn push_seq_portid(l: &mut String, msg: &Message) {
    l.push_str(" seq=");
    push_u64(l, u64::from(msg.header.seq));
    l.push_str(" portid=");
    push_u64(l, u64::from(msg.header.portid));
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

/// Writes `(name,name,0x100)` for the flags `items` yields; nothing when none.
fn write_flag_names(l: &mut String, items: impl FnOnce(&mut dyn FnMut(Result<&'static str, u64>))) {
    let mut first = true;
    items(&mut |f| {
        l.push(if first { '(' } else { ',' });
        first = false;
        match f {
            Ok(n) => l.push_str(n),
            Err(bit) => {
                let _ = write!(l, "{bit:#x}");
            }
        }
    });
    if !first {
        l.push(')');
    }
}

/// Writes a value in its text form.
pub fn write_repr(l: &mut String, repr: &Repr<'_>) {
    match repr {
        Repr::Num(v) => push_u64(l, *v),
        Repr::HexNum(v) => {
            let _ = write!(l, "{v:#x}");
        }
        Repr::V4(a) => push_ipv4(l, *a),
        Repr::V6(a) => {
            let _ = write!(l, "{a}");
        }
        Repr::EnumName(n) => l.push_str(n),
        Repr::FlagList(flags, v) => {
            let _ = write!(l, "{v:#x}");
            if *v != 0 {
                l.push(' ');
            }
            write_flag_names(l, |f| flag_items(flags, *v, f));
        }
        Repr::TcpFlags(f, m) => {
            let _ = write!(l, "flags={f:#04x}");
            write_flag_names(l, |g| tcp_flag_items(*f, g));
            let _ = write!(l, " mask={m:#04x}");
            write_flag_names(l, |g| tcp_flag_items(*m, g));
        }
        Repr::Time(ns) => {
            let _ = write!(l, "{ns} (");
            let _ = fmt_utc(
                l,
                std::time::Duration::from_nanos(*ns),
                crate::capture::TsPrecision::Nano,
            );
            l.push(')');
        }
        Repr::Labels(bytes, order) => {
            let mut first = true;
            l.push('[');
            label_bits(bytes, *order, |b| {
                if !first {
                    l.push(',');
                }
                first = false;
                let _ = write!(l, "{b}");
            });
            l.push(']');
        }
        Repr::Text(t) => {
            let _ = write!(l, "\"{}\"", String::from_utf8_lossy(t).escape_debug());
        }
        Repr::Hex(b) => {
            if b.is_empty() {
                l.push_str("(empty)");
            } else {
                let _ = write_hex(l, b);
            }
        }
        Repr::Nest => {}
    }
}
