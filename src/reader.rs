//! The library's front door: open a capture, walk its messages.
//!
//! [`Capture`] reads a pcap or pcapng capture (a file, any `Read`, or bytes in
//! memory) record by record, decodes each record once and lends out its messages
//! one at a time as [`CapturedMessage`]s: a [`Msg`] view (names, values, verdict,
//! findings) plus the [`FrameMeta`] of the record that carried it. Findings that
//! belong to no message (about the file, a record, an unreadable buffer) are kept,
//! bounded, as [`Notice`]s.
//!
//! Memory stays bounded by the largest record, whatever the capture's size: one
//! record's bytes and decoded tree are kept at a time.

use crate::capture::{CaptureError, CaptureErrorKind, CaptureReader, Event, FrameMeta};
use crate::decode::{Decoder, Options};
use crate::finding::Finding;
use crate::model::Record;
use crate::verdict::Verdict;
use crate::view::Msg;
use std::fmt;
use std::io::{self, Read};
use std::ops::Deref;
use std::path::{Path, PathBuf};

/// At most this many notices are kept ([`Capture::notices_dropped`] counts the rest).
pub const MAX_NOTICES: usize = 4096;

/// Why a capture could not be read. Prints as one line, also through `?` in
/// `main` (its `Debug` is its `Display`).
pub struct Error {
    path: Option<PathBuf>,
    cause: Cause,
}

enum Cause {
    Open(io::Error),
    Capture(CaptureError),
}

/// What kind of failure an [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file could not be opened or read.
    Io,
    /// The input holds zero bytes.
    Empty,
    /// Neither a pcap nor a pcapng magic number.
    NotACapture,
    /// The pcap global header or the first pcapng section header is cut.
    HeaderTruncated,
    /// The first pcapng section header block is malformed.
    HeaderMalformed,
}

impl Error {
    fn new(path: Option<&Path>, cause: Cause) -> Error {
        Error {
            path: path.map(Path::to_path_buf),
            cause,
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        match &self.cause {
            Cause::Open(_) => ErrorKind::Io,
            Cause::Capture(e) => match e.kind() {
                CaptureErrorKind::Empty => ErrorKind::Empty,
                CaptureErrorKind::NotACapture => ErrorKind::NotACapture,
                CaptureErrorKind::HeaderTruncated => ErrorKind::HeaderTruncated,
                CaptureErrorKind::HeaderMalformed => ErrorKind::HeaderMalformed,
                CaptureErrorKind::Io => ErrorKind::Io,
            },
        }
    }

    /// The file it is about, when it came from [`Capture::open`].
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.path {
            write!(f, "{}: ", p.display())?;
        }
        match &self.cause {
            Cause::Open(e) => write!(f, "{e}"),
            Cause::Capture(e) => write!(f, "{e}"),
        }
    }
}

impl fmt::Debug for Error {
    /// The same one line as `Display`: `main() -> Result<_, Error>` prints
    /// `Error: nat.pcap: No such file or directory (os error 2)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.cause {
            Cause::Open(e) => Some(e),
            Cause::Capture(e) => Some(e),
        }
    }
}

/// A finding that belongs to no message: about the capture file, a record (cut
/// by the snap length, an unsupported link type), or a record's bytes outside any
/// message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The record it is about, when it is about one.
    pub frame: Option<u64>,
    /// What is wrong, and where.
    pub finding: Finding,
    /// For a buffer sent to the kernel whose first header is unreadable: what the
    /// kernel does with it.
    pub verdict: Option<Verdict>,
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(n) = self.frame {
            write!(f, "frame {n}: ")?;
        }
        write!(f, "{}", self.finding)?;
        if let Some(v) = &self.verdict {
            write!(f, " kernel: {v}")?;
        }
        Ok(())
    }
}

