//! `-j N`: records decoded on N threads, output in capture order (issue 14).
//!
//! The calling thread reads the capture (file or stdin alike, through the same
//! [`CaptureReader`]) and copies its records into batches of about
//! [`BATCH_BYTES`]; batch k goes to worker k mod N, and the results are taken
//! back in the order they were sent, so the output is the sequential run's byte
//! for byte. Two ways to split the work:
//!
//! - **render**: without `--summary`, `--exchanges` or `-c`, each worker is a whole
//!   [`Runner`] (decoder, filter, renderer) writing into the batch's buffer, and the
//!   calling thread writes the buffers out and adds up the counters;
//! - **decode**: with any of them (state over the whole capture: the exchange
//!   tracker, the summary, the message count; also conntrack's XML documents), the
//!   workers only decode, and the
//!   calling thread runs the rest of the pipeline over the decoded records in
//!   order, exactly as the sequential run does.
//!
//! Memory: at most `2 N` batches are out at a time, each holding its records'
//! bytes, their decoded form and (render) their output; so the peak grows by a
//! few MB per thread and not at all with the size of the capture.

use super::{Counts, Runner};
use crate::capture::{CaptureReader, Event, FrameMeta};
use crate::decode::Decoder;
use crate::finding::Finding;
use crate::model::Record;
use crate::run::RunError;
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::ops::Range;
use std::sync::mpsc::{channel, Receiver, Sender};

/// Record bytes per batch (a batch also ends at [`BATCH_ITEMS`] records).
const BATCH_BYTES: usize = 128 * 1024;
/// Records (and notices) per batch.
const BATCH_ITEMS: usize = 2048;

/// What the reader saw, in order.
#[derive(Debug)]
enum Item {
    /// A record: its frame, its bytes in [`Batch::data`], its record findings.
    Frame {
        meta: FrameMeta,
        data: Range<usize>,
        findings: Vec<Finding>,
    },
    /// A notice about the file or a skipped record.
    Notice {
        frame: Option<u64>,
        finding: Finding,
    },
}

/// A run of consecutive records, and what a worker made of them.
#[derive(Debug, Default)]
struct Batch {
    data: Vec<u8>,
    items: Vec<Item>,
    /// Decode mode: the decoded records, one per frame item, in order.
    recs: Vec<Record>,
    /// Render mode: the rendered output.
    out: Vec<u8>,
    /// Render mode: the counters of this batch.
    counts: Counts,
}

impl Batch {
    fn clear(&mut self) {
        self.data.clear();
        self.items.clear();
        self.out.clear();
        self.counts = Counts::default();
    }

    fn full(&self) -> bool {
        self.data.len() >= BATCH_BYTES || self.items.len() >= BATCH_ITEMS
    }

    fn push(&mut self, ev: Event<'_>) {
        match ev {
            Event::Frame(f) => {
                let start = self.data.len();
                self.data.extend_from_slice(f.data);
                self.items.push(Item::Frame {
                    meta: f.meta,
                    data: start..self.data.len(),
                    findings: f.findings,
                });
            }
            Event::Notice { frame, finding } => self.items.push(Item::Notice { frame, finding }),
        }
    }

    /// The record bytes of a frame item.
    fn bytes(&self, r: &Range<usize>) -> &[u8] {
        self.data.get(r.clone()).unwrap_or(&[])
    }
}

/// How the work is split (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Render,
    Decode,
}

