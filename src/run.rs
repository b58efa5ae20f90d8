//! The pipeline: capture events -> decoder -> renderer, with counters. The binary is
//! a thin shell around [`Runner`]; fuzz targets and tests call the same code.

use crate::capture::{self, CaptureError, CaptureReader, Event};
use crate::decode::{Decoder, Options};
use crate::exchange::{self, Exchange, Tracker};
use crate::filter::Filter;
use crate::finding::{Finding, Severity};
use crate::model::Record;
use crate::render::conntrack::{ConntrackRenderer, CtOutput, LabelMap};
use crate::render::json::JsonRenderer;
use crate::render::text::TextRenderer;
use crate::render::FrameInfo;
use crate::summary::Summary;
use std::fmt;
use std::io::{self, Read, Write};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// One line per message (`verbose`: plus the attribute tree).
    #[default]
    Text,
    /// JSON Lines (docs/json.md).
    Json,
    /// Decode and validate only; print nothing per message.
    None,
    /// The lines conntrack-tools prints for replies and events (`render::conntrack`).
    Conntrack,
}

/// Settings of a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Config {
    /// Output format.
    pub format: Format,
    /// Text format: print the attribute tree.
    pub verbose: bool,
    /// Decoder options.
    pub decode: Options,
    /// Stop after this many messages (exchanges with `exchanges`).
    pub max_messages: Option<u64>,
    /// Print exchanges (request, answers, outcome) instead of messages.
    pub exchanges: bool,
    /// Collect a summary ([`Runner::summary`]).
    pub summary: bool,
    /// Conntrack format: conntrack's `-o` options.
    pub ct_output: CtOutput,
    /// Conntrack format: leave out the comment lines of messages conntrack does not
    /// print (requests, acks, errors, ...).
    pub replies_only: bool,
}

/// Counters over everything a runner has seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Capture records decoded (frames holding netlink data).
    pub records: u64,
    /// Netlink messages decoded.
    pub messages: u64,
    /// Findings by severity: [info, warning, error].
    pub findings: [u64; 3],
}

impl Counts {
    /// Number of findings of severity `s`.
    pub fn of(&self, s: Severity) -> u64 {
        self.findings.get(s as usize).copied().unwrap_or(0)
    }

    fn add(&mut self, f: &Finding) {
        if let Some(c) = self.findings.get_mut(f.severity as usize) {
            *c += 1;
        }
    }
}

/// Why a run stopped early.
#[derive(Debug)]
pub enum RunError {
    /// The input is not a readable capture.
    Capture(CaptureError),
    /// Writing the output failed (e.g. a closed pipe).
    Output(io::Error),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Capture(e) => write!(f, "{e}"),
            RunError::Output(e) => write!(f, "writing output: {e}"),
        }
    }
}

impl std::error::Error for RunError {}

/// Decodes captures and renders what it finds.
#[derive(Debug)]
pub struct Runner {
    cfg: Config,
    decoder: Decoder,
    rec: Record,
    text: TextRenderer,
    json: JsonRenderer,
    conntrack: ConntrackRenderer,
    /// What has been seen so far (over every input of the run).
    pub counts: Counts,
    done: bool,
    filter: Filter,
    tracker: Option<Tracker>,
    summary: Option<Summary>,
    printed: u64,
    line: String,
}

impl Runner {
    /// A runner with settings `cfg`.
    pub fn new(cfg: Config) -> Runner {
        Runner {
            cfg,
            decoder: Decoder::new(cfg.decode),
            rec: Record::default(),
            text: TextRenderer::new(cfg.verbose),
            json: JsonRenderer::default(),
            conntrack: ConntrackRenderer::new(cfg.ct_output, cfg.replies_only),
            counts: Counts::default(),
            done: false,
            filter: Filter::new(),
            tracker: (cfg.exchanges || cfg.summary).then(Tracker::new),
            summary: cfg.summary.then(Summary::new),
            printed: 0,
            line: String::new(),
        }
    }

    /// Applies `filter` to every message before rendering.
    pub fn with_filter(mut self, filter: Filter) -> Runner {
        self.filter = filter;
        self
    }

    /// Conntrack format: label names for `labels=` (bit numbers without them).
    pub fn with_labels(mut self, labels: Option<LabelMap>) -> Runner {
        self.conntrack =
            ConntrackRenderer::new(self.cfg.ct_output, self.cfg.replies_only).with_labels(labels);
        self
    }

    /// The summary collected so far (with `Config::summary`).
    pub fn summary(&self) -> Option<&Summary> {
        self.summary.as_ref()
    }

    /// Ends the current input: closes its open exchanges (unanswered requests,
    /// dumps cut by the end of the capture) and prints them.
    pub fn end_input(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if let Some(t) = self.tracker.as_mut() {
            t.finish();
        }
        self.flush_exchanges(out)
    }

    fn flush_exchanges(&mut self, out: &mut dyn Write) -> io::Result<()> {
        loop {
            let Some(ex) = self.tracker.as_mut().and_then(Tracker::pop_closed) else {
                return Ok(());
            };
            if !ex.matched {
                continue;
            }
            if let Some(s) = self.summary.as_mut() {
                s.exchange(&ex);
            }
            if self.cfg.exchanges && !self.done {
                self.print_exchange(&ex, out)?;
            }
        }
    }

