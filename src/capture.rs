//! Capture input: classic pcap and pcapng files (or streams) -> netlink frames.
//!
//! The container framing is parsed with pcap-file's in-memory parsers
//! ([`PcapParser`], [`PcapNgParser`]); the cooked link-layer headers (NETLINK,
//! LINUX_SLL, LINUX_SLL2) and the fixed fields of pcapng packet blocks are parsed
//! here with nom's complete parsers.
//!
//! # Invariants
//! - **No panics, no `unsafe`**: every length taken from the input is checked
//!   (`get`, checked or saturating arithmetic) before use.
//! - **Bounded memory**: a length field never causes an allocation by itself. The
//!   stream buffer only grows when it is full of bytes really read and the record
//!   in it is still incomplete; no record or block larger than
//!   [`MAX_RECORD_BYTES`] is accepted (its declared length is checked first).
//! - **Streaming**: every refill is exactly one `read` call, and the record is parsed
//!   again after each one, so a record is yielded as soon as its last byte has
//!   arrived (`tcpdump -U -w - | nfct-decode -`). Nothing waits for a buffer to fill.
//! - **One code path**: [`CaptureReader`] (any [`Read`]) and
//!   [`for_each_event_in_slice`] (bytes in memory) run the same core over two
//!   implementations of one private input trait.
//! - **Never gives up early, never loops**: a problem with one record becomes an
//!   [`Event::Notice`] and the next record is read. Only a container that cannot be
//!   framed any more (cut file, malformed pcapng block, I/O error) ends the stream,
//!   with exactly one notice; after that the reader returns `None` forever.
//! - **Numbering**: [`FrameMeta::number`] counts every record of the input file from 1,
//!   as tshark does: classic pcap records; pcapng Enhanced, Simple and (obsolete)
//!   Packet Blocks and systemd Journal Export Blocks. Skipped records are counted.
//! - **Offsets**: findings made here carry in [`Finding::offset`] the byte offset in
//!   the file of the record they concern (classic pcap: its 16-byte record header;
//!   pcapng: its block), which is always known. A [`Frame`] also carries it as
//!   [`FrameMeta::offset`].

use std::fmt;
use std::io::{self, Read};
use std::ops::Range;
use std::time::Duration;

use nom::bytes::complete::take;
use nom::number::complete::{be_u16, be_u32, u16 as endian_u16, u32 as endian_u32, u8 as nom_u8};
use nom::{IResult, Parser};
use pcap_file::pcap::{PcapParseError, PcapParser, PcapTsResolution};
use pcap_file::pcapng::{PcapNgParseError, PcapNgParser, PcapNgState};
use pcap_file::Endianness;
use serde::Serialize;

use crate::finding::{Code, Finding};

/// Link type LINKTYPE_NETLINK (what tcpdump writes on an nlmon device).
pub const LINKTYPE_NETLINK: u32 = 253;
/// Link type LINKTYPE_LINUX_SLL (Linux cooked capture v1, e.g. `tcpdump -i any`).
pub const LINKTYPE_LINUX_SLL: u32 = 113;
/// Link type LINKTYPE_LINUX_SLL2 (Linux cooked capture v2, `-y LINUX_SLL2`).
pub const LINKTYPE_LINUX_SLL2: u32 = 276;
/// ARPHRD_NETLINK: the hardware type of netlink records in a cooked header.
pub const ARPHRD_NETLINK: u16 = 824;

/// Largest record (classic pcap: record header + data) or pcapng block accepted, in
/// bytes. A longer one ends the capture with a `capture_malformed` notice.
pub const MAX_RECORD_BYTES: usize = 64 << 20;

/// First size of the stream buffer; it doubles when a record does not fit.
const INITIAL_BUFFER: usize = 128 << 10;
/// Consecutive `ErrorKind::Interrupted` results tolerated from one `read`.
const MAX_INTERRUPTED: u32 = 1000;

const PCAP_MAGICS: [u32; 4] = [0xA1B2_C3D4, 0xA1B2_3C4D, 0xD4C3_B2A1, 0x4D3C_B2A1];
const PCAP_HEADER_LEN: usize = 24;
const PCAP_RECORD_HEADER_LEN: usize = 16;

const BLOCK_SHB: u32 = 0x0A0D_0D0A;
#[cfg(test)]
const BLOCK_IDB: u32 = 1;
const BLOCK_PB: u32 = 2;
const BLOCK_SPB: u32 = 3;
const BLOCK_EPB: u32 = 6;
const BLOCK_SJE: u32 = 9;
/// Block type + block total length.
const BLOCK_HEADER_LEN: usize = 8;
/// EPB: interface, timestamp high, timestamp low, captured length, original length.
const EPB_FIXED_LEN: usize = 20;
/// PB: interface (u16), drops (u16), timestamp high, low, captured len, original len.
const PB_FIXED_LEN: usize = 20;
/// Interfaces whose notices are remembered one by one (a record of a higher
/// interface id shares the last slot).
const MAX_INTERFACES: usize = 4096;
/// SPB: original length.
const SPB_FIXED_LEN: usize = 4;

/// Timestamp precision of the interface that captured a record (for display).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum TsPrecision {
    /// Microseconds or coarser (classic pcap µs magic, pcapng `if_tsresol` up to 10^-6
    /// or 2^-19, pcapng default).
    #[default]
    Micro,
    /// Finer than a microsecond (pcap ns magic, pcapng `if_tsresol` 10^-7.. or 2^-20..).
    Nano,
}

/// The parsed link-layer (cooked) header of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct LinkHeader {
    /// Packet type: 4 (outgoing) on nlmon in practice; 6 / 7 are possible.
    pub pkttype: u16,
    /// ARPHRD type: 824 = ARPHRD_NETLINK.
    pub hatype: u16,
    /// Netlink family: 0 ROUTE, 12 NETFILTER, 16 GENERIC ...
    pub protocol: u16,
    /// Interface index (LINUX_SLL2 only).
    pub ifindex: Option<u32>,
    /// Length of the cooked header: 16 (NETLINK, LINUX_SLL) or 20 (LINUX_SLL2).
    pub header_len: usize,
}

/// Where a record came from: its number, place, time and link header. One type for
/// every consumer (the decoder's callers, the renderers, the tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct FrameMeta {
    /// 1-based record number within its input file, exactly as tshark numbers
    /// frames (every record counts, including skipped ones).
    pub number: u64,
    /// Byte offset of the record in the file (classic pcap: its record header;
    /// pcapng: its block).
    pub offset: u64,
    /// Time since the Unix epoch, with the interface's resolution and offset applied.
    /// Zero for pcapng Simple Packet Blocks, which carry no timestamp.
    pub ts: Duration,
    /// Resolution of the interface's timestamps.
    pub precision: TsPrecision,
    /// Link type of the interface (253, 113 or 276).
    pub linktype: u32,
    /// pcapng interface id within its section; 0 for classic pcap.
    pub interface: u32,
    /// Captured length of the record (cooked header included).
    pub caplen: u32,
    /// Original length of the packet (cooked header included).
    pub orig_len: u32,
    /// The cooked header.
    pub link: LinkHeader,
}

impl fmt::Display for FrameMeta {
    /// `frame N`, as tshark numbers records.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "frame {}", self.number)
    }
}

/// One capture record holding netlink data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame<'a> {
    /// Number, place, time and link header.
    pub meta: FrameMeta,
    /// The netlink bytes after the cooked header.
    pub data: &'a [u8],
    /// Record-level findings (e.g. `record_truncated`); empty (not allocated) normally.
    pub findings: Vec<Finding>,
}

/// What the reader yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event<'a> {
    /// A record holding netlink data.
    Frame(Frame<'a>),
    /// A finding not attached to a decodable frame (skipped record, unsupported
    /// interface, file cut mid-record...).
    Notice {
        /// Number of the record it concerns, if any.
        frame: Option<u64>,
        /// The finding; its offset is the record's byte offset in the file.
        finding: Finding,
    },
}

/// Container format of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Format {
    /// Classic libpcap format (any of its four magics).
    Pcap,
    /// pcapng.
    PcapNg,
}

/// Why an input could not be opened at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureErrorKind {
    /// Zero bytes.
    Empty,
    /// Neither a pcap nor a pcapng magic number.
    NotACapture,
    /// The pcap global header or the first pcapng section header is cut.
    HeaderTruncated,
    /// The first pcapng section header block is malformed.
    HeaderMalformed,
    /// The input could not be read.
    Io,
}

/// Fatal: the input cannot be read at all. Its `Display` is one line.
#[derive(Debug)]
pub struct CaptureError {
    kind: CaptureErrorKind,
    message: String,
    source: Option<io::Error>,
}

impl CaptureError {
    fn new(kind: CaptureErrorKind, message: String) -> CaptureError {
        CaptureError {
            kind,
            message,
            source: None,
        }
    }

