//! The pipeline: capture events -> decoder -> renderer, with counters. The binary is
//! a thin shell around [`Runner`]; fuzz targets and tests call the same code.

use crate::capture::{self, CaptureError, CaptureReader, Event, FrameMeta};
use crate::decode::{Decoder, Options};
use crate::exchange::{Exchange, Tracker};
use crate::filter::Filter;
use crate::finding::{Finding, Severity};
use crate::flows::FlowTracker;
use crate::model::Record;
use crate::render::conntrack::{ConntrackRenderer, CtOutput, LabelMap};
use crate::render::json::JsonRenderer;
use crate::render::text::TextRenderer;
use crate::render::{NoneRenderer, Render};
use crate::summary::Summary;
use crate::verdict::Verdict;
use crate::view::Msg;
use std::fmt;
use std::io::{self, Read, Write};

mod parallel;

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
    /// Print one record per conntrack entry (`--flows`, [`crate::flows`]) instead of
    /// messages.
    pub flows: bool,
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

    /// Adds the counters of `other` (a share of the same run).
    pub fn merge(&mut self, other: &Counts) {
        self.records += other.records;
        self.messages += other.messages;
        for (a, b) in self.findings.iter_mut().zip(other.findings) {
            *a += b;
        }
    }

    fn add(&mut self, f: &Finding) {
        if let Some(c) = self.findings.get_mut(f.severity as usize) {
            *c += 1;
        }
    }
}

/// See [`Runner::worker_parts`].
struct WorkerParts {
    cfg: Config,
    filter: Filter,
    labels: Option<LabelMap>,
    input: Option<String>,
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

impl std::error::Error for RunError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RunError::Capture(e) => Some(e),
            RunError::Output(e) => Some(e),
        }
    }
}

/// Decodes captures and renders what it finds.
pub struct Runner {
    cfg: Config,
    decoder: Decoder,
    rec: Record,
    render: Box<dyn Render>,
    /// What has been seen so far (over every input of the run).
    pub counts: Counts,
    done: bool,
    filter: Filter,
    tracker: Option<Tracker>,
    summary: Option<Summary>,
    flows: Option<FlowTracker>,
    printed: u64,
    /// The label names given (the workers of a parallel run render with them).
    labels: Option<LabelMap>,
    /// The name of the current input, when a run reads several.
    input: Option<String>,
}

impl fmt::Debug for Runner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runner")
            .field("cfg", &self.cfg)
            .field("counts", &self.counts)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// Whether nothing of the run reads attribute nodes: `-f none` with no summary, no
/// exchanges (the tracker keys answers by their tuples) and no filter on attributes.
/// Then the decoder validates clean messages without building their nodes
/// ([`Options::validate_only`]); findings, verdicts and counts are the same.
fn validate_only(cfg: &Config, filter: &Filter) -> bool {
    cfg.format == Format::None
        && !cfg.summary
        && !cfg.exchanges
        && !cfg.flows
        && !filter.reads_attributes()
}

/// The renderer of `cfg`'s format.
fn renderer(cfg: &Config, labels: Option<LabelMap>) -> Box<dyn Render> {
    match cfg.format {
        Format::Text => Box::new(TextRenderer::new(cfg.verbose)),
        Format::Json => Box::new(JsonRenderer::default()),
        Format::None => Box::new(NoneRenderer),
        Format::Conntrack => {
            Box::new(ConntrackRenderer::new(cfg.ct_output, cfg.replies_only).with_labels(labels))
        }
    }
}

impl Runner {
    /// A runner with settings `cfg`.
    pub fn new(cfg: Config) -> Runner {
        let decoder = Decoder::new(Options {
            validate_only: validate_only(&cfg, &Filter::new()),
            ..cfg.decode
        });
        Runner {
            cfg,
            decoder,
            rec: Record::default(),
            render: renderer(&cfg, None),
            counts: Counts::default(),
            // `-c 0`: nothing at all.
            done: cfg.max_messages == Some(0),
            filter: Filter::new(),
            tracker: (cfg.exchanges || cfg.summary).then(|| Tracker::new(decoder)),
            summary: cfg.summary.then(Summary::new),
            flows: cfg.flows.then(FlowTracker::new),
            printed: 0,
            labels: None,
            input: None,
        }
    }