/// One message of a capture, with the record that carried it. Dereferences to its
/// [`Msg`] view (`name()`, `get(..)`, `verdict()`, `findings()`, ...).
#[derive(Debug, Clone, Copy)]
pub struct CapturedMessage<'c> {
    frame: &'c FrameMeta,
    msg: Msg<'c>,
}

impl<'c> CapturedMessage<'c> {
    /// The record it came in: number, time, interface, link header.
    pub fn frame(&self) -> &'c FrameMeta {
        self.frame
    }

    /// Its view (the same as dereferencing).
    pub fn view(&self) -> Msg<'c> {
        self.msg
    }
}

impl<'c> Deref for CapturedMessage<'c> {
    type Target = Msg<'c>;

    fn deref(&self) -> &Msg<'c> {
        &self.msg
    }
}

/// The source of a capture's bytes.
type Input = Box<dyn Read + Send>;

/// A capture being read: its messages in order, decoded once each.
pub struct Capture {
    reader: CaptureReader<Input>,
    decoder: Decoder,
    frame: FrameMeta,
    data: Vec<u8>,
    rec: Record,
    next: usize,
    notices: Vec<Notice>,
    dropped: u64,
}

impl fmt::Debug for Capture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Capture")
            .field("format", &self.reader.format())
            .field("frame", &self.frame.number)
            .field("notices", &self.notices.len())
            .finish_non_exhaustive()
    }
}

impl Capture {
    /// Opens the capture file at `path` (pcap or pcapng), with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Capture, Error> {
        Capture::open_with(path, Options::default())
    }

    /// Opens the capture file at `path` with decoder options `opts`.
    pub fn open_with(path: impl AsRef<Path>, opts: Options) -> Result<Capture, Error> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|e| Error::new(Some(path), Cause::Open(e)))?;
        Capture::build(Box::new(io::BufReader::new(file)), opts)
            .map_err(|e| Error::new(Some(path), Cause::Capture(e)))
    }

    /// Reads a capture from `input` (standard input, a socket, ...), streaming.
    pub fn from_reader(input: impl Read + Send + 'static, opts: Options) -> Result<Capture, Error> {
        Capture::build(Box::new(input), opts).map_err(|e| Error::new(None, Cause::Capture(e)))
    }

    /// Reads a capture held in memory.
    pub fn from_bytes(bytes: Vec<u8>, opts: Options) -> Result<Capture, Error> {
        Capture::from_reader(io::Cursor::new(bytes), opts)
    }

    fn build(input: Input, opts: Options) -> Result<Capture, CaptureError> {
        Ok(Capture {
            reader: CaptureReader::new(input)?,
            decoder: Decoder::new(opts),
            frame: FrameMeta::default(),
            data: Vec::new(),
            rec: Record::default(),
            next: 0,
            notices: Vec::new(),
            dropped: 0,
        })
    }

    /// The next message; `None` at the end of the capture. A capture cut short or
    /// damaged part-way ends with a notice, not an error: `Err` is reserved for
    /// inputs that cannot be read at all, which [`Capture::open`] already reports.
    pub fn next_message(&mut self) -> Result<Option<CapturedMessage<'_>>, Error> {
        while self.next >= self.rec.messages.len() {
            if !self.advance() {
                return Ok(None);
            }
        }
        let i = self.next;
        self.next += 1;
        Ok(self.rec.messages.get(i).map(|m| CapturedMessage {
            frame: &self.frame,
            msg: Msg::new(&self.rec, &self.data, m),
        }))
    }

    /// The record of the last message returned: its frame and decoded tree.
    pub fn frame(&self) -> &FrameMeta {
        &self.frame
    }

    /// Reads and decodes the next record; `false` at the end of the input.
    fn advance(&mut self) -> bool {
        let Some(ev) = self.reader.next_event() else {
            return false;
        };
        match ev {
            Event::Frame(f) => {
                self.frame = f.meta;
                self.data.clear();
                self.data.extend_from_slice(f.data);
                for finding in f.findings {
                    push_notice(
                        &mut self.notices,
                        &mut self.dropped,
                        Some(f.meta.number),
                        finding,
                        None,
                    );
                }
                self.decoder
                    .decode_record(&self.data, self.frame.link.protocol, &mut self.rec);
                self.next = 0;
                for &k in &self.rec.record_findings {
                    if let Some(finding) = self.rec.findings.get(k) {
                        push_notice(
                            &mut self.notices,
                            &mut self.dropped,
                            Some(self.frame.number),
                            finding.clone(),
                            self.rec.verdict.clone(),
                        );
                    }
                }
            }
            Event::Notice { frame, finding } => {
                self.rec.clear();
                self.next = 0;
                push_notice(&mut self.notices, &mut self.dropped, frame, finding, None);
            }
        }
        true
    }

    /// The notices so far (at most [`MAX_NOTICES`]), in capture order.
    pub fn notices(&self) -> impl ExactSizeIterator<Item = &Notice> + '_ {
        self.notices.iter()
    }

    /// How many notices were not kept because [`MAX_NOTICES`] were.
    pub fn notices_dropped(&self) -> u64 {
        self.dropped
    }
}