    fn io(e: io::Error) -> CaptureError {
        CaptureError {
            kind: CaptureErrorKind::Io,
            message: format!("I/O error: {}", one_line(&e.to_string())),
            source: Some(e),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> CaptureErrorKind {
        self.kind
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CaptureError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Reads a pcap or pcapng capture from any [`Read`] (a file, stdin), record by record.
pub struct CaptureReader<R: Read> {
    input: ReaderInput<R>,
    core: Core,
}

impl<R: Read> CaptureReader<R> {
    /// Detects pcap (all four magics: µs/ns, both byte orders) or pcapng by peeking
    /// the magic, and reads the global header / first section header block.
    pub fn new(reader: R) -> Result<Self, CaptureError> {
        let mut input = ReaderInput {
            reader,
            buf: Vec::new(),
            start: 0,
            end: 0,
        };
        let core = Core::open(&mut input)?;
        Ok(CaptureReader { input, core })
    }

    /// The container format.
    pub fn format(&self) -> Format {
        self.core.format()
    }

    /// Next event; `None` at the end of the input. After a fatal mid-stream error
    /// (I/O, cut file, unframeable block) one notice is returned (`capture_truncated`
    /// for an input ending mid-record, `capture_malformed` otherwise), then `None`
    /// forever.
    pub fn next_event(&mut self) -> Option<Event<'_>> {
        let out = self.core.step(&mut self.input);
        out.into_event(self.input.buffer())
    }
}

/// For fuzzing and tests: parses a whole capture held in memory (no stream buffer),
/// calling `sink` for every event. Same semantics as [`CaptureReader`].
pub fn for_each_event_in_slice(
    data: &[u8],
    sink: &mut dyn FnMut(Event<'_>),
) -> Result<(), CaptureError> {
    let mut input = SliceInput { data, pos: 0 };
    let mut core = Core::open(&mut input)?;
    loop {
        let out = core.step(&mut input);
        match out.into_event(input.buffer()) {
            Some(event) => sink(event),
            None => return Ok(()),
        }
    }
}

/// The cooked link-layer headers as byte ranges (smoltcp's `mod field`), so that
/// no offset into them is a literal.
pub mod field {
    /// A byte range within a header.
    pub type Field = core::ops::Range<usize>;

    /// The cooked header of LINKTYPE_NETLINK and LINKTYPE_LINUX_SLL (big-endian).
    pub mod sll {
        use super::Field;
        /// Packet type.
        pub const PKTTYPE: Field = 0..2;
        /// ARPHRD type (824: ARPHRD_NETLINK).
        pub const HATYPE: Field = 2..4;
        /// Link-layer address length.
        pub const HALEN: Field = 4..6;
        /// Link-layer address (zero on nlmon).
        pub const ADDR: Field = 6..14;
        /// Protocol: the netlink family.
        pub const PROTOCOL: Field = 14..16;
        /// Header length.
        pub const SIZE: usize = PROTOCOL.end;
    }

    /// The cooked header of LINKTYPE_LINUX_SLL2 (big-endian).
    pub mod sll2 {
        use super::Field;
        /// Protocol: the netlink family.
        pub const PROTOCOL: Field = 0..2;
        /// Reserved.
        pub const RESERVED: Field = 2..4;
        /// Interface index.
        pub const IFINDEX: Field = 4..8;
        /// ARPHRD type.
        pub const HATYPE: Field = 8..10;
        /// Packet type.
        pub const PKTTYPE: usize = 10;
        /// Link-layer address length.
        pub const HALEN: usize = 11;
        /// Link-layer address.
        pub const ADDR: Field = 12..20;
        /// Header length.
        pub const SIZE: usize = ADDR.end;
    }
}

/// Parses the cooked header at the start of `record` for `linktype` (253, 113 or
/// 276). `None` if the link type is not one of them or `record` is too short.
pub fn parse_link_header(linktype: u32, record: &[u8]) -> Option<LinkHeader> {
    let parsed = match linktype {
        LINKTYPE_NETLINK | LINKTYPE_LINUX_SLL => sll_header(record),
        LINKTYPE_LINUX_SLL2 => sll2_header(record),
        _ => return None,
    };
    parsed.ok().map(|(_, header)| header)
}

/// NETLINK / LINUX_SLL: 16 bytes, all big-endian.
fn sll_header(i: &[u8]) -> IResult<&[u8], LinkHeader> {
    let (i, (pkttype, hatype, _halen, _addr, protocol)) = (
        be_u16,                       // packet type
        be_u16,                       // ARPHRD type
        be_u16,                       // link-layer address length
        take(field::sll::ADDR.len()), // link-layer address (zero on nlmon)
        be_u16,                       // protocol (netlink family)
    )
        .parse(i)?;
    let header = LinkHeader {
        pkttype,
        hatype,
        protocol,
        ifindex: None,
        header_len: field::sll::SIZE,
    };
    Ok((i, header))
}

/// LINUX_SLL2: 20 bytes, all big-endian.
fn sll2_header(i: &[u8]) -> IResult<&[u8], LinkHeader> {
    let (i, (protocol, _reserved, ifindex, hatype, pkttype, _halen, _addr)) = (
        be_u16,                        // protocol (netlink family)
        be_u16,                        // reserved
        be_u32,                        // interface index
        be_u16,                        // ARPHRD type
        nom_u8,                        // packet type
        nom_u8,                        // link-layer address length
        take(field::sll2::ADDR.len()), // link-layer address
    )
        .parse(i)?;
    let header = LinkHeader {
        pkttype: u16::from(pkttype),
        hatype,
        protocol,
        ifindex: Some(ifindex),
        header_len: field::sll2::SIZE,
    };
    Ok((i, header))
}

fn linktype_name(linktype: u32) -> &'static str {
    match linktype {
        0 => "NULL",
        1 => "ETHERNET",
        101 => "RAW",
        LINKTYPE_LINUX_SLL => "LINUX_SLL",
        LINKTYPE_NETLINK => "NETLINK",
        LINKTYPE_LINUX_SLL2 => "LINUX_SLL2",
        _ => "unknown",
    }
}

fn nom_endianness(e: Endianness) -> nom::number::Endianness {
    match e {
        Endianness::Big => nom::number::Endianness::Big,
        Endianness::Little => nom::number::Endianness::Little,
    }
}

/// Reads a u32 at `at` in byte order `e`.
fn u32_at(bytes: &[u8], at: usize, e: Endianness) -> Option<u32> {
    let tail = bytes.get(at..)?;
    let parsed: IResult<&[u8], u32> = endian_u32(nom_endianness(e)).parse(tail);
    parsed.ok().map(|(_, v)| v)
}

/// The error and its sources on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    let mut depth = 0;
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
        depth += 1;
        if depth > 8 {
            break;
        }
    }
    one_line(&text)
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

fn offset_usize(offset: u64) -> usize {
    usize::try_from(offset).unwrap_or(usize::MAX)
}

// ---------------------------------------------------------------------------
// Inputs: where the bytes come from.

enum FillError {
    Io(io::Error),
    /// The buffer would have to exceed MAX_RECORD_BYTES.
    Limit,
}

/// A window of buffered, unconsumed bytes over a byte source.
trait Input {
    /// All buffered bytes; ranges handed out by the core index into this.
    fn buffer(&self) -> &[u8];
    /// Start of the unconsumed window within [`Input::buffer`].
    fn start(&self) -> usize;
    /// Marks `n` bytes of the window as used (they stay in `buffer` until the next fill).
    fn consume(&mut self, n: usize);
    /// Makes more bytes available (one `read` call at most); `Ok(0)` at end of input.
    /// May move the buffered bytes: ranges handed out earlier become invalid.
    fn fill(&mut self) -> Result<usize, FillError>;

    fn window(&self) -> &[u8] {
        self.buffer().get(self.start()..).unwrap_or(&[])
    }
}

struct SliceInput<'d> {
    data: &'d [u8],
    pos: usize,
}

impl Input for SliceInput<'_> {
    fn buffer(&self) -> &[u8] {
        self.data
    }
    fn start(&self) -> usize {
        self.pos
    }
    fn consume(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.data.len());
    }
    fn fill(&mut self) -> Result<usize, FillError> {
        Ok(0)
    }
}