    /// Applies `filter` to every message before rendering.
    pub fn with_filter(mut self, filter: Filter) -> Runner {
        self.decoder = Decoder::new(Options {
            validate_only: validate_only(&self.cfg, &filter),
            ..self.cfg.decode
        });
        self.filter = filter;
        self
    }

    /// Conntrack format: label names for `labels=` (bit numbers without them).
    pub fn with_labels(mut self, labels: Option<LabelMap>) -> Runner {
        self.render = renderer(&self.cfg, labels.clone());
        self.labels = labels;
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
        self.flush_exchanges(out)?;
        if let Some(f) = self.flows.as_mut() {
            f.finish();
        }
        self.flush_flows(out)?;
        if self.cfg.exchanges || self.cfg.flows {
            return Ok(());
        }
        self.render.end_input(out)
    }

    /// Writes the flows that ended.
    fn flush_flows(&mut self, out: &mut dyn Write) -> io::Result<()> {
        loop {
            let Some(f) = self.flows.as_mut().and_then(FlowTracker::pop_ended) else {
                return Ok(());
            };
            if self.done {
                continue;
            }
            self.render.flow(out, &f)?;
            self.count_printed();
        }
    }

    /// The flow tracker (`--flows`): how many entries were alive at most, ...
    pub fn flows(&self) -> Option<&FlowTracker> {
        self.flows.as_ref()
    }

    /// Whether the renderer keeps state from one message to the next (conntrack's
    /// XML documents): then a parallel run renders on the reading thread.
    fn renders_in_order(&self) -> bool {
        self.cfg.format == Format::Conntrack && self.cfg.ct_output.xml
    }