    fn print_exchange(&mut self, ex: &Exchange, out: &mut dyn Write) -> io::Result<()> {
        match self.cfg.format {
            Format::Text | Format::Conntrack => {
                self.line.clear();
                exchange::write_text(&mut self.line, ex);
                out.write_all(self.line.as_bytes())?;
            }
            Format::Json => {
                serde_json::to_writer(&mut *out, ex).map_err(io::Error::other)?;
                out.write_all(b"\n")?;
            }
            Format::None => {}
        }
        self.printed += 1;
        if self.cfg.max_messages.is_some_and(|n| self.printed >= n) {
            self.done = true;
        }
        Ok(())
    }

    /// Whether `max_messages` has been reached.
    pub fn finished(&self) -> bool {
        self.done
    }

    /// Decodes a whole capture read from `input`.
    pub fn run<R: Read>(&mut self, input: R, out: &mut dyn Write) -> Result<(), RunError> {
        let mut reader = CaptureReader::new(input).map_err(RunError::Capture)?;
        while !self.done {
            let Some(ev) = reader.next_event() else { break };
            self.event(ev, out).map_err(RunError::Output)?;
        }
        self.end_input(out).map_err(RunError::Output)
    }

    /// Decodes a whole capture held in memory (the fuzzing entry point).
    pub fn run_slice(&mut self, data: &[u8], out: &mut dyn Write) -> Result<(), RunError> {
        let mut result = Ok(());
        capture::for_each_event_in_slice(data, &mut |ev| {
            if result.is_ok() && !self.done {
                result = self.event(ev, out);
            }
        })
        .map_err(RunError::Capture)?;
        result.map_err(RunError::Output)?;
        self.end_input(out).map_err(RunError::Output)
    }

    /// Decodes the netlink bytes of one record (no capture container) as if they
    /// came in frame `frame`.
    pub fn run_record(
        &mut self,
        frame: &FrameInfo,
        data: &[u8],
        out: &mut dyn Write,
    ) -> io::Result<()> {
        self.record(frame, data, &[], out)
    }

    fn event(&mut self, ev: Event<'_>, out: &mut dyn Write) -> io::Result<()> {
        match ev {
            Event::Frame(frame) => {
                let info = FrameInfo::of(&frame);
                self.record(&info, frame.data, &frame.findings, out)
            }
            Event::Notice { frame, finding } => {
                self.counts.add(&finding);
                self.notice(frame, &finding, None, out)
            }
        }
    }

    fn notice(
        &mut self,
        frame: Option<u64>,
        f: &Finding,
        verdict: Option<&crate::verdict::Verdict>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        if let Some(s) = self.summary.as_mut() {
            s.finding(f);
        }
        if self.cfg.exchanges || !self.filter.is_empty() {
            return Ok(());
        }
        match self.cfg.format {
            Format::Text => self.text.notice(out, frame, f, verdict),
            Format::Json => self.json.notice(out, frame, f, verdict),
            Format::Conntrack => self.conntrack.notice(out, frame, f),
            Format::None => Ok(()),
        }
    }

    fn record(
        &mut self,
        frame: &FrameInfo,
        data: &[u8],
        frame_findings: &[Finding],
        out: &mut dyn Write,
    ) -> io::Result<()> {
        self.counts.records += 1;
        if let Some(s) = self.summary.as_mut() {
            s.record(frame);
        }
        for f in frame_findings {
            self.counts.add(f);
            self.notice(Some(frame.number), f, None, out)?;
        }
        self.decoder
            .decode_record(data, frame.link.protocol, &mut self.rec);
        for f in &self.rec.findings {
            self.counts.add(f);
        }
        for k in 0..self.rec.record_findings.len() {
            let Some(f) = self
                .rec
                .record_findings
                .get(k)
                .and_then(|&i| self.rec.findings.get(i))
            else {
                continue;
            };
            let f = f.clone();
            let v = self.rec.verdict.clone();
            self.notice(Some(frame.number), &f, v.as_ref(), out)?;
        }
        for msg in &self.rec.messages {
            let pass =
                self.filter.is_empty() || self.filter.matches(frame.number, &self.rec, data, msg);
            if let Some(t) = self.tracker.as_mut() {
                t.observe(frame, data, &self.rec, msg, pass);
            }
            if !pass {
                continue;
            }
            self.counts.messages += 1;
            if let Some(s) = self.summary.as_mut() {
                s.message(
                    msg,
                    self.rec.findings.get(msg.findings.clone()).unwrap_or(&[]),
                );
            }
            if self.cfg.exchanges || self.done {
                continue;
            }
            match self.cfg.format {
                Format::Text => self.text.message(out, frame, data, &self.rec, msg)?,
                Format::Json => self.json.message(out, frame, data, &self.rec, msg)?,
                Format::Conntrack => self.conntrack.message(out, frame, data, &self.rec, msg)?,
                Format::None => {}
            }
            self.printed += 1;
            if self.cfg.max_messages.is_some_and(|n| self.printed >= n) {
                self.done = true;
            }
        }
        self.flush_exchanges(out)
    }
}
