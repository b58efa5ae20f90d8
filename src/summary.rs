//! `--summary`: counts over a whole run — messages by subsystem/type and direction,
//! events by kind, exchanges by outcome, errors by errno, findings by code and
//! severity, dumps with their entry counts, capture duration.

use crate::exchange::{Exchange, Outcome};
use crate::finding::{Code, Finding, Severity};
use crate::model::{Body, Direction, Message};
use crate::render::{errno_of, fmt_utc, type_name, FrameInfo};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// Most dumps listed one by one (the rest are counted).
pub const MAX_LISTED_DUMPS: usize = 1000;

/// Counters of a run.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    records: u64,
    /// Messages by type name, then by direction (to-kernel, from-kernel).
    messages: BTreeMap<String, [u64; 2]>,
    kinds: BTreeMap<&'static str, u64>,
    outcomes: BTreeMap<&'static str, u64>,
    errors: BTreeMap<i32, u64>,
    findings: BTreeMap<(Severity, Code), u64>,
    dumps: Vec<(u64, String, u64, &'static str)>,
    more_dumps: u64,
    /// Verdicts on requests: (outcome, errno name) -> count.
    verdicts: BTreeMap<(&'static str, &'static str), u64>,
    /// Exchanges whose verdict agrees / disagrees with the kernel's answer.
    verdict_agree: [u64; 2],
    first: Option<(Duration, crate::capture::TsPrecision)>,
    last: Option<Duration>,
    name: String,
}

impl Summary {
    /// An empty summary.
    pub fn new() -> Summary {
        Summary::default()
    }

    /// Counts a record.
    pub fn record(&mut self, frame: &FrameInfo) {
        self.records += 1;
        if self.first.is_none() {
            self.first = Some((frame.ts, frame.precision));
        }
        self.last = Some(frame.ts);
    }

    /// Counts a message.
    pub fn message(&mut self, msg: &Message, findings: &[Finding]) {
        self.name.clear();
        type_name(msg, &mut self.name);
        let from_kernel = msg.direction == Direction::FromKernel;
        // Look up by &str: a new key is allocated only for a new message type.
        let c = match self.messages.get_mut(self.name.as_str()) {
            Some(c) => c,
            None => self.messages.entry(self.name.clone()).or_insert([0; 2]),
        };
        let [to, from] = c;
        *(if from_kernel { from } else { to }) += 1;
        *self.kinds.entry(msg.kind.as_str()).or_insert(0) += 1;
        match msg.body {
            Body::Error { error, .. } if error != 0 => *self.errors.entry(error).or_insert(0) += 1,
            Body::Done { status: Some(s) } if s < 0 => *self.errors.entry(s).or_insert(0) += 1,
            _ => {}
        }
        for f in findings {
            self.finding(f);
        }
        if let Some(v) = &msg.verdict {
            *self
                .verdicts
                .entry((v.kernel.as_str(), v.errno_name().unwrap_or("")))
                .or_insert(0) += 1;
        }
    }

    /// Counts a finding that belongs to no message.
    pub fn finding(&mut self, f: &Finding) {
        *self.findings.entry((f.severity, f.code)).or_insert(0) += 1;
    }

    /// Counts a closed exchange.
    pub fn exchange(&mut self, ex: &Exchange) {
        *self.outcomes.entry(ex.outcome.as_str()).or_insert(0) += 1;
        match ex.verdict_agrees() {
            Some(true) => self.verdict_agree[0] += 1,
            Some(false) => self.verdict_agree[1] += 1,
            None => {}
        }
        if matches!(
            ex.outcome,
            Outcome::Dump | Outcome::DumpIntr | Outcome::DumpCut
        ) || (ex.outcome == Outcome::Error(ex_error(ex)) && ex.replies > 0)
        {
            if self.dumps.len() < MAX_LISTED_DUMPS {
                let name = ex
                    .request
                    .as_ref()
                    .map(|r| r.name.clone())
                    .or_else(|| ex.answer_name.clone())
                    .unwrap_or_default();
                let first = ex.frames.first().copied().unwrap_or(0);
                self.dumps
                    .push((first, name, ex.replies, ex.outcome.as_str()));
            } else {
                self.more_dumps += 1;
            }
        }
    }