    /// Ends the run: writes the summary (with `Config::summary`), or with
    /// `--format none` the counters line `records=N messages=N errors=N ...`.
    pub fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if let Some(s) = self.summary.as_ref() {
            return self.render.summary(out, s);
        }
        if self.cfg.format == Format::None && !self.cfg.flows {
            let c = &self.counts;
            writeln!(
                out,
                "records={} messages={} errors={} warnings={} infos={}",
                c.records,
                c.messages,
                c.of(Severity::Error),
                c.of(Severity::Warning),
                c.of(Severity::Info)
            )?;
        }
        Ok(())
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
        self.render.exchange(out, ex)?;
        self.count_printed();
        Ok(())
    }

    fn count_printed(&mut self) {
        self.printed += 1;
        if self.cfg.max_messages.is_some_and(|n| self.printed >= n) {
            self.done = true;
        }
    }

    /// A new input begins: for runs over several files, so that the output says
    /// which file each line or object comes from (frame numbers restart).
    pub fn start_input(&mut self, name: &str, out: &mut dyn Write) -> io::Result<()> {
        if self.done {
            return Ok(());
        }
        self.input = Some(name.to_string());
        self.render.start_input(out, name)
    }

    /// What a worker of a parallel run needs to be this runner on a share of the
    /// records: the settings without the whole-run state (summary, exchanges,
    /// message limit), the filter, the label names and the current input's name.
    fn worker_parts(&self) -> WorkerParts {
        WorkerParts {
            cfg: Config {
                summary: false,
                exchanges: false,
                flows: false,
                max_messages: None,
                ..self.cfg
            },
            filter: self.filter.clone(),
            labels: self.labels.clone(),
            input: self.input.clone(),
        }
    }

    /// A worker of a parallel run (see [`Runner::worker_parts`]).
    fn worker(parts: WorkerParts) -> Runner {
        let mut w = Runner::new(parts.cfg)
            .with_filter(parts.filter)
            .with_labels(parts.labels);
        if let Some(name) = parts.input {
            // Only its renderer's state matters here (the name in JSON objects):
            // the calling thread printed the input's heading.
            let _ = w.start_input(&name, &mut io::sink());
        }
        w
    }

    /// Decodes a whole capture read from `input` on `threads` threads (`-j`), the
    /// output in capture order and identical to [`Runner::run`]'s, which it is
    /// for `threads` below 2.
    pub fn run_threads<R: Read>(
        &mut self,
        input: R,
        out: &mut dyn Write,
        threads: usize,
    ) -> Result<(), RunError> {
        if threads < 2 {
            return self.run(input, out);
        }
        parallel::run(self, input, out, threads)
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
        frame: &FrameMeta,
        data: &[u8],
        out: &mut dyn Write,
    ) -> io::Result<()> {
        self.record(frame, data, &[], out)
    }

    fn event(&mut self, ev: Event<'_>, out: &mut dyn Write) -> io::Result<()> {
        match ev {
            Event::Frame(frame) => self.record(&frame.meta, frame.data, &frame.findings, out),
            Event::Notice { frame, finding } => self.capture_notice(frame, &finding, out),
        }
    }

    /// A notice of the capture reader (about the file or a skipped record).
    fn capture_notice(
        &mut self,
        frame: Option<u64>,
        finding: &Finding,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        self.counts.add(finding);
        self.notice(frame, finding, None, out)
    }

    fn notice(
        &mut self,
        frame: Option<u64>,
        f: &Finding,
        verdict: Option<&Verdict>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        // Notices are about the file or a record, not a message: no filter hides
        // them, and they count toward the exit status whatever is selected.
        if let Some(s) = self.summary.as_mut() {
            s.finding(f);
        }
        self.render.notice(out, frame, f, verdict)
    }

    fn record(
        &mut self,
        frame: &FrameMeta,
        data: &[u8],
        frame_findings: &[Finding],
        out: &mut dyn Write,
    ) -> io::Result<()> {
        self.start_record(frame, frame_findings, out)?;
        let mut rec = std::mem::take(&mut self.rec);
        self.decoder
            .decode_record(data, frame.link.protocol, &mut rec);
        let result = self.decoded(frame, &rec, data, out);
        self.rec = rec;
        result
    }

    /// Everything after decoding a record into `rec`: its notices, then each
    /// message through the filter, the tracker, the summary and the renderer.
    fn decoded(
        &mut self,
        frame: &FrameMeta,
        rec: &Record,
        data: &[u8],
        out: &mut dyn Write,
    ) -> io::Result<()> {
        self.record_notices(frame.number, rec, out)?;
        self.messages(frame, rec, data, out)?;
        self.flush_exchanges(out)?;
        self.flush_flows(out)
    }

    /// Counts a record and shows its record-level findings (before decoding).
    fn start_record(
        &mut self,
        frame: &FrameMeta,
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
        Ok(())
    }

    /// The findings of the record that belong to no message (a verdict with them:
    /// what the kernel does with the buffer).
    fn record_notices(&mut self, frame: u64, rec: &Record, out: &mut dyn Write) -> io::Result<()> {
        for f in rec
            .record_findings
            .iter()
            .filter_map(|&i| rec.findings.get(i))
        {
            self.counts.add(f);
            self.notice(Some(frame), f, rec.verdict.as_ref(), out)?;
        }
        Ok(())
    }

    fn messages(
        &mut self,
        frame: &FrameMeta,
        rec: &Record,
        data: &[u8],
        out: &mut dyn Write,
    ) -> io::Result<()> {
        for m in &rec.messages {
            let msg = Msg::new(rec, data, m);
            let pass = self.filter.is_empty() || self.filter.matches(frame.number, &msg);
            if let Some(t) = self.tracker.as_mut() {
                t.observe(frame, &msg, pass);
            }
            if !pass {
                continue;
            }
            // What --filter selected decides the counts and the exit status.
            self.counts.messages += 1;
            for f in msg.findings() {
                self.counts.add(f);
            }
            if let Some(s) = self.summary.as_mut() {
                s.message(&msg);
            }
            if let Some(f) = self.flows.as_mut() {
                f.observe(frame, &msg);
            }
            if self.cfg.exchanges || self.cfg.flows || self.done {
                continue;
            }
            self.render.message(out, frame, &msg)?;
            self.count_printed();
        }
        Ok(())
    }
}