/// Invariant: `start <= end <= buf.len() <= MAX_RECORD_BYTES`.
struct ReaderInput<R: Read> {
    reader: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl<R: Read> Input for ReaderInput<R> {
    fn buffer(&self) -> &[u8] {
        self.buf.get(..self.end).unwrap_or(&[])
    }
    fn start(&self) -> usize {
        self.start
    }
    fn consume(&mut self, n: usize) {
        self.start = self.start.saturating_add(n).min(self.end);
    }
    fn fill(&mut self) -> Result<usize, FillError> {
        if self.start > 0 {
            // Move the unconsumed bytes to the front (usually a partial record).
            if self.start <= self.end && self.end <= self.buf.len() {
                self.buf.copy_within(self.start..self.end, 0);
            }
            self.end = self.end.saturating_sub(self.start);
            self.start = 0;
        }
        if self.end >= self.buf.len() {
            // Full of real input: grow (doubling, within the limit).
            let current = self.buf.len();
            if current >= MAX_RECORD_BYTES {
                return Err(FillError::Limit);
            }
            let grown = current
                .saturating_mul(2)
                .clamp(INITIAL_BUFFER, MAX_RECORD_BYTES);
            self.buf.resize(grown, 0);
        }
        let mut interrupted = 0;
        loop {
            let Some(spare) = self.buf.get_mut(self.end..) else {
                return Err(FillError::Limit);
            };
            let room = spare.len();
            match self.reader.read(spare) {
                Ok(n) => {
                    let n = n.min(room);
                    self.end = self.end.saturating_add(n);
                    return Ok(n);
                }
                Err(e)
                    if e.kind() == io::ErrorKind::Interrupted && interrupted < MAX_INTERRUPTED =>
                {
                    interrupted += 1;
                }
                Err(e) => return Err(FillError::Io(e)),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The core, shared by both inputs.

/// An interface as the container describes it (classic pcap: its global header;
/// pcapng: its Interface Description Block, kept by pcap-file).
#[derive(Clone, Copy)]
struct Iface {
    linktype: u32,
    snaplen: u32,
    precision: TsPrecision,
}

impl Iface {
    fn of_pcap(header: &pcap_file::pcap::PcapHeader) -> Iface {
        Iface {
            linktype: u32::from(header.datalink),
            snaplen: header.snaplen,
            precision: match header.ts_resolution {
                PcapTsResolution::MicroSecond => TsPrecision::Micro,
                PcapTsResolution::NanoSecond => TsPrecision::Nano,
            },
        }
    }

    fn of_idb(
        idb: &pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionBlock<'_>,
    ) -> Iface {
        let resolution = idb.ts_resolution();
        let micro = if resolution.is_bin() {
            resolution.resolution() <= 19
        } else {
            resolution.resolution() <= 6
        };
        Iface {
            linktype: u32::from(idb.linktype),
            snaplen: idb.snaplen,
            precision: if micro {
                TsPrecision::Micro
            } else {
                TsPrecision::Nano
            },
        }
    }
}

/// What we noticed per interface already (one notice each is enough).
#[derive(Clone, Copy, Default)]
struct Noticed {
    linktype: bool,
    hatype: bool,
}

enum Container {
    Pcap(PcapParser),
    PcapNg(PcapNgParser),
}

/// Per-record state, kept apart from the parser so both can be borrowed at once.
struct Records {
    noticed: Vec<Noticed>,
    /// Number of the last record seen (0 before the first).
    number: u64,
    /// File offset of the first unconsumed byte.
    offset: u64,
}

struct Core {
    container: Container,
    records: Records,
    finished: bool,
}

/// A frame before its data is borrowed from the input buffer.
struct Pending {
    meta: FrameMeta,
    /// Netlink bytes: relative to the parsed window, then to the input buffer.
    data: Range<usize>,
    findings: Vec<Finding>,
}

/// Result of one record or block.
enum Step {
    Skip,
    Notice {
        frame: Option<u64>,
        finding: Finding,
    },
    Frame(Pending),
}

/// Result of one parse attempt on the window.
enum Parsed {
    Incomplete,
    Fatal(Finding),
    Done { consumed: usize, step: Step },
}

/// What the core returns to the front ends.
enum Out {
    End,
    Notice {
        frame: Option<u64>,
        finding: Finding,
    },
    Frame(Pending),
}

impl Out {
    fn into_event(self, buffer: &[u8]) -> Option<Event<'_>> {
        match self {
            Out::End => None,
            Out::Notice { frame, finding } => Some(Event::Notice { frame, finding }),
            Out::Frame(m) => Some(Event::Frame(Frame {
                meta: m.meta,
                data: buffer.get(m.data).unwrap_or(&[]),
                findings: m.findings,
            })),
        }
    }
}

enum Opened {
    Ready(Container, usize),
    Incomplete,
    Failed(CaptureError),
}

impl Core {
    /// Reads the magic and the global header / first section header block.
    fn open<I: Input + ?Sized>(input: &mut I) -> Result<Core, CaptureError> {
        while input.window().len() < 4 {
            if Self::fill_for_header(input)? == 0 {
                break;
            }
        }
        let window = input.window();
        let magic = match window.get(..4) {
            None if window.is_empty() => {
                return Err(CaptureError::new(
                    CaptureErrorKind::Empty,
                    "empty input".into(),
                ))
            }
            None => {
                return Err(CaptureError::new(
                    CaptureErrorKind::NotACapture,
                    format!("not a pcap or pcapng file (only {} bytes)", window.len()),
                ))
            }
            Some(m) => u32_at(m, 0, Endianness::Big).unwrap_or(0),
        };
        let format = if PCAP_MAGICS.contains(&magic) {
            Format::Pcap
        } else if magic == BLOCK_SHB {
            Format::PcapNg
        } else {
            return Err(CaptureError::new(
                CaptureErrorKind::NotACapture,
                format!("not a pcap or pcapng file (starts with {magic:#010x})"),
            ));
        };
        loop {
            let window = input.window();
            let opened = match format {
                Format::Pcap => Self::open_pcap(window),
                Format::PcapNg => Self::open_pcapng(window),
            };
            match opened {
                Opened::Ready(container, consumed) => {
                    input.consume(consumed);
                    let core = Core {
                        container,
                        records: Records {
                            noticed: Vec::new(),
                            number: 0,
                            offset: consumed as u64,
                        },
                        finished: false,
                    };
                    return Ok(core);
                }
                Opened::Failed(e) => return Err(e),
                Opened::Incomplete => {
                    let got = window.len();
                    if got >= MAX_RECORD_BYTES {
                        return Err(Self::header_cut(format, input.window(), true));
                    }
                    if Self::fill_for_header(input)? == 0 {
                        return Err(Self::header_cut(format, input.window(), false));
                    }
                }
            }
        }
    }

    fn fill_for_header<I: Input + ?Sized>(input: &mut I) -> Result<usize, CaptureError> {
        match input.fill() {
            Ok(n) => Ok(n),
            Err(FillError::Io(e)) => Err(CaptureError::io(e)),
            Err(FillError::Limit) => Err(CaptureError::new(
                CaptureErrorKind::HeaderMalformed,
                format!("first block larger than the {MAX_RECORD_BYTES}-byte limit"),
            )),
        }
    }

    fn header_cut(format: Format, window: &[u8], limit: bool) -> CaptureError {
        let got = window.len();
        match format {
            Format::Pcap => CaptureError::new(
                CaptureErrorKind::HeaderTruncated,
                format!("pcap global header cut (got {got} of {PCAP_HEADER_LEN} bytes)"),
            ),
            Format::PcapNg => {
                let declared = shb_len(window);
                if limit {
                    return CaptureError::new(
                        CaptureErrorKind::HeaderMalformed,
                        format!(
                            "pcapng section header block larger than the {MAX_RECORD_BYTES}-byte limit"
                        ),
                    );
                }
                let message = match declared {
                    Some(total) => {
                        format!("pcapng section header block cut (got {got} of {total} bytes)")
                    }
                    None => format!("pcapng section header block cut (got {got} bytes)"),
                };
                CaptureError::new(CaptureErrorKind::HeaderTruncated, message)
            }
        }
    }

    fn open_pcap(window: &[u8]) -> Opened {
        match PcapParser::new(window) {
            Ok((rem, parser)) => {
                let consumed = window.len().saturating_sub(rem.len());
                Opened::Ready(Container::Pcap(parser), consumed)
            }
            Err(PcapParseError::IncompleteBuffer(..)) => Opened::Incomplete,
            Err(e) => Opened::Failed(CaptureError::new(
                CaptureErrorKind::HeaderMalformed,
                format!("pcap global header malformed: {}", error_chain(&e)),
            )),
        }
    }

    fn open_pcapng(window: &[u8]) -> Opened {
        match PcapNgParser::new(window) {
            Ok((rem, parser)) => {
                let consumed = window.len().saturating_sub(rem.len());
                Opened::Ready(Container::PcapNg(parser), consumed)
            }
            Err(PcapNgParseError::IncompleteBuffer(..)) => Opened::Incomplete,
            Err(e) => Opened::Failed(CaptureError::new(
                CaptureErrorKind::HeaderMalformed,
                format!("pcapng section header block malformed: {}", error_chain(&e)),
            )),
        }
    }

    fn format(&self) -> Format {
        match self.container {
            Container::Pcap(_) => Format::Pcap,
            Container::PcapNg(_) => Format::PcapNg,
        }
    }

    /// The next event (never a skipped record).
    fn step<I: Input + ?Sized>(&mut self, input: &mut I) -> Out {
        loop {
            if self.finished {
                return Out::End;
            }
            let window = input.window();
            let window_len = window.len();
            let parsed = if window.is_empty() {
                Parsed::Incomplete
            } else {
                self.parse_one(window)
            };
            match parsed {
                Parsed::Done { consumed: 0, .. } => {
                    // Cannot happen (records and blocks are at least 12 bytes), but
                    // never spin on the same bytes.
                    self.finished = true;
                    let finding = Finding::new(
                        Code::CaptureMalformed,
                        offset_usize(self.records.offset),
                        "container parser made no progress",
                    );
                    return Out::Notice {
                        frame: None,
                        finding,
                    };
                }
                Parsed::Done { consumed, step } => {
                    let base = input.start();
                    input.consume(consumed);
                    self.records.offset = self.records.offset.saturating_add(consumed as u64);
                    match step {
                        Step::Skip => {}
                        Step::Notice { frame, finding } => return Out::Notice { frame, finding },
                        Step::Frame(mut meta) => {
                            meta.data = base.saturating_add(meta.data.start)
                                ..base.saturating_add(meta.data.end);
                            return Out::Frame(meta);
                        }
                    }
                }
                Parsed::Fatal(finding) => {
                    self.finished = true;
                    return Out::Notice {
                        frame: self.pending_frame(window),
                        finding,
                    };
                }
                Parsed::Incomplete => {
                    if window_len > 0 {
                        if let Some(out) = self.check_limit(window) {
                            self.finished = true;
                            return out;
                        }
                    }
                    match input.fill() {
                        Ok(0) => {
                            self.finished = true;
                            if window_len == 0 {
                                return Out::End;
                            }
                            return self.truncated(input.window());
                        }
                        Ok(_) => {}
                        Err(FillError::Io(e)) => {
                            self.finished = true;
                            let window = input.window();
                            let frame = if window.is_empty() {
                                None
                            } else {
                                self.pending_frame(window)
                            };
                            let code = if e.kind() == io::ErrorKind::UnexpectedEof {
                                Code::CaptureTruncated
                            } else {
                                Code::CaptureMalformed
                            };
                            let finding = Finding::new(
                                code,
                                offset_usize(self.records.offset),
                                format!("I/O error: {}", one_line(&e.to_string())),
                            );
                            return Out::Notice { frame, finding };
                        }
                        Err(FillError::Limit) => {
                            self.finished = true;
                            let window = input.window();
                            return Out::Notice {
                                frame: self.pending_frame(window),
                                finding: self.limit_finding(None),
                            };
                        }
                    }
                }
            }
        }
    }

    /// Parses one record or block at the start of `window`.
    fn parse_one(&mut self, window: &[u8]) -> Parsed {
        let records = &mut self.records;
        match &mut self.container {
            Container::Pcap(parser) => {
                let resolution = parser.header().ts_resolution;
                let iface = Iface::of_pcap(&parser.header());
                match parser.next_raw_packet(window) {
                    Ok((rem, packet)) => {
                        let consumed = window.len().saturating_sub(rem.len());
                        records.number = records.number.saturating_add(1);
                        let (ts, ts_finding) =
                            records.pcap_timestamp(packet.ts_sec, packet.ts_frac, resolution);
                        let step = records.record(
                            0,
                            iface,
                            ts,
                            packet.orig_len,
                            &packet.data,
                            PCAP_RECORD_HEADER_LEN,
                            ts_finding,
                        );
                        Parsed::Done { consumed, step }
                    }
                    Err(PcapParseError::IncompleteBuffer(..)) => Parsed::Incomplete,
                    Err(e) => Parsed::Fatal(Finding::new(
                        Code::CaptureMalformed,
                        offset_usize(records.offset),
                        format!("pcap record malformed: {}", error_chain(&e)),
                    )),
                }
            }
            Container::PcapNg(parser) => match parser.next_raw_block(window) {
                Ok((rem, raw)) => {
                    let consumed = window.len().saturating_sub(rem.len());
                    let state = parser.state();
                    let step = records.block(raw.type_, &raw.body, state);
                    Parsed::Done { consumed, step }
                }
                Err(PcapNgParseError::IncompleteBuffer(..)) => Parsed::Incomplete,
                Err(e) => Parsed::Fatal(Finding::new(
                    Code::CaptureMalformed,
                    offset_usize(records.offset),
                    format!("pcapng block malformed: {}", error_chain(&e)),
                )),
            },
        }
    }

    /// Total length the record or block at the start of `window` declares, if its
    /// length field is already there.
    fn declared_len(&self, window: &[u8]) -> Option<u64> {
        match &self.container {
            Container::Pcap(parser) => {
                let incl_len = u32_at(window, 8, parser.header().endianness)?;
                Some(u64::from(incl_len) + PCAP_RECORD_HEADER_LEN as u64)
            }
            Container::PcapNg(parser) => {
                let endianness = parser.state().endianness();
                if u32_at(window, 0, endianness)? == BLOCK_SHB {
                    shb_len(window).map(u64::from)
                } else {
                    u32_at(window, 4, endianness).map(u64::from)
                }
            }
        }
    }

    /// Number the record at the start of `window` would have (None for a pcapng
    /// block that is not a record, or whose type is not there yet).
    fn pending_frame(&self, window: &[u8]) -> Option<u64> {
        let next = self.records.number.saturating_add(1);
        match &self.container {
            Container::Pcap(_) => Some(next),
            Container::PcapNg(parser) => {
                let block_type = u32_at(window, 0, parser.state().endianness())?;
                is_record_block(block_type).then_some(next)
            }
        }
    }

    fn describe_pending(&self, window: &[u8]) -> String {
        match &self.container {
            Container::Pcap(_) => format!("record {}", self.records.number.saturating_add(1)),
            Container::PcapNg(parser) => match u32_at(window, 0, parser.state().endianness()) {
                Some(t) if is_record_block(t) => format!(
                    "record {}, a pcapng {}",
                    self.records.number.saturating_add(1),
                    block_name(t)
                ),
                Some(t) => format!("a pcapng block of type {t:#x}"),
                None => "a pcapng block header".to_string(),
            },
        }
    }

    fn check_limit(&self, window: &[u8]) -> Option<Out> {
        let declared = self.declared_len(window);
        let over = match declared {
            Some(total) => total > MAX_RECORD_BYTES as u64,
            None => false,
        } || window.len() >= MAX_RECORD_BYTES;
        over.then(|| Out::Notice {
            frame: self.pending_frame(window),
            finding: self.limit_finding(declared.map(|d| (d, self.describe_pending(window)))),
        })
    }

    fn limit_finding(&self, declared: Option<(u64, String)>) -> Finding {
        let message = match declared {
            Some((total, what)) => format!(
                "{what} declares {total} bytes, more than the {MAX_RECORD_BYTES}-byte limit"
            ),
            None => format!("record larger than the {MAX_RECORD_BYTES}-byte limit"),
        };
        Finding::new(
            Code::CaptureMalformed,
            offset_usize(self.records.offset),
            message,
        )
    }

    /// The notice for an input that ends inside a record or block.
    fn truncated(&self, window: &[u8]) -> Out {
        let what = self.describe_pending(window);
        let message = match self.declared_len(window) {
            Some(total) => format!(
                "input ends inside {what} (got {} of {total} bytes)",
                window.len()
            ),
            None => format!(
                "input ends inside {what} (got {} bytes of its header)",
                window.len()
            ),
        };
        Out::Notice {
            frame: self.pending_frame(window),
            finding: Finding::new(
                Code::CaptureTruncated,
                offset_usize(self.records.offset),
                message,
            ),
        }
    }
}

fn block_name(block_type: u32) -> &'static str {
    match block_type {
        BLOCK_EPB => "enhanced packet block",
        BLOCK_SPB => "simple packet block",
        BLOCK_PB => "packet block",
        BLOCK_SJE => "systemd journal export block",
        _ => "block",
    }
}

/// pcapng blocks that tshark shows as frames.
fn is_record_block(block_type: u32) -> bool {
    matches!(block_type, BLOCK_EPB | BLOCK_SPB | BLOCK_PB | BLOCK_SJE)
}

/// Total length of the section header block at the start of `window`, read in the
/// byte order its byte-order magic announces.
fn shb_len(window: &[u8]) -> Option<u32> {
    let endianness = match u32_at(window, 8, Endianness::Big)? {
        0x1A2B_3C4D => Endianness::Big,
        0x4D3C_2B1A => Endianness::Little,
        _ => return None,
    };
    u32_at(window, 4, endianness)
}

impl Records {
    fn notice(&self, code: Code, message: String) -> Step {
        Step::Notice {
            frame: Some(self.number),
            finding: Finding::new(code, offset_usize(self.offset), message),
        }
    }

    fn pcap_timestamp(
        &self,
        sec: u32,
        frac: u32,
        resolution: PcapTsResolution,
    ) -> (Duration, Option<Finding>) {
        let (nanos, limit) = match resolution {
            PcapTsResolution::MicroSecond => (u64::from(frac).saturating_mul(1000), 1_000_000),
            PcapTsResolution::NanoSecond => (u64::from(frac), 1_000_000_000),
        };
        let ts = Duration::from_secs(u64::from(sec)).saturating_add(Duration::from_nanos(nanos));
        let finding = (frac >= limit).then(|| {
            Finding::new(
                Code::CaptureMalformed,
                offset_usize(self.offset),
                format!("timestamp fraction {frac} is not below {limit}"),
            )
        });
        (ts, finding)
    }

    /// One pcapng block (already framed and, for SHB / IDB, decoded into `state`).
    fn block(&mut self, block_type: u32, body: &[u8], state: &PcapNgState) -> Step {
        match block_type {
            BLOCK_SHB => {
                self.noticed.clear();
                Step::Skip
            }
            BLOCK_EPB | BLOCK_PB => {
                self.number = self.number.saturating_add(1);
                self.packet_block(block_type, body, state)
            }
            BLOCK_SPB => {
                self.number = self.number.saturating_add(1);
                self.simple_packet_block(body, state)
            }
            BLOCK_SJE => {
                // A record for tshark (a journal entry), never netlink.
                self.number = self.number.saturating_add(1);
                Step::Skip
            }
            _ => Step::Skip,
        }
    }

    /// Enhanced Packet Block, or the obsolete Packet Block.
    fn packet_block(&mut self, block_type: u32, body: &[u8], state: &PcapNgState) -> Step {
        let e = nom_endianness(state.endianness());
        let (name, fixed_len) = if block_type == BLOCK_EPB {
            ("enhanced packet block", EPB_FIXED_LEN)
        } else {
            ("packet block", PB_FIXED_LEN)
        };
        let fields: IResult<&[u8], (u32, u32, u32, u32, u32)> = if block_type == BLOCK_EPB {
            (
                endian_u32(e), // interface id
                endian_u32(e), // timestamp, high 32 bits
                endian_u32(e), // timestamp, low 32 bits
                endian_u32(e), // captured length
                endian_u32(e), // original length
            )
                .parse(body)
        } else {
            (
                endian_u16(e), // interface id
                endian_u16(e), // drops count
                endian_u32(e), // timestamp, high 32 bits
                endian_u32(e), // timestamp, low 32 bits
                endian_u32(e), // captured length
                endian_u32(e), // original length
            )
                .parse(body)
                .map(|(rest, (iface, _drops, high, low, caplen, orig))| {
                    (rest, (u32::from(iface), high, low, caplen, orig))
                })
        };
        let Ok((rest, (iface, ts_high, ts_low, caplen, orig_len))) = fields else {
            return self.notice(
                Code::CaptureMalformed,
                format!(
                    "{name} too short for its fixed fields ({} of {fixed_len} bytes)",
                    body.len()
                ),
            );
        };
        let Some(data) = usize::try_from(caplen).ok().and_then(|n| rest.get(..n)) else {
            return self.notice(
                Code::CaptureMalformed,
                format!(
                    "{name} captured length {caplen} exceeds the {} bytes left in the block",
                    rest.len()
                ),
            );
        };
        let Some(info) = usize::try_from(iface)
            .ok()
            .and_then(|i| state.interfaces().get(i))
            .map(Iface::of_idb)
        else {
            return self.notice(
                Code::UnknownInterface,
                format!(
                    "{name} refers to interface {iface}, but its section describes {}",
                    state.interfaces().len()
                ),
            );
        };
        let (ts, ts_finding) = match state.decode_timestamp(iface, ts_high, ts_low) {
            Ok(ts) => (ts, None),
            Err(err) => (
                Duration::ZERO,
                Some(Finding::new(
                    Code::CaptureMalformed,
                    offset_usize(self.offset),
                    format!("timestamp unusable: {}", error_chain(&err)),
                )),
            ),
        };
        let data_at = BLOCK_HEADER_LEN + fixed_len;
        self.record(iface, info, ts, orig_len, data, data_at, ts_finding)
    }

    /// Simple Packet Block: interface 0, no timestamp, captured length implied by
    /// the original length, the interface's snaplen and the block's size.
    fn simple_packet_block(&mut self, body: &[u8], state: &PcapNgState) -> Step {
        let e = nom_endianness(state.endianness());
        let Some(info) = state.interfaces().first().map(Iface::of_idb) else {
            return self.notice(
                Code::UnknownInterface,
                "simple packet block in a section without interfaces".to_string(),
            );
        };
        let fields: IResult<&[u8], u32> = endian_u32(e).parse(body); // original length
        let Ok((rest, orig_len)) = fields else {
            return self.notice(
                Code::CaptureMalformed,
                format!(
                    "simple packet block too short for its original length ({} of {SPB_FIXED_LEN} bytes)",
                    body.len()
                ),
            );
        };
        let mut caplen = usize::try_from(orig_len).unwrap_or(usize::MAX);
        if info.snaplen != 0 {
            caplen = caplen.min(usize::try_from(info.snaplen).unwrap_or(usize::MAX));
        }
        let data = rest.get(..caplen).unwrap_or(rest);
        self.record(
            0,
            info,
            Duration::ZERO,
            orig_len,
            data,
            BLOCK_HEADER_LEN + SPB_FIXED_LEN,
            None,
        )
    }

    /// A framed record of interface `iface` (known to exist for pcapng; index 0 for
    /// classic pcap): link type and cooked header checks, then the frame.
    /// `data_at` is where `data` starts in the parsed window.
    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        iface: u32,
        info: Iface,
        ts: Duration,
        orig_len: u32,
        data: &[u8],
        data_at: usize,
        extra: Option<Finding>,
    ) -> Step {
        let number = self.number;
        let offset = self.offset;
        let i = usize::try_from(iface)
            .unwrap_or(usize::MAX)
            .min(MAX_INTERFACES);
        if self.noticed.len() <= i {
            self.noticed.resize(i + 1, Noticed::default());
        }
        let Some(noticed) = self.noticed.get_mut(i) else {
            return Step::Skip;
        };
        let linktype = info.linktype;
        let precision = info.precision;
        let caplen = u32::try_from(data.len()).unwrap_or(u32::MAX);
        if !matches!(
            linktype,
            LINKTYPE_NETLINK | LINKTYPE_LINUX_SLL | LINKTYPE_LINUX_SLL2
        ) {
            if noticed.linktype {
                return Step::Skip;
            }
            noticed.linktype = true;
            return self.notice(
                Code::UnsupportedLinktype,
                format!(
                    "interface {iface} has link type {linktype} ({}), which cannot carry netlink: its records are skipped",
                    linktype_name(linktype)
                ),
            );
        }
        let Some(link) = parse_link_header(linktype, data) else {
            let needed = if linktype == LINKTYPE_LINUX_SLL2 {
                20
            } else {
                16
            };
            return self.notice(
                Code::LinkHeaderTruncated,
                format!(
                    "record of {caplen} bytes (original length {orig_len}) is shorter than the {needed}-byte {} header",
                    linktype_name(linktype)
                ),
            );
        };
        if linktype != LINKTYPE_NETLINK && link.hatype != ARPHRD_NETLINK {
            if noticed.hatype {
                return Step::Skip;
            }
            noticed.hatype = true;
            return self.notice(
                Code::NotNetlinkHatype,
                format!(
                    "interface {iface} ({}) carries ARPHRD type {}, not ARPHRD_NETLINK ({ARPHRD_NETLINK}): such records are skipped",
                    linktype_name(linktype),
                    link.hatype
                ),
            );
        }
        let mut findings = Vec::new();
        if caplen < orig_len {
            findings.push(Finding::new(
                Code::RecordTruncated,
                offset_usize(offset),
                format!("record cut by snaplen: captured {caplen} of {orig_len} bytes"),
            ));
        }
        findings.extend(extra);
        let start = data_at.saturating_add(link.header_len);
        let end = data_at.saturating_add(data.len());
        Step::Frame(Pending {
            meta: FrameMeta {
                number,
                offset,
                ts,
                precision,
                linktype,
                interface: iface,
                caplen,
                orig_len,
                link,
            },
            data: start..end.max(start),
            findings,
        })
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;

    #[test]
    fn cooked_header_fields_match_the_parsers() {
        use field::{sll, sll2};
        let mut h = [0u8; sll::SIZE];
        h[sll::PKTTYPE].copy_from_slice(&4u16.to_be_bytes());
        h[sll::HATYPE].copy_from_slice(&824u16.to_be_bytes());
        h[sll::PROTOCOL].copy_from_slice(&12u16.to_be_bytes());
        let l = parse_link_header(LINKTYPE_NETLINK, &h).unwrap();
        assert_eq!(
            (l.pkttype, l.hatype, l.protocol, l.header_len),
            (4, 824, 12, 16)
        );
        let mut h = [0u8; sll2::SIZE];
        h[sll2::PROTOCOL].copy_from_slice(&16u16.to_be_bytes());
        h[sll2::IFINDEX].copy_from_slice(&7u32.to_be_bytes());
        h[sll2::HATYPE].copy_from_slice(&824u16.to_be_bytes());
        h[sll2::PKTTYPE] = 4;
        let l = parse_link_header(LINKTYPE_LINUX_SLL2, &h).unwrap();
        assert_eq!(
            (l.pkttype, l.hatype, l.protocol, l.ifindex, l.header_len),
            (4, 824, 16, Some(7), 20)
        );
        assert_eq!(
            parse_link_header(LINKTYPE_LINUX_SLL2, &h[..sll2::SIZE - 1]),
            None
        );
    }

    // ------------------------------------------------------------------
    // Owned events, for comparisons.

    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Ev {
        Frame {
            meta: FrameMeta,
            data: Vec<u8>,
            findings: Vec<Finding>,
        },
        Notice {
            frame: Option<u64>,
            finding: Finding,
        },
    }

    impl Ev {
        fn frame(&self) -> (u64, &[u8], &LinkHeader, &[Finding]) {
            match self {
                Ev::Frame {
                    meta: FrameMeta { number, link, .. },
                    data,
                    findings,
                    ..
                } => (*number, data, link, findings),
                other => panic!("expected a frame, got {other:?}"),
            }
        }
        fn notice(&self) -> (Option<u64>, &Finding) {
            match self {
                Ev::Notice { frame, finding } => (*frame, finding),
                other => panic!("expected a notice, got {other:?}"),
            }
        }
        fn ts(&self) -> Duration {
            match self {
                Ev::Frame { meta, .. } => meta.ts,
                other => panic!("expected a frame, got {other:?}"),
            }
        }
    }

    fn own(e: Event<'_>) -> Ev {
        match e {
            Event::Frame(f) => Ev::Frame {
                meta: f.meta,
                data: f.data.to_vec(),
                findings: f.findings,
            },
            Event::Notice { frame, finding } => Ev::Notice { frame, finding },
        }
    }

    /// Events through the in-memory path.
    fn slice_events(bytes: &[u8]) -> Result<Vec<Ev>, CaptureError> {
        let mut out = Vec::new();
        for_each_event_in_slice(bytes, &mut |e| out.push(own(e)))?;
        Ok(out)
    }

    /// Events through the streaming path (guarded against endless loops).
    fn reader_events<R: Read>(r: R) -> Result<Vec<Ev>, CaptureError> {
        let mut reader = CaptureReader::new(r)?;
        let mut out = Vec::new();
        while let Some(e) = reader.next_event() {
            out.push(own(e));
            assert!(out.len() < 1_000_000, "reader does not stop");
        }
        for _ in 0..3 {
            assert!(reader.next_event().is_none(), "None must be final");
        }
        Ok(out)
    }

    /// A `Read` that hands out 1 to 7 bytes per call.
    struct ChunkReader<'a> {
        data: &'a [u8],
        pos: usize,
        calls: usize,
    }

    impl Read for ChunkReader<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.calls += 1;
            let n = (self.calls % 7 + 1)
                .min(buf.len())
                .min(self.data.len() - self.pos);
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    fn chunked(data: &[u8]) -> ChunkReader<'_> {
        ChunkReader {
            data,
            pos: 0,
            calls: 0,
        }
    }

    /// Events of `bytes`, checking that slice, whole-reader and tiny-chunk reader
    /// paths agree.
    fn events(bytes: &[u8]) -> Vec<Ev> {
        let a = slice_events(bytes).unwrap();
        let b = reader_events(bytes).unwrap();
        let c = reader_events(chunked(bytes)).unwrap();
        assert_eq!(a, b, "slice and reader differ");
        assert_eq!(a, c, "slice and tiny-chunk reader differ");
        a
    }

    fn error_of(bytes: &[u8]) -> CaptureError {
        let a = slice_events(bytes).unwrap_err();
        let b = reader_events(chunked(bytes)).unwrap_err();
        assert_eq!(a.to_string(), b.to_string());
        assert_eq!(a.kind(), b.kind());
        assert!(!a.to_string().contains('\n'));
        a
    }

    // ------------------------------------------------------------------
    // Fixture builder.

    fn put16(v: &mut Vec<u8>, big: bool, x: u16) {
        v.extend(if big {
            x.to_be_bytes()
        } else {
            x.to_le_bytes()
        });
    }
    fn put32(v: &mut Vec<u8>, big: bool, x: u32) {
        v.extend(if big {
            x.to_be_bytes()
        } else {
            x.to_le_bytes()
        });
    }

    /// 16-byte cooked header of LINKTYPE_NETLINK / LINUX_SLL, all big-endian.
    fn cooked16(pkttype: u16, hatype: u16, protocol: u16) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend(pkttype.to_be_bytes()); // packet type (4 on nlmon)
        v.extend(hatype.to_be_bytes()); // ARPHRD type (824 = netlink)
        v.extend(0u16.to_be_bytes()); // address length
        v.extend([0u8; 8]); // address
        v.extend(protocol.to_be_bytes()); // protocol: netlink family (12 = NETFILTER)
        v
    }