/// Decodes the capture in `input` on `threads` threads (at least 2).
pub(super) fn run<R: Read>(
    runner: &mut Runner,
    input: R,
    out: &mut dyn Write,
    threads: usize,
) -> Result<(), RunError> {
    let mut reader = CaptureReader::new(input).map_err(RunError::Capture)?;
    let cfg = runner.cfg;
    let mode = if cfg.summary
        || cfg.exchanges
        || cfg.flows
        || cfg.max_messages.is_some()
        || runner.renders_in_order()
    {
        Mode::Decode
    } else {
        Mode::Render
    };
    let result = std::thread::scope(|scope| -> io::Result<()> {
        let mut to_workers: Vec<Sender<Batch>> = Vec::with_capacity(threads);
        let mut from_workers: Vec<Receiver<Batch>> = Vec::with_capacity(threads);
        for _ in 0..threads {
            let (work_tx, work_rx) = channel::<Batch>();
            let (done_tx, done_rx) = channel::<Batch>();
            to_workers.push(work_tx);
            from_workers.push(done_rx);
            match mode {
                Mode::Render => {
                    let parts = runner.worker_parts();
                    scope.spawn(move || {
                        let mut w = Runner::worker(parts);
                        for mut b in work_rx {
                            render_batch(&mut w, &mut b);
                            if done_tx.send(b).is_err() {
                                break;
                            }
                        }
                    });
                }
                Mode::Decode => {
                    let decoder = runner.decoder;
                    scope.spawn(move || {
                        for mut b in work_rx {
                            decode_batch(&decoder, &mut b);
                            if done_tx.send(b).is_err() {
                                break;
                            }
                        }
                    });
                }
            }
        }
        // Batch numbers sent and not yet taken back, oldest first (batch k went
        // to worker k mod threads); spent batches kept for reuse.
        let mut pending: VecDeque<usize> = VecDeque::new();
        let mut spare: Vec<Batch> = Vec::new();
        let mut sent = 0usize;
        let mut eof = false;
        while !eof && !runner.done {
            let mut b = spare.pop().unwrap_or_default();
            while !b.full() {
                match reader.next_event() {
                    Some(ev) => b.push(ev),
                    None => {
                        eof = true;
                        break;
                    }
                }
            }
            if b.items.is_empty() {
                break;
            }
            if pending.len() >= 2 * threads {
                let mut done = take_back(&from_workers, &mut pending, threads)?;
                finish_batch(runner, mode, &mut done, out)?;
                done.clear();
                spare.push(done);
            }
            let k = sent % threads;
            if let Some(tx) = to_workers.get(k) {
                // A worker only stops when its channel closes.
                let _ = tx.send(b);
            }
            pending.push_back(k);
            sent += 1;
        }
        while !pending.is_empty() && !runner.done {
            let mut done = take_back(&from_workers, &mut pending, threads)?;
            finish_batch(runner, mode, &mut done, out)?;
        }
        // Closing the channels ends the workers; the scope waits for them.
        drop(to_workers);
        Ok(())
    });
    result.map_err(RunError::Output)?;
    runner.end_input(out).map_err(RunError::Output)
}

/// The oldest batch in flight, from its worker.
fn take_back(
    from: &[Receiver<Batch>],
    pending: &mut VecDeque<usize>,
    threads: usize,
) -> io::Result<Batch> {
    let k = pending.pop_front().unwrap_or(0) % threads.max(1);
    from.get(k)
        .and_then(|rx| rx.recv().ok())
        .ok_or_else(|| io::Error::other("a decoding thread stopped"))
}

/// Render mode, in a worker: the whole pipeline into the batch's buffer.
fn render_batch(w: &mut Runner, b: &mut Batch) {
    let mut out = std::mem::take(&mut b.out);
    let items = std::mem::take(&mut b.items);
    for item in &items {
        // Writing into a Vec cannot fail.
        let _ = match item {
            Item::Frame {
                meta,
                data,
                findings,
            } => w.record(meta, b.bytes(data), findings, &mut out),
            Item::Notice { frame, finding } => w.capture_notice(*frame, finding, &mut out),
        };
    }
    b.items = items;
    b.out = out;
    b.counts = std::mem::take(&mut w.counts);
}

/// Decode mode, in a worker: each record into its own [`Record`].
fn decode_batch(decoder: &Decoder, b: &mut Batch) {
    let frames = b
        .items
        .iter()
        .filter(|i| matches!(i, Item::Frame { .. }))
        .count();
    b.recs.resize_with(frames, Record::default);
    let mut recs = b.recs.iter_mut();
    for item in &b.items {
        if let Item::Frame { meta, data, .. } = item {
            if let Some(rec) = recs.next() {
                let bytes = b.data.get(data.clone()).unwrap_or(&[]);
                decoder.decode_record(bytes, meta.link.protocol, rec);
            }
        }
    }
}

/// On the calling thread, in capture order: writes a rendered batch, or runs the
/// rest of the pipeline over a decoded one.
fn finish_batch(
    runner: &mut Runner,
    mode: Mode,
    b: &mut Batch,
    out: &mut dyn Write,
) -> io::Result<()> {
    if mode == Mode::Render {
        runner.counts.merge(&b.counts);
        return out.write_all(&b.out);
    }
    let mut recs = b.recs.iter();
    for item in &b.items {
        if runner.done {
            break;
        }
        match item {
            Item::Frame {
                meta,
                data,
                findings,
            } => {
                let Some(rec) = recs.next() else { break };
                runner.start_record(meta, findings, out)?;
                runner.decoded(meta, rec, b.bytes(data), out)?;
            }
            Item::Notice { frame, finding } => runner.capture_notice(*frame, finding, out)?,
        }
    }
    Ok(())
}
