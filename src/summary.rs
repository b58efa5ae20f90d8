//! `--summary`: counts over a whole run — messages by subsystem/type and direction,
//! events by kind, exchanges by outcome, errors by errno, findings by code and
//! severity, dumps with their entry counts, capture duration.

use crate::capture::FrameMeta;
use crate::exchange::{Exchange, Outcome};
use crate::finding::{Code, Finding, Severity};
use crate::model::{Body, Direction};
use crate::view::{type_name, Msg};
use std::collections::BTreeMap;
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
    pub fn record(&mut self, frame: &FrameMeta) {
        self.records += 1;
        if self.first.is_none() {
            self.first = Some((frame.ts, frame.precision));
        }
        self.last = Some(frame.ts);
    }

    /// Counts a message.
    pub fn message(&mut self, view: &Msg<'_>) {
        let msg = view.message();
        let findings = view.findings();
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
            Body::Done {
                status: Some(s), ..
            } if s < 0 => *self.errors.entry(s).or_insert(0) += 1,
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

    fn by_type_inner(&self) -> impl Iterator<Item = (&str, Direction, u64)> + '_ {
        self.messages.iter().flat_map(|(n, c)| {
            [(Direction::ToKernel, c[0]), (Direction::FromKernel, c[1])]
                .into_iter()
                .filter(|(_, k)| *k > 0)
                .map(move |(d, k)| (n.as_str(), d, k))
        })
    }

    fn duration_inner(&self) -> Duration {
        match (self.first, self.last) {
            (Some((a, _)), Some(b)) => b.saturating_sub(a),
            _ => Duration::ZERO,
        }
    }

    /// Records counted.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Messages counted.
    pub fn messages(&self) -> u64 {
        self.messages.values().flatten().sum()
    }

    /// Time of the first record (with its precision) and of the last.
    pub fn span(&self) -> Option<(Duration, crate::capture::TsPrecision, Duration)> {
        match (self.first, self.last) {
            (Some((a, p)), Some(b)) => Some((a, p, b)),
            _ => None,
        }
    }

    /// Messages by kind name.
    pub fn kinds(&self) -> &BTreeMap<&'static str, u64> {
        &self.kinds
    }

    /// Exchanges by outcome name.
    pub fn outcomes(&self) -> &BTreeMap<&'static str, u64> {
        &self.outcomes
    }

    /// Errors (negative errno) with their counts.
    pub fn errors(&self) -> &BTreeMap<i32, u64> {
        &self.errors
    }

    /// Findings by severity and code.
    pub fn findings(&self) -> &BTreeMap<(Severity, Code), u64> {
        &self.findings
    }

    /// Verdicts by outcome and errno name (`""` for none).
    pub fn verdicts(&self) -> &BTreeMap<(&'static str, &'static str), u64> {
        &self.verdicts
    }

    /// Exchanges whose verdict agrees / disagrees with the kernel's answer.
    pub fn verdict_agreement(&self) -> (u64, u64) {
        (self.verdict_agree[0], self.verdict_agree[1])
    }

    /// Dumps listed one by one: (first frame, request name, entries, outcome).
    pub fn dumps(&self) -> &[(u64, String, u64, &'static str)] {
        &self.dumps
    }

    /// Dumps counted beyond [`MAX_LISTED_DUMPS`].
    pub fn more_dumps(&self) -> u64 {
        self.more_dumps
    }

    /// Capture duration (first to last record).
    pub fn duration(&self) -> Duration {
        self.duration_inner()
    }

    /// (type name, direction, count) for every non-zero count, by name then direction.
    pub fn by_type(&self) -> impl Iterator<Item = (&str, Direction, u64)> + '_ {
        self.by_type_inner()
    }
}

fn ex_error(ex: &Exchange) -> i32 {
    match ex.outcome {
        Outcome::Error(e) => e,
        _ => 0,
    }
}