fn push_notice(
    notices: &mut Vec<Notice>,
    dropped: &mut u64,
    frame: Option<u64>,
    finding: Finding,
    verdict: Option<Verdict>,
) {
    if notices.len() < MAX_NOTICES {
        notices.push(Notice {
            frame,
            finding,
            verdict,
        });
    } else {
        *dropped += 1;
    }
}

/// One record of a capture, decoded and owned (see [`decode_capture`]).
#[derive(Debug)]
pub struct DecodedRecord {
    /// Where it came from.
    pub frame: FrameMeta,
    /// Its netlink bytes (after the cooked header).
    pub data: Vec<u8>,
    /// Findings about the record itself (cut by the snap length, ...).
    pub frame_findings: Vec<Finding>,
    record: Record,
}

impl DecodedRecord {
    /// Its messages.
    pub fn messages(&self) -> impl ExactSizeIterator<Item = Msg<'_>> + '_ {
        self.record
            .messages
            .iter()
            .map(|m| Msg::new(&self.record, &self.data, m))
    }

    /// The decoded record (the arena the views read).
    #[doc(hidden)]
    pub fn record(&self) -> &Record {
        &self.record
    }
}

/// A whole capture decoded in memory: every record, and the notices not tied to
/// one.
#[derive(Debug, Default)]
pub struct DecodedCapture {
    /// The records holding netlink data, in order.
    pub records: Vec<DecodedRecord>,
    /// Findings about the file or about skipped records.
    pub notices: Vec<Notice>,
}

impl DecodedCapture {
    /// Every message of every record, with its frame.
    pub fn messages(&self) -> impl Iterator<Item = CapturedMessage<'_>> + '_ {
        self.records.iter().flat_map(|r| {
            r.messages().map(move |msg| CapturedMessage {
                frame: &r.frame,
                msg,
            })
        })
    }
}

/// Decodes a whole capture held in memory, keeping every record (for tests,
/// benchmarks and tools that look back; [`Capture`] streams instead). Memory grows
/// with the capture.
pub fn decode_capture(bytes: &[u8], opts: Options) -> Result<DecodedCapture, Error> {
    let decoder = Decoder::new(opts);
    let mut out = DecodedCapture::default();
    crate::capture::for_each_event_in_slice(bytes, &mut |ev| match ev {
        Event::Frame(f) => {
            let mut record = Record::default();
            decoder.decode_record(f.data, f.meta.link.protocol, &mut record);
            out.records.push(DecodedRecord {
                frame: f.meta,
                data: f.data.to_vec(),
                frame_findings: f.findings,
                record,
            });
        }
        Event::Notice { frame, finding } => out.notices.push(Notice {
            frame,
            finding,
            verdict: None,
        }),
    })
    .map_err(|e| Error::new(None, Cause::Capture(e)))?;
    Ok(out)
}