    /// 20-byte LINUX_SLL2 cooked header, all big-endian.
    fn cooked20(protocol: u16, ifindex: u32, hatype: u16, pkttype: u8) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend(protocol.to_be_bytes()); // protocol: netlink family
        v.extend(0u16.to_be_bytes()); // reserved
        v.extend(ifindex.to_be_bytes()); // interface index
        v.extend(hatype.to_be_bytes()); // ARPHRD type
        v.push(pkttype); // packet type
        v.push(0); // address length
        v.extend([0u8; 8]); // address
        v
    }

    /// A 20-byte NLMSG_DONE (netlink is in host order: little-endian here).
    fn nlmsg_done(seq: u32) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend(20u32.to_le_bytes()); // nlmsg_len
        v.extend(3u16.to_le_bytes()); // nlmsg_type = NLMSG_DONE
        v.extend(2u16.to_le_bytes()); // nlmsg_flags = NLM_F_MULTI
        v.extend(seq.to_le_bytes()); // nlmsg_seq
        v.extend(1234u32.to_le_bytes()); // nlmsg_pid
        v.extend(0i32.to_le_bytes()); // DONE status
        v
    }

    /// An nlmon record: cooked header as tcpdump writes it + NLMSG_DONE.
    fn nlmon_record(seq: u32) -> Vec<u8> {
        let mut v = cooked16(4, 824, 12);
        v.extend(nlmsg_done(seq));
        v
    }

    /// Classic pcap file builder.
    struct Pcap {
        big: bool,
        bytes: Vec<u8>,
    }

    impl Pcap {
        fn new(big: bool, nano: bool, linktype: u32, snaplen: u32) -> Pcap {
            let mut v = Vec::new();
            put32(&mut v, big, if nano { 0xA1B2_3C4D } else { 0xA1B2_C3D4 }); // magic
            put16(&mut v, big, 2); // version major
            put16(&mut v, big, 4); // version minor
            put32(&mut v, big, 0); // thiszone
            put32(&mut v, big, 0); // sigfigs
            put32(&mut v, big, snaplen); // snaplen
            put32(&mut v, big, linktype); // link type
            Pcap { big, bytes: v }
        }

        fn record(mut self, sec: u32, frac: u32, data: &[u8], orig_len: u32) -> Pcap {
            let big = self.big;
            put32(&mut self.bytes, big, sec); // ts seconds
            put32(&mut self.bytes, big, frac); // ts µs or ns
            put32(&mut self.bytes, big, data.len() as u32); // incl_len
            put32(&mut self.bytes, big, orig_len); // orig_len
            self.bytes.extend(data); // data
            self
        }

        fn nlmon(self, sec: u32, frac: u32, seq: u32) -> Pcap {
            let r = nlmon_record(seq);
            let n = r.len() as u32;
            self.record(sec, frac, &r, n)
        }
    }

    /// pcapng file builder.
    struct PcapNg {
        big: bool,
        bytes: Vec<u8>,
    }

    impl PcapNg {
        fn new(big: bool) -> PcapNg {
            PcapNg {
                big,
                bytes: Vec::new(),
            }
            .shb(big)
        }

        /// Any block: type, total length, body padded to 4, total length.
        fn block(mut self, block_type: u32, mut body: Vec<u8>) -> PcapNg {
            while body.len() % 4 != 0 {
                body.push(0);
            }
            let total = body.len() as u32 + 12;
            let big = self.big;
            put32(&mut self.bytes, big, block_type); // block type
            put32(&mut self.bytes, big, total); // block total length
            self.bytes.extend(body); // body
            put32(&mut self.bytes, big, total); // block total length again
            self
        }

        /// Section header block; starts a new section in the given byte order.
        fn shb(mut self, big: bool) -> PcapNg {
            self.big = big;
            let mut b = Vec::new();
            put32(&mut b, big, 0x1A2B_3C4D); // byte-order magic
            put16(&mut b, big, 1); // major version
            put16(&mut b, big, 0); // minor version
            b.extend([0xFF; 8]); // section length: unknown (-1)
            self.block(BLOCK_SHB, b)
        }

        /// Interface description block with an optional if_tsresol option.
        fn idb(self, linktype: u16, snaplen: u32, tsresol: Option<u8>) -> PcapNg {
            let big = self.big;
            let mut b = Vec::new();
            put16(&mut b, big, linktype); // link type
            put16(&mut b, big, 0); // reserved
            put32(&mut b, big, snaplen); // snaplen
            if let Some(r) = tsresol {
                put16(&mut b, big, 9); // option code if_tsresol
                put16(&mut b, big, 1); // option length
                b.extend([r, 0, 0, 0]); // value + padding
                put16(&mut b, big, 0); // opt_endofopt
                put16(&mut b, big, 0);
            }
            self.block(BLOCK_IDB, b)
        }

        /// Enhanced packet block; `options` are raw option bytes appended after the data.
        fn epb_opts(
            self,
            iface: u32,
            ts: u64,
            data: &[u8],
            orig_len: u32,
            options: &[u8],
        ) -> PcapNg {
            let big = self.big;
            let mut b = Vec::new();
            put32(&mut b, big, iface); // interface id
            put32(&mut b, big, (ts >> 32) as u32); // timestamp high
            put32(&mut b, big, ts as u32); // timestamp low
            put32(&mut b, big, data.len() as u32); // captured length
            put32(&mut b, big, orig_len); // original length
            b.extend(data); // data
            while b.len() % 4 != 0 {
                b.push(0); // padding
            }
            b.extend(options);
            self.block(BLOCK_EPB, b)
        }

        fn epb(self, iface: u32, ts: u64, data: &[u8]) -> PcapNg {
            self.epb_opts(iface, ts, data, data.len() as u32, &[])
        }

        /// Simple packet block.
        fn spb(self, orig_len: u32, data: &[u8]) -> PcapNg {
            let big = self.big;
            let mut b = Vec::new();
            put32(&mut b, big, orig_len); // original length
            b.extend(data); // data (padded by `block`)
            self.block(BLOCK_SPB, b)
        }
    }

    /// xorshift64, fixed seed: reproducible pseudo-random bytes.
    fn pseudo_random(len: usize, mut seed: u64) -> Vec<u8> {
        let mut v = Vec::with_capacity(len);
        while v.len() < len {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            v.extend(seed.to_le_bytes());
        }
        v.truncate(len);
        v
    }

    const SEC: u32 = 1_700_000_000;

    // ------------------------------------------------------------------
    // Classic pcap.

    #[test]
    fn every_pcap_magic_gives_the_same_frames() {
        let mut reference: Option<Vec<(u64, Vec<u8>, LinkHeader)>> = None;
        for big in [false, true] {
            for nano in [false, true] {
                let frac = if nano { 123_456_789 } else { 123_456 };
                let p = Pcap::new(big, nano, LINKTYPE_NETLINK, 262_144)
                    .nlmon(SEC, frac, 1)
                    .nlmon(SEC + 1, 0, 2)
                    .nlmon(SEC + 2, frac, 3);
                let ev = events(&p.bytes);
                assert_eq!(ev.len(), 3);
                let expected_ts =
                    Duration::new(u64::from(SEC), 123_456_789 - if nano { 0 } else { 789 });
                assert_eq!(ev[0].ts(), expected_ts, "big={big} nano={nano}");
                assert_eq!(ev[1].ts(), Duration::from_secs(u64::from(SEC) + 1));
                let mut summary = Vec::new();
                for (i, e) in ev.iter().enumerate() {
                    let Ev::Frame {
                        meta:
                            FrameMeta {
                                number,
                                offset,
                                precision,
                                linktype,
                                interface,
                                caplen,
                                orig_len,
                                link,
                                ..
                            },
                        data,
                        findings,
                        ..
                    } = e
                    else {
                        panic!("{e:?}")
                    };
                    assert_eq!(*number, i as u64 + 1);
                    assert_eq!(*offset, 24 + i as u64 * (16 + 36));
                    assert_eq!(
                        *precision,
                        if nano {
                            TsPrecision::Nano
                        } else {
                            TsPrecision::Micro
                        }
                    );
                    assert_eq!(
                        (*linktype, *interface, *caplen, *orig_len),
                        (253, 0, 36, 36)
                    );
                    assert_eq!(
                        *link,
                        LinkHeader {
                            pkttype: 4,
                            hatype: 824,
                            protocol: 12,
                            ifindex: None,
                            header_len: 16
                        }
                    );
                    assert_eq!(*data, nlmsg_done(i as u32 + 1));
                    assert!(findings.is_empty() && findings.capacity() == 0);
                    summary.push((*number, data.clone(), *link));
                }
                match &reference {
                    None => reference = Some(summary),
                    Some(r) => assert_eq!(*r, summary),
                }
                let reader = CaptureReader::new(&p.bytes[..]).unwrap();
                assert_eq!(reader.format(), Format::Pcap);
            }
        }
    }

    #[test]
    fn sll_netlink_record_is_decoded() {
        let p = Pcap::new(false, false, LINKTYPE_LINUX_SLL, 65535).nlmon(SEC, 5, 7);
        let ev = events(&p.bytes);
        assert_eq!(ev.len(), 1);
        let (n, data, link, _) = ev[0].frame();
        assert_eq!(n, 1);
        assert_eq!(data, nlmsg_done(7));
        assert_eq!((link.hatype, link.protocol, link.header_len), (824, 12, 16));
    }

    #[test]
    fn sll_and_sll2_non_netlink_hatype_notice_once() {
        // SLL2, records 1 and 2 are ARPHRD_ETHER (1), record 3 netlink.
        let mut eth = cooked20(0x0800, 3, 1, 0);
        eth.extend([0x45; 20]);
        let mut nl = cooked20(12, 2, 824, 4);
        nl.extend(nlmsg_done(9));
        let p = Pcap::new(false, false, LINKTYPE_LINUX_SLL2, 65535)
            .record(SEC, 0, &eth, eth.len() as u32)
            .record(SEC, 1, &eth, eth.len() as u32)
            .record(SEC, 2, &nl, nl.len() as u32);
        let ev = events(&p.bytes);
        assert_eq!(ev.len(), 2, "{ev:?}");
        let (frame, finding) = ev[0].notice();
        assert_eq!(frame, Some(1));
        assert_eq!(finding.code, Code::NotNetlinkHatype);
        assert_eq!(finding.offset, 24);
        let (n, data, link, _) = ev[1].frame();
        assert_eq!(n, 3);
        assert_eq!(data, nlmsg_done(9));
        assert_eq!(link.ifindex, Some(2));
        assert_eq!(
            (link.pkttype, link.hatype, link.protocol, link.header_len),
            (4, 824, 12, 20)
        );

        // SLL (113) with hatype 1: skipped with one notice.
        let mut eth16 = cooked16(0, 1, 0x0800);
        eth16.extend([0x45; 20]);
        let p = Pcap::new(true, false, LINKTYPE_LINUX_SLL, 65535)
            .record(SEC, 0, &eth16, 36)
            .record(SEC, 0, &eth16, 36);
        let ev = events(&p.bytes);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].notice().1.code, Code::NotNetlinkHatype);
    }

    #[test]
    fn linktype_netlink_accepts_any_hatype() {
        let mut r = cooked16(7, 1, 0); // pkttype 7, hatype 1, NETLINK_ROUTE
        r.extend(nlmsg_done(1));
        let p = Pcap::new(false, true, LINKTYPE_NETLINK, 65535).record(SEC, 0, &r, 36);
        let ev = events(&p.bytes);
        let (_, _, link, findings) = ev[0].frame();
        assert_eq!((link.pkttype, link.hatype, link.protocol), (7, 1, 0));
        assert!(findings.is_empty());
    }

    #[test]
    fn record_shorter_than_cooked_header() {
        let mut sll2_short = cooked20(12, 2, 824, 4);
        sll2_short.truncate(16);
        let p = Pcap::new(false, false, LINKTYPE_NETLINK, 65535)
            .record(SEC, 0, &[0, 4, 3, 0x38, 0, 0, 0, 0, 0, 0], 10) // 10 bytes
            .record(SEC, 0, &[], 0) // empty record
            .nlmon(SEC, 0, 3);
        let ev = events(&p.bytes);
        assert_eq!(ev.len(), 3);
        for (i, e) in ev[..2].iter().enumerate() {
            let (frame, f) = e.notice();
            assert_eq!(frame, Some(i as u64 + 1));
            assert_eq!(f.code, Code::LinkHeaderTruncated);
        }
        assert_eq!(ev[0].notice().1.offset, 24);
        assert_eq!(ev[1].notice().1.offset, 24 + 16 + 10);
        assert_eq!(ev[2].frame().0, 3);

        let p = Pcap::new(false, false, LINKTYPE_LINUX_SLL2, 65535).record(SEC, 0, &sll2_short, 16);
        let ev = events(&p.bytes);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].notice().1.code, Code::LinkHeaderTruncated);
        assert!(ev[0].notice().1.message.contains("20-byte LINUX_SLL2"));
    }

    #[test]
    fn snaplen_cut_record_is_yielded_with_record_truncated() {
        let r = nlmon_record(1);
        // snaplen 20: 20 of 36 bytes captured.
        let p = Pcap::new(false, false, LINKTYPE_NETLINK, 20)
            .record(SEC, 0, &r[..20], 36)
            // incl_len above snaplen: next_raw_packet accepts it.
            .record(SEC, 0, &r, 36);
        let ev = events(&p.bytes);
        assert_eq!(ev.len(), 2);
        let (n, data, _, findings) = ev[0].frame();
        assert_eq!(n, 1);
        assert_eq!(data, &r[16..20]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].code, Code::RecordTruncated);
        assert_eq!(
            findings[0].message,
            "record cut by snaplen: captured 20 of 36 bytes"
        );
        assert_eq!(findings[0].offset, 24);
        let (_, data, _, findings) = ev[1].frame();
        assert_eq!(data, nlmsg_done(1));
        assert!(findings.is_empty());
    }

    #[test]
    fn pcap_timestamp_fraction_out_of_range_is_flagged() {
        let p = Pcap::new(false, false, LINKTYPE_NETLINK, 65535).nlmon(SEC, 1_500_000, 1);
        let ev = events(&p.bytes);
        assert_eq!(ev[0].ts(), Duration::new(u64::from(SEC) + 1, 500_000_000));
        let (_, _, _, findings) = ev[0].frame();
        assert_eq!(findings[0].code, Code::CaptureMalformed);
    }

    #[test]
    fn file_cut_mid_record() {
        let p = Pcap::new(false, false, LINKTYPE_NETLINK, 65535)
            .nlmon(SEC, 0, 1)
            .nlmon(SEC, 0, 2)
            .nlmon(SEC, 0, 3);
        let third = 24 + 2 * 52;
        // Cut inside the data, inside the record header, right after it.
        for cut in [p.bytes.len() - 5, third + 10, third + 16] {
            let ev = events(&p.bytes[..cut]);
            assert_eq!(ev.len(), 3, "cut at {cut}: {ev:?}");
            assert_eq!(ev[0].frame().0, 1);
            assert_eq!(ev[1].frame().0, 2);
            let (frame, f) = ev[2].notice();
            assert_eq!(frame, Some(3));
            assert_eq!(f.code, Code::CaptureTruncated);
            assert_eq!(f.offset, third);
        }
        let ev = events(&p.bytes[..p.bytes.len() - 5]);
        assert_eq!(
            ev[2].notice().1.message,
            "input ends inside record 3 (got 47 of 52 bytes)"
        );
        // Cut exactly between records: a clean end.
        assert_eq!(events(&p.bytes[..third]).len(), 2);
    }

    #[test]
    fn huge_declared_length_does_not_allocate_or_hang() {
        let p = Pcap::new(false, false, LINKTYPE_NETLINK, 65535).nlmon(SEC, 0, 1);
        let mut bytes = p.bytes.clone();
        put32(&mut bytes, false, SEC); // ts
        put32(&mut bytes, false, 0);
        put32(&mut bytes, false, u32::MAX); // incl_len: 4 GiB
        put32(&mut bytes, false, u32::MAX); // orig_len
        bytes.extend([0u8; 100]);
        let ev = events(&bytes);
        assert_eq!(ev.len(), 2);
        let (frame, f) = ev[1].notice();
        assert_eq!(frame, Some(2));
        assert_eq!(f.code, Code::CaptureMalformed);
        assert!(
            f.message.contains("declares 4294967311 bytes"),
            "{}",
            f.message
        );

        // Below the limit but cut: capture_truncated with the declared size.
        let mut bytes = p.bytes.clone();
        put32(&mut bytes, false, SEC);
        put32(&mut bytes, false, 0);
        put32(&mut bytes, false, 1_000_000); // incl_len
        put32(&mut bytes, false, 1_000_000); // orig_len
        bytes.extend([0u8; 100]);
        let ev = events(&bytes);
        let f = ev[1].notice().1;
        assert_eq!(f.code, Code::CaptureTruncated);
        assert_eq!(
            f.message,
            "input ends inside record 2 (got 116 of 1000016 bytes)"
        );
    }

    // ------------------------------------------------------------------
    // Fatal errors.

    #[test]
    fn unreadable_inputs_give_one_line_errors() {
        let e = error_of(b"");
        assert_eq!(
            (e.kind(), e.to_string().as_str()),
            (CaptureErrorKind::Empty, "empty input")
        );
        let e = error_of(b"Hello, wor");
        assert_eq!(e.kind(), CaptureErrorKind::NotACapture);
        assert_eq!(
            e.to_string(),
            "not a pcap or pcapng file (starts with 0x48656c6c)"
        );
        let e = error_of(b"\xd4\xc3");
        assert_eq!(e.to_string(), "not a pcap or pcapng file (only 2 bytes)");
        let header = Pcap::new(false, false, LINKTYPE_NETLINK, 65535).bytes;
        let e = error_of(&header[..10]);
        assert_eq!(e.kind(), CaptureErrorKind::HeaderTruncated);
        assert_eq!(e.to_string(), "pcap global header cut (got 10 of 24 bytes)");
        let shb = PcapNg::new(false).bytes;
        let e = error_of(&shb[..20]);
        assert_eq!(
            e.to_string(),
            "pcapng section header block cut (got 20 of 28 bytes)"
        );
        let mut bad_shb = shb.clone();
        bad_shb[24] = 0; // trailing length differs
        let e = error_of(&bad_shb);
        assert_eq!(e.kind(), CaptureErrorKind::HeaderMalformed);
        assert!(
            e.to_string()
                .starts_with("pcapng section header block malformed: "),
            "{e}"
        );
        let noise = pseudo_random(1 << 20, 0x9E37_79B9_7F4A_7C15);
        let e = error_of(&noise);
        assert_eq!(e.kind(), CaptureErrorKind::NotACapture);
        assert!(e
            .to_string()
            .starts_with("not a pcap or pcapng file (starts with 0x"));
    }

    #[test]
    fn io_error_while_opening() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("disk on fire"))
            }
        }
        let e = CaptureReader::new(Failing).err().unwrap();
        assert_eq!(e.kind(), CaptureErrorKind::Io);
        assert_eq!(e.to_string(), "I/O error: disk on fire");
        assert!(std::error::Error::source(&e).is_some());
    }

    #[test]
    fn garbage_after_valid_headers_never_panics_and_paths_agree() {
        let pcap = Pcap::new(false, false, LINKTYPE_NETLINK, 65535)
            .nlmon(SEC, 0, 1)
            .bytes;
        let ng = PcapNg::new(false)
            .idb(253, 0, Some(9))
            .idb(276, 0, None)
            .epb(0, 5, &nlmon_record(1))
            .bytes;
        for seed in 1..40u64 {
            for base in [&pcap, &ng] {
                let mut bytes = base.clone();
                bytes.extend(pseudo_random(((seed * 37) % 300) as usize, seed));
                events(&bytes);
                // Mutate a few bytes of the valid part too.
                let mut bytes = base.clone();
                let noise = pseudo_random(8, seed.wrapping_mul(0x1234_5678_9abc));
                for k in 0..4 {
                    let at = (noise[k] as usize * 7 + k) % bytes.len();
                    bytes[at] = noise[k + 4];
                }
                match slice_events(&bytes) {
                    Ok(_) => {
                        events(&bytes);
                    }
                    Err(e) => assert!(!e.to_string().contains('\n')),
                }
            }
        }
    }

    // ------------------------------------------------------------------
    // pcapng.

    #[test]
    fn pcapng_interfaces_with_their_own_linktype_and_tsresol() {
        let ts_us: u64 = 1_700_000_000_123_456; // 10^-6 units
        let ts_ns: u64 = 1_700_000_000_123_456_789; // 10^-9 units
        let ts_bin: u64 = 5 * 1024 + 512; // 2^-10 units: 5.5 s
        let mut sll2 = cooked20(12, 2, 824, 4);
        sll2.extend(nlmsg_done(2));
        let ng = PcapNg::new(false)
            .idb(253, 262_144, Some(6)) // interface 0: NETLINK, µs
            .idb(276, 262_144, Some(9)) // interface 1: LINUX_SLL2, ns
            .idb(253, 0, Some(0x80 | 10)) // interface 2: binary 2^-10
            .idb(253, 0, None) // interface 3: default µs
            .epb(0, ts_us, &nlmon_record(1))
            .epb(1, ts_ns, &sll2)
            .epb(2, ts_bin, &nlmon_record(3))
            .epb(3, ts_us, &nlmon_record(4));
        let ev = events(&ng.bytes);
        assert_eq!(ev.len(), 4, "{ev:?}");
        assert_eq!(ev[0].ts(), Duration::new(1_700_000_000, 123_456_000));
        assert_eq!(ev[1].ts(), Duration::new(1_700_000_000, 123_456_789));
        assert_eq!(ev[2].ts(), Duration::from_millis(5500));
        assert_eq!(ev[3].ts(), Duration::new(1_700_000_000, 123_456_000));
        let Ev::Frame {
            meta:
                FrameMeta {
                    precision,
                    linktype,
                    interface,
                    link,
                    ..
                },
            data,
            ..
        } = &ev[1]
        else {
            panic!()
        };
        assert_eq!(
            (*precision, *linktype, *interface),
            (TsPrecision::Nano, 276, 1)
        );
        assert_eq!((link.header_len, link.ifindex), (20, Some(2)));
        assert_eq!(*data, nlmsg_done(2));
        let Ev::Frame {
            meta:
                FrameMeta {
                    precision,
                    linktype,
                    offset,
                    ..
                },
            ..
        } = &ev[0]
        else {
            panic!()
        };
        assert_eq!((*precision, *linktype), (TsPrecision::Micro, 253));
        // SHB 28 + IDBs 4 * (20 + 12) - the last one without option: 20.
        assert_eq!(*offset, 28 + 32 * 3 + 20);
        let reader = CaptureReader::new(&ng.bytes[..]).unwrap();
        assert_eq!(reader.format(), Format::PcapNg);
        // Same bytes in a big-endian file.
        let be = PcapNg::new(true)
            .idb(253, 262_144, Some(6))
            .idb(276, 262_144, Some(9))
            .idb(253, 0, Some(0x80 | 10))
            .idb(253, 0, None)
            .epb(0, ts_us, &nlmon_record(1))
            .epb(1, ts_ns, &sll2)
            .epb(2, ts_bin, &nlmon_record(3))
            .epb(3, ts_us, &nlmon_record(4));
        assert_eq!(events(&be.bytes), ev);
    }

    #[test]
    fn pcapng_ethernet_interface_one_notice_and_numbers_kept() {
        let ng = PcapNg::new(false)
            .idb(253, 0, None) // interface 0: netlink
            .idb(1, 0, None) // interface 1: Ethernet
            .epb(1, 1, &[0xAA; 60])
            .epb(0, 2, &nlmon_record(2))
            .epb(1, 3, &[0xAA; 60])
            .epb(1, 4, &[0xAA; 60])
            .epb(0, 5, &nlmon_record(5));
        let ev = events(&ng.bytes);
        assert_eq!(ev.len(), 3, "{ev:?}");
        let (frame, f) = ev[0].notice();
        assert_eq!((frame, f.code), (Some(1), Code::UnsupportedLinktype));
        assert!(
            f.message.contains("link type 1 (ETHERNET)"),
            "{}",
            f.message
        );
        assert_eq!(ev[1].frame().0, 2);
        assert_eq!(ev[2].frame().0, 5);
        assert_eq!(ev[2].frame().1, nlmsg_done(5));
        // Also for classic pcap.
        let p = Pcap::new(false, false, 1, 65535)
            .record(SEC, 0, &[0; 60], 60)
            .record(SEC, 0, &[0; 60], 60);
        let ev = events(&p.bytes);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].notice().1.code, Code::UnsupportedLinktype);
    }

    #[test]
    fn pcapng_sections_and_unknown_interface() {
        let mut sll2 = cooked20(12, 2, 824, 4);
        sll2.extend(nlmsg_done(2));
        let ng = PcapNg::new(false)
            .idb(253, 0, None)
            .idb(253, 0, None)
            .epb(1, 10, &nlmon_record(1)) // record 1: interface 1 of section 1
            .shb(true) // new big-endian section: interfaces reset
            .idb(276, 0, Some(9))
            .epb(0, 20, &sll2) // record 2
            .epb(1, 30, &nlmon_record(3)) // record 3: interface 1 no longer exists
            .epb(0, 40, &sll2); // record 4
        let ev = events(&ng.bytes);
        assert_eq!(ev.len(), 4, "{ev:?}");
        assert_eq!(ev[0].frame().0, 1);
        assert_eq!(ev[0].ts(), Duration::from_micros(10));
        assert_eq!(ev[1].frame().0, 2);
        assert_eq!(ev[1].ts(), Duration::from_nanos(20));
        assert_eq!(ev[1].frame().2.header_len, 20);
        let (frame, f) = ev[2].notice();
        assert_eq!((frame, f.code), (Some(3), Code::UnknownInterface));
        assert_eq!(ev[3].frame().0, 4);
    }

    #[test]
    fn pcapng_simple_packet_blocks() {
        let r = nlmon_record(1);
        let ng = PcapNg::new(false)
            .idb(253, 0, Some(9)) // snaplen 0: no limit
            .spb(36, &r);
        let ev = events(&ng.bytes);
        let Ev::Frame {
            meta:
                FrameMeta {
                    ts,
                    interface,
                    precision,
                    ..
                },
            data,
            ..
        } = &ev[0]
        else {
            panic!("{ev:?}")
        };
        assert_eq!(
            (*ts, *interface, *precision),
            (Duration::ZERO, 0, TsPrecision::Nano)
        );
        assert_eq!(*data, nlmsg_done(1));

        // snaplen 20: the SPB holds 20 of 36 bytes.
        let ng = PcapNg::new(false).idb(253, 20, None).spb(36, &r[..20]);
        let ev = events(&ng.bytes);
        let (_, data, _, findings) = ev[0].frame();
        assert_eq!(data, &r[16..20]);
        assert_eq!(findings[0].code, Code::RecordTruncated);

        // No interface at all.
        let ng = PcapNg::new(false).spb(36, &r);
        let ev = events(&ng.bytes);
        let (frame, f) = ev[0].notice();
        assert_eq!((frame, f.code), (Some(1), Code::UnknownInterface));
    }

    #[test]
    fn pcapng_epb_with_bad_options_still_decoded() {
        // opt_comment with invalid UTF-8 (pcap-file's typed EPB would reject the block).
        let mut opts = Vec::new();
        put16(&mut opts, false, 1); // opt_comment
        put16(&mut opts, false, 2); // length
        opts.extend([0xFF, 0xFE, 0, 0]); // not UTF-8 + padding
        put16(&mut opts, false, 0); // opt_endofopt
        put16(&mut opts, false, 0);
        let ng = PcapNg::new(false)
            .idb(253, 0, None)
            .epb_opts(0, 1, &nlmon_record(1), 36, &opts);
        let ev = events(&ng.bytes);
        assert_eq!(ev[0].frame().1, nlmsg_done(1));
    }

    #[test]
    fn pcapng_malformed_and_cut_blocks() {
        let ok = PcapNg::new(false)
            .idb(253, 0, None)
            .epb(0, 1, &nlmon_record(1))
            .epb(0, 2, &nlmon_record(2));
        // Cut inside the second EPB.
        let cut = &ok.bytes[..ok.bytes.len() - 9];
        let ev = events(cut);
        assert_eq!(ev.len(), 2);
        let (frame, f) = ev[1].notice();
        assert_eq!((frame, f.code), (Some(2), Code::CaptureTruncated));
        assert_eq!(f.offset, 28 + 20 + 68);
        assert_eq!(
            f.message,
            "input ends inside record 2, a pcapng enhanced packet block (got 59 of 68 bytes)"
        );
        // Trailing length of the second EPB wrong: fatal, after the first frame.
        let mut bad = ok.bytes.clone();
        let n = bad.len();
        bad[n - 4] = 0x40;
        let ev = events(&bad);
        assert_eq!(ev.len(), 2);
        let (frame, f) = ev[1].notice();
        assert_eq!((frame, f.code), (Some(2), Code::CaptureMalformed));
        // EPB captured length larger than its block: that record only.
        let mut body_lie = PcapNg::new(false)
            .idb(253, 0, None)
            .epb(0, 1, &nlmon_record(1));
        let at = 28 + 20 + 8 + 12; // captured length field of the EPB
        body_lie.bytes[at] = 200;
        let body_lie = body_lie.epb(0, 2, &nlmon_record(2));
        let ev = events(&body_lie.bytes);
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].notice().1.code, Code::CaptureMalformed);
        assert_eq!(ev[1].frame().0, 2);
    }

    #[test]
    fn pcapng_bad_interface_block_is_fatal_after_earlier_frames() {
        let ng = PcapNg::new(false)
            .idb(253, 0, None)
            .epb(0, 1, &nlmon_record(1))
            .idb(253, 0, Some(10)) // if_tsresol 10^-10: invalid
            .epb(1, 2, &nlmon_record(2));
        let ev = events(&ng.bytes);
        assert_eq!(ev.len(), 2, "{ev:?}");
        let (frame, f) = ev[1].notice();
        assert_eq!((frame, f.code), (None, Code::CaptureMalformed));
        assert!(f.message.contains("IfTsResol"), "{}", f.message);
        assert!(!f.message.contains('\n'));
    }

    // ------------------------------------------------------------------
    // Streaming.

    #[test]
    fn a_record_is_yielded_without_reading_further() {
        let p = Pcap::new(false, false, LINKTYPE_NETLINK, 65535)
            .nlmon(SEC, 0, 1)
            .nlmon(SEC, 0, 2);
        let first_len = 24 + 52;
        /// Serves the first `limit` bytes in tiny chunks, then fails.
        struct Then<'a> {
            inner: ChunkReader<'a>,
            kind: io::ErrorKind,
        }
        impl Read for Then<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.inner.pos == self.inner.data.len() {
                    return Err(io::Error::new(self.kind, "no more data yet"));
                }
                self.inner.read(buf)
            }
        }
        for (kind, code) in [
            (io::ErrorKind::Other, Code::CaptureMalformed),
            (io::ErrorKind::UnexpectedEof, Code::CaptureTruncated),
        ] {
            let mut r = CaptureReader::new(Then {
                inner: chunked(&p.bytes[..first_len]),
                kind,
            })
            .unwrap();
            match r.next_event() {
                Some(Event::Frame(f)) => assert_eq!(f.data, nlmsg_done(1)),
                other => panic!("{other:?}"),
            }
            match r.next_event() {
                Some(Event::Notice { frame, finding }) => {
                    assert_eq!(frame, None);
                    assert_eq!(finding.code, code);
                    assert_eq!(finding.message, "I/O error: no more data yet");
                }
                other => panic!("{other:?}"),
            }
            assert!(r.next_event().is_none());
            assert!(r.next_event().is_none());
        }
    }

    // ------------------------------------------------------------------
    // Real captures.

    fn corpus(name: &str) -> Vec<u8> {
        let path = format!("{}/corpus/captures/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn real_captures() {
        let expected = [
            ("list_empty.pcap", 2),
            ("insert_and_list.pcap", 56),
            ("insert_and_list.pcapng", 56),
            ("get_update_delete.pcap", 30),
            ("stats.pcap", 10),
            ("events.pcap", 26),
            ("events.pcapng", 26),
            ("expect.pcap", 11),
            ("big_dump.pcap", 203),
            ("nlmon-list_empty.pcap", 2),
            ("nlmon-any_sll2.pcap", 3),
            // Recorded for this project (corpus/captures/RECORDED.md).
            ("nat.pcap", 64),
            ("nat.pcapng", 64),
            ("expect_events.pcap", 40),
            ("expect_events.pcapng", 40),
            ("gre_sctp.pcap", 49),
            ("gre_sctp.pcapng", 49),
            ("filter_dumps.pcap", 45),
            ("filter_dumps.pcapng", 45),
            ("mixed.pcap", 68),
            ("mixed.pcapng", 68),
            ("errors_extack.pcap", 25),
            ("errors_extack.pcapng", 25),
            ("errors_capped.pcap", 23),
            ("errors_capped.pcapng", 23),
            ("interleaved.pcap", 26),
            ("interleaved.pcapng", 26),
        ];
        let dir = format!("{}/corpus/captures", env!("CARGO_MANIFEST_DIR"));
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".pcap") || n.ends_with(".pcapng"))
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = expected.iter().map(|(n, _)| n.to_string()).collect();
        listed.sort();
        assert_eq!(on_disk, listed, "every capture must have an expected count");
        for (name, count) in expected {
            let bytes = corpus(name);
            let ev = events(&bytes);
            assert_eq!(ev.len(), count, "{name}");
            for (i, e) in ev.iter().enumerate() {
                let Ev::Frame {
                    meta: FrameMeta { number, link, .. },
                    findings,
                    data,
                    ..
                } = e
                else {
                    panic!("{name}: {e:?}")
                };
                assert_eq!(*number, i as u64 + 1, "{name}");
                // mixed.pcap also holds NETLINK_ROUTE (0), SOCK_DIAG (4) and GENERIC (16).
                let families: &[u16] =
                    if name.starts_with("mixed") || name.starts_with("errors_capped") {
                        &[0, 4, 12, 16]
                    } else {
                        &[12]
                    };
                assert!(
                    families.contains(&link.protocol),
                    "{name}: protocol {}",
                    link.protocol
                );
                assert_eq!(link.hatype, 824, "{name}");
                assert!(findings.is_empty(), "{name}: {findings:?}");
                assert!(data.len() >= 16, "{name}");
                if name.contains("sll2") {
                    assert_eq!((link.header_len, link.ifindex), (20, Some(2)), "{name}");
                } else {
                    assert_eq!((link.header_len, link.ifindex), (16, None), "{name}");
                }
            }
        }
        // The .pcapng files hold the same records as the .pcap files.
        for stem in ["insert_and_list", "events"] {
            let a = events(&corpus(&format!("{stem}.pcap")));
            let b = events(&corpus(&format!("{stem}.pcapng")));
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(x.ts(), y.ts(), "{stem}");
                assert_eq!(x.frame().1, y.frame().1, "{stem}");
            }
        }
    }
}