    /// (type name, direction, count) for every non-zero count, by name then direction.
    fn by_type(&self) -> impl Iterator<Item = (&str, Direction, u64)> + '_ {
        self.messages.iter().flat_map(|(n, c)| {
            [(Direction::ToKernel, c[0]), (Direction::FromKernel, c[1])]
                .into_iter()
                .filter(|(_, k)| *k > 0)
                .map(move |(d, k)| (n.as_str(), d, k))
        })
    }

    fn duration(&self) -> Duration {
        match (self.first, self.last) {
            (Some((a, _)), Some(b)) => b.saturating_sub(a),
            _ => Duration::ZERO,
        }
    }

    /// The summary as text.
    pub fn to_text(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "summary");
        let total: u64 = self.messages.values().flatten().sum();
        let _ = write!(o, "  records {}, messages {}", self.records, total);
        if let (Some((a, p)), Some(b)) = (self.first, self.last) {
            let d = self.duration();
            o.push_str(", from ");
            let _ = fmt_utc(&mut o, a, p);
            o.push_str(" to ");
            let _ = fmt_utc(&mut o, b, p);
            let _ = write!(o, " ({}.{:06} s)", d.as_secs(), d.subsec_micros());
        }
        o.push('\n');
        let _ = writeln!(o, "  messages by type and direction:");
        for (name, dir, c) in self.by_type() {
            let _ = writeln!(o, "    {c:>8}  {name} ({})", dir.as_str());
        }
        let _ = writeln!(o, "  messages by kind:");
        for (k, c) in &self.kinds {
            let _ = writeln!(o, "    {c:>8}  {k}");
        }
        if !self.outcomes.is_empty() {
            let _ = writeln!(o, "  exchanges by outcome:");
            for (k, c) in &self.outcomes {
                let _ = writeln!(o, "    {c:>8}  {k}");
            }
        }
        if !self.verdicts.is_empty() {
            let _ = writeln!(o, "  kernel verdicts on requests:");
            for ((k, e), c) in &self.verdicts {
                let _ = writeln!(
                    o,
                    "    {c:>8}  {k}{}{e}",
                    if e.is_empty() { "" } else { " " }
                );
            }
            let [a, d] = self.verdict_agree;
            if a + d > 0 {
                let _ = writeln!(
                    o,
                    "    verdicts against the kernel's answers in the capture: {a} agree, {d} disagree"
                );
            }
        }
        if !self.errors.is_empty() {
            let _ = writeln!(o, "  errors by errno:");
            for (e, c) in &self.errors {
                let (n, t) = errno_of(*e).unwrap_or(("?", "?"));
                let _ = writeln!(o, "    {c:>8}  {e} {n} ({t})");
            }
        }
        let _ = writeln!(o, "  findings by severity and code:");
        if self.findings.is_empty() {
            let _ = writeln!(o, "           none");
        }
        for ((s, code), c) in self.findings.iter().rev() {
            let _ = writeln!(o, "    {c:>8}  {s} {code}");
        }
        if !self.dumps.is_empty() {
            let _ = writeln!(o, "  dumps (first frame, request, entries, outcome):");
            for (f, n, e, out) in &self.dumps {
                let y = if *e == 1 { "y" } else { "ies" };
                let _ = writeln!(o, "    {f:>8}  {n}: {e} entr{y}, {out}");
            }
            if self.more_dumps > 0 {
                let _ = writeln!(o, "    ... and {} more dumps", self.more_dumps);
            }
        }
        o
    }

    /// The summary as one JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        let msgs: Vec<_> = self
            .by_type()
            .map(|(n, d, c)| json!({"name": n, "direction": d.as_str(), "count": c}))
            .collect();
        let errors: Vec<_> = self
            .errors
            .iter()
            .map(|(e, c)| json!({"code": e, "name": errno_of(*e).map(|x| x.0), "count": c}))
            .collect();
        let findings: Vec<_> = self
            .findings
            .iter()
            .rev()
            .map(
                |((s, code), c)| json!({"severity": s.as_str(), "code": code.as_str(), "count": c}),
            )
            .collect();
        let dumps: Vec<_> = self
            .dumps
            .iter()
            .map(|(f, n, e, out)| json!({"frame": f, "request": n, "entries": e, "outcome": out}))
            .collect();
        let verdicts: Vec<_> = self
            .verdicts
            .iter()
            .map(|((k, e), c)| json!({"kernel": k, "errno": if e.is_empty() { None } else { Some(*e) }, "count": c}))
            .collect();
        json!({
            "summary": true,
            "verdicts": verdicts,
            "verdicts_agree": self.verdict_agree[0],
            "verdicts_disagree": self.verdict_agree[1],
            "records": self.records,
            "messages": self.messages.values().flatten().sum::<u64>(),
            "duration_us": self.duration().as_micros() as u64,
            "by_type": msgs,
            "by_kind": self.kinds,
            "exchanges": self.outcomes,
            "errors": errors,
            "findings": findings,
            "dumps": dumps,
            "more_dumps": self.more_dumps,
        })
    }
}

fn ex_error(ex: &Exchange) -> i32 {
    match ex.outcome {
        Outcome::Error(e) => e,
        _ => 0,
    }
}
