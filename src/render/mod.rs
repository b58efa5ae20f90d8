//! Presentation: every output format behind one trait, [`Render`], writing into any
//! `io::Write`. The only place that formats bytes for people; it reads decoded
//! records through the view layer ([`crate::view`]), exchanges and the summary.

pub mod conntrack;
pub mod json;
mod json_msg;
pub mod text;

use crate::capture::FrameMeta;
use crate::exchange::Exchange;
use crate::finding::Finding;
use crate::flows::Flow;
use crate::summary::Summary;
use crate::verdict::Verdict;
pub use crate::view::time::{civil_from_days, fmt_time_of_day, fmt_utc};
use crate::view::Msg;
use std::fmt;
use std::io::{self, Write};
use std::net::Ipv4Addr;

/// An output format.
pub trait Render {
    /// Writes one message of frame `frame`.
    fn message(&mut self, out: &mut dyn Write, frame: &FrameMeta, msg: &Msg<'_>) -> io::Result<()>;

    /// Writes a finding that belongs to no message: about the capture, or about a
    /// record with no decodable message (then `verdict` says what the kernel does
    /// with a buffer sent to it).
    fn notice(
        &mut self,
        out: &mut dyn Write,
        frame: Option<u64>,
        finding: &Finding,
        verdict: Option<&Verdict>,
    ) -> io::Result<()>;

    /// Writes one exchange (`--exchanges`).
    fn exchange(&mut self, out: &mut dyn Write, ex: &Exchange) -> io::Result<()>;

    /// Writes one conntrack entry's timeline (`--flows`); by default its text form.
    fn flow(&mut self, out: &mut dyn Write, f: &Flow) -> io::Result<()> {
        let mut l = String::new();
        text::flow_text(&mut l, f, false);
        out.write_all(l.as_bytes())
    }

    /// Writes the summary (`--summary`), at the end.
    fn summary(&mut self, out: &mut dyn Write, s: &Summary) -> io::Result<()>;

    /// The current input ended (every input, also the only one): what a format
    /// prints when the tool it mimics stops (conntrack's XML footer).
    fn end_input(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }

    /// A new input file begins (called only when a run reads several, so that
    /// every line or object can be told apart: frame numbers restart).
    fn start_input(&mut self, _out: &mut dyn Write, _name: &str) -> io::Result<()> {
        Ok(())
    }
}

/// A `fmt::Write` that escapes what goes through it ([`crate::view::escape`]): for
/// lines that embed text we compose around capture strings (findings, verdict
/// reasons), so that nothing from a capture reaches a terminal raw.
pub struct Esc<'a>(pub &'a mut String);

impl fmt::Write for Esc<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        crate::view::escape::escape(s.as_bytes()).write_to(self.0)
    }
}

/// `--format none`: nothing per message.
#[derive(Debug, Default)]
pub struct NoneRenderer;

impl Render for NoneRenderer {
    fn message(&mut self, _: &mut dyn Write, _: &FrameMeta, _: &Msg<'_>) -> io::Result<()> {
        Ok(())
    }

    fn flow(&mut self, _: &mut dyn Write, _: &Flow) -> io::Result<()> {
        Ok(())
    }

    fn notice(
        &mut self,
        _: &mut dyn Write,
        _: Option<u64>,
        _: &Finding,
        _: Option<&Verdict>,
    ) -> io::Result<()> {
        Ok(())
    }

    fn exchange(&mut self, _: &mut dyn Write, _: &Exchange) -> io::Result<()> {
        Ok(())
    }

    fn summary(&mut self, out: &mut dyn Write, s: &Summary) -> io::Result<()> {
        text::TextRenderer::default().summary(out, s)
    }
}

/// Appends `v` in decimal (itoa: no formatter machinery on the hot path).
pub fn push_u64(out: &mut String, v: u64) {
    out.push_str(itoa::Buffer::new().format(v));
}

/// Appends an IPv4 address in dotted decimal.
pub fn push_ipv4(out: &mut String, a: Ipv4Addr) {
    let mut b = itoa::Buffer::new();
    for (i, o) in a.octets().iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        out.push_str(b.format(*o));
    }
}

/// Lower-case hex of `bytes`.
pub fn write_hex(out: &mut impl fmt::Write, bytes: &[u8]) -> fmt::Result {
    crate::view::hex(out, bytes)
}
