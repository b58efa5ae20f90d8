//! Writes a large, realistic nlmon capture for benchmarks (issue 7) by repeating and
//! varying the real records of corpus/captures.
//!
//! ```text
//! cargo run --release --example gen_capture -- --size 100M -o /tmp/bench_100M.pcap
//! cargo run --release --example gen_capture -- --size 2G -o /tmp/bench_2G.pcap
//! cargo run --release --example gen_capture -- --size 100M --format pcapng -o /tmp/b.pcapng
//! ```
//!
//! The output is a sequence of *rounds*. A round copies whole source captures (so a
//! dump keeps its request, its ~200 receive buffers of ~15 CT NEW each and its DONE;
//! an erroneous request keeps its error with the extended ACK), in an order shuffled
//! per round, each source the number of times the mix says (`--mix`, default
//! [`DEFAULT_MIX`]: about 70% of the bytes are dump replies, the rest events of
//! a NAT gateway, expectations, errors, stats, filtered dumps).
//!
//! Every copy is varied deterministically (xorshift, `--seed`) by rewriting value bytes
//! in place at offsets found by decoding each source record once, so no length ever
//! changes and every copy stays as valid as its source:
//! - IPv4 addresses (tuples and NAT ranges): the low 16 bits XOR a per-copy key (the
//!   /16 stays, so address filters keep their meaning); IPv6: the last 16 bits;
//! - ports (tuples and NAT port ranges): XOR a per-copy key;
//! - conntrack and expectation ids: XOR a per-copy key;
//! - nlmsg_seq of requests and their answers (also the header echoed in an
//!   NLMSG_ERROR): plus a per-copy offset; seq 0 (events) stays 0;
//! - expectation masks are left alone.
//!
//! One set of keys per source copy keeps a copy internally consistent: reply tuples
//! stay the inverse of original tuples, NEW / DESTROY events of one entry keep one id,
//! answers keep matching their requests (and no two copies share a sequence number). Capture timestamps increase monotonically: each copy
//! keeps the spacing of its source and starts 1 ms after the previous copy ended.
//!
//! The output is streamed through a `BufWriter`: memory use is the source records
//! (about 1 MB) whatever `--size` is. It stops after the first whole source copy that
//! reaches `--size`, and prints the numbers of records and netlink messages written.

// A benchmark tool, not the library: fixed-size slices of buffers it built itself.
#![allow(missing_docs, clippy::indexing_slicing)]

use clap::{Parser, ValueEnum};
use nfct_decode::capture::{self, Event, LINKTYPE_NETLINK};
use nfct_decode::decode::Decoder;
use nfct_decode::encode::cooked_header;
use nfct_decode::model::{Body, Record, Value};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// Source capture (file stem in corpus/captures) = copies per round.
const DEFAULT_MIX: &str = "big_dump=1,events=8,nat=4,gre_sctp=2,expect_events=2,expect=2,\
errors_extack=2,stats=4,filter_dumps=1,get_update_delete=2,insert_and_list=1";

/// First capture timestamp (2026-11-19, near the corpus recordings).
const START_SECS: u64 = 1_795_000_000;
const SNAPLEN: u32 = 262_144;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OutFormat {
    Pcap,
    Pcapng,
}

#[derive(Debug, Parser)]
#[command(about = "Writes a large realistic ctnetlink capture from corpus/captures")]
struct Args {
    /// Approximate output size: bytes, or with a K, M or G suffix (powers of 1024).
    #[arg(long, default_value = "100M")]
    size: String,
    /// Output file (`-` for stdout).
    #[arg(short, long)]
    output: PathBuf,
    /// Container format.
    #[arg(long, value_enum, default_value = "pcap")]
    format: OutFormat,
    /// Seed of the variations.
    #[arg(long, default_value_t = 0x5eed_cafe)]
    seed: u64,
    /// Copies of each source capture per round: `stem=N,...`.
    #[arg(long, default_value = DEFAULT_MIX)]
    mix: String,
    /// Folder of the source captures.
    #[arg(long)]
    corpus: Option<PathBuf>,
}

/// Where a varied value sits in a record (offset of its first value byte).
#[derive(Debug, Clone, Copy)]
enum Patch {
    /// 4-byte IPv4 address: the low 16 bits vary.
    Ipv4(usize),
    /// 16-byte IPv6 address: the last 16 bits vary.
    Ipv6(usize),
    /// Big-endian u16 port.
    Port(usize),
    /// Big-endian u32 id.
    Id(usize),
    /// Host-order (little-endian) u32 nlmsg_seq.
    Seq(usize),
}

struct Template {
    data: Vec<u8>,
    protocol: u16,
    /// Microseconds after the first record of the source.
    rel_us: u64,
    patches: Vec<Patch>,
    messages: u64,
}

struct Source {
    name: String,
    records: Vec<Template>,
    span_us: u64,
}

struct Keys {
    addr: u16,
    port: u16,
    id: u32,
    seq: u32,
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

fn main() -> Res<()> {
    let args = Args::parse();
    let size = parse_size(&args.size)?;
    let corpus = args
        .corpus
        .clone()
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/captures"));
    let mut loaded: Vec<Source> = Vec::new();
    let mut order: Vec<usize> = Vec::new();
    for item in args.mix.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (stem, n) = item
            .split_once('=')
            .ok_or_else(|| format!("--mix: {item} is not stem=N"))?;
        let n: usize = n.trim().parse()?;
        loaded.push(load(&corpus.join(format!("{}.pcap", stem.trim())))?);
        order.extend(std::iter::repeat_n(loaded.len() - 1, n));
    }
    run(&args, size, &loaded, &order)
}

fn run(args: &Args, size: u64, loaded: &[Source], order: &[usize]) -> Res<()> {
    if order.is_empty() {
        return Err("--mix selects no source".into());
    }
    let out: Box<dyn Write> = if args.output.as_os_str() == "-" {
        Box::new(io::stdout().lock())
    } else {
        Box::new(File::create(&args.output)?)
    };
    let mut w = Writer {
        out: BufWriter::with_capacity(1 << 20, out),
        format: args.format,
        bytes: 0,
    };
    w.header()?;
    let mut rng = XorShift(args.seed | 1);
    let mut order = order.to_vec();
    let mut buf = Vec::with_capacity(1 << 16);
    let (mut records, mut messages, mut rounds, mut copies) = (0u64, 0u64, 0u64, 0u64);
    let mut t_us = START_SECS * 1_000_000;
    'rounds: loop {
        // Fisher-Yates shuffle of this round's copies.
        for i in (1..order.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        for &s in &order {
            let Some(src) = loaded.get(s) else { continue };
            copies += 1;
            let keys = Keys {
                addr: rng.next() as u16,
                port: rng.next() as u16,
                id: rng.next() as u32,
                seq: (copies as u32).wrapping_mul(1_000_003),
            };
            for t in &src.records {
                buf.clear();
                buf.extend_from_slice(&t.data);
                for p in &t.patches {
                    apply(&mut buf, *p, &keys);
                }
                w.record(t_us + t.rel_us, t.protocol, &buf)?;
                records += 1;
                messages += t.messages;
            }
            t_us += src.span_us + 1_000;
            if w.bytes >= size {
                break 'rounds;
            }
        }
        rounds += 1;
    }
    w.out.flush()?;
    let names: Vec<&str> = loaded.iter().map(|s| s.name.as_str()).collect();
    eprintln!(
        "gen_capture: {} ({:?}) from {}: {} rounds",
        args.output.display(),
        args.format,
        names.join(" "),
        rounds + 1
    );
    println!("bytes={} records={records} messages={messages}", w.bytes);
    Ok(())
}

fn apply(buf: &mut [u8], p: Patch, k: &Keys) {
    let xor16 = |buf: &mut [u8], at: usize, key: u16| {
        if let Some(b) = buf.get_mut(at..at + 2) {
            let v = u16::from_be_bytes([b[0], b[1]]) ^ key;
            b.copy_from_slice(&v.to_be_bytes());
        }
    };
    match p {
        Patch::Ipv4(at) => xor16(buf, at + 2, k.addr),
        Patch::Ipv6(at) => xor16(buf, at + 14, k.addr),
        Patch::Port(at) => xor16(buf, at, k.port),
        Patch::Id(at) => {
            if let Some(b) = buf.get_mut(at..at + 4) {
                let v = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) ^ k.id;
                b.copy_from_slice(&v.to_be_bytes());
            }
        }
        Patch::Seq(at) => {
            if let Some(b) = buf.get_mut(at..at + 4) {
                let v = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                if v != 0 {
                    b.copy_from_slice(&v.wrapping_add(k.seq).to_le_bytes());
                }
            }
        }
    }
}

/// Reads a source capture and finds the offsets to vary in each of its records.
fn load(path: &Path) -> Res<Source> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut frames: Vec<(Duration, u16, Vec<u8>)> = Vec::new();
    capture::for_each_event_in_slice(&bytes, &mut |ev| {
        if let Event::Frame(f) = ev {
            if f.meta.linktype == LINKTYPE_NETLINK && f.findings.is_empty() {
                frames.push((f.meta.ts, f.meta.link.protocol, f.data.to_vec()));
            }
        }
    })
    .map_err(|e| format!("{}: {e}", path.display()))?;
    let first = frames.first().map(|f| f.0).unwrap_or_default();
    let decoder = Decoder::default();
    let mut rec = Record::default();
    let mut records = Vec::with_capacity(frames.len());
    for (ts, protocol, data) in frames {
        decoder.decode_record(&data, protocol, &mut rec);
        let patches = patches(&rec);
        records.push(Template {
            rel_us: ts.saturating_sub(first).as_micros() as u64,
            messages: rec.messages.len() as u64,
            data,
            protocol,
            patches,
        });
    }
    let span_us = records.last().map(|t| t.rel_us).unwrap_or(0);
    Ok(Source {
        name: path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        records,
        span_us,
    })
}

fn patches(rec: &Record) -> Vec<Patch> {
    let mut out = Vec::new();
    for m in &rec.messages {
        out.push(Patch::Seq(m.offset + 8));
        if let Body::Error {
            echo: Some(echo), ..
        } = &m.body
        {
            out.push(Patch::Seq(echo.offset + 8));
        }
    }
    // Pre-order walk with a stack of open nests, to skip expectation masks.
    let mut open: Vec<(usize, bool)> = Vec::new(); // (end, inside a mask)
    for (i, n) in rec.nodes.iter().enumerate() {
        while open.last().is_some_and(|&(end, _)| i >= end) {
            open.pop();
        }
        let in_mask = open.last().is_some_and(|&(_, m)| m);
        let Some(def) = n.def else { continue };
        if n.value == Value::Nest {
            let mask = in_mask || (n.set.name == "expect" && def.name == "mask");
            open.push((n.end as usize, mask));
            continue;
        }
        if in_mask || matches!(n.value, Value::Invalid | Value::Unknown) {
            continue;
        }
        let at = n.value_range().start;
        let vlen = n.value_range().len();
        let p = match (n.set.name, def.name, vlen) {
            ("tuple-ip", "ip-v4-src" | "ip-v4-dst", 4) => Patch::Ipv4(at),
            ("nat", "nat-v4-minip" | "nat-v4-maxip", 4) => Patch::Ipv4(at),
            ("tuple-ip", "ip-v6-src" | "ip-v6-dst", 16) => Patch::Ipv6(at),
            ("nat", "nat-v6-minip" | "nat-v6-maxip", 16) => Patch::Ipv6(at),
            ("tuple-proto", "proto-src-port" | "proto-dst-port", 2) => Patch::Port(at),
            ("nat-proto", "nat-port-min" | "nat-port-max", 2) => Patch::Port(at),
            ("conntrack" | "expect", "id", 4) => Patch::Id(at),
            _ => continue,
        };
        out.push(p);
    }
    out
}

struct Writer {
    out: BufWriter<Box<dyn Write>>,
    format: OutFormat,
    bytes: u64,
}

impl Writer {
    fn put(&mut self, b: &[u8]) -> io::Result<()> {
        self.bytes += b.len() as u64;
        self.out.write_all(b)
    }

    fn header(&mut self) -> io::Result<()> {
        match self.format {
            OutFormat::Pcap => {
                let mut h = Vec::with_capacity(24);
                h.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes()); // µs magic
                h.extend_from_slice(&2u16.to_le_bytes());
                h.extend_from_slice(&4u16.to_le_bytes());
                h.extend_from_slice(&0i32.to_le_bytes()); // thiszone
                h.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
                h.extend_from_slice(&SNAPLEN.to_le_bytes());
                h.extend_from_slice(&LINKTYPE_NETLINK.to_le_bytes());
                self.put(&h)
            }
            OutFormat::Pcapng => {
                let mut h = Vec::with_capacity(48);
                // Section Header Block: no options, section length unknown.
                h.extend_from_slice(&0x0A0D_0D0Au32.to_le_bytes());
                h.extend_from_slice(&28u32.to_le_bytes());
                h.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes());
                h.extend_from_slice(&1u16.to_le_bytes());
                h.extend_from_slice(&0u16.to_le_bytes());
                h.extend_from_slice(&u64::MAX.to_le_bytes());
                h.extend_from_slice(&28u32.to_le_bytes());
                // Interface Description Block: LINKTYPE_NETLINK, default µs resolution.
                h.extend_from_slice(&1u32.to_le_bytes());
                h.extend_from_slice(&20u32.to_le_bytes());
                h.extend_from_slice(&(LINKTYPE_NETLINK as u16).to_le_bytes());
                h.extend_from_slice(&0u16.to_le_bytes());
                h.extend_from_slice(&SNAPLEN.to_le_bytes());
                h.extend_from_slice(&20u32.to_le_bytes());
                self.put(&h)
            }
        }
    }

    fn record(&mut self, ts_us: u64, protocol: u16, data: &[u8]) -> io::Result<()> {
        let cooked = cooked_header(protocol);
        let caplen = (cooked.len() + data.len()) as u32;
        match self.format {
            OutFormat::Pcap => {
                let mut h = [0u8; 16];
                h[0..4].copy_from_slice(&((ts_us / 1_000_000) as u32).to_le_bytes());
                h[4..8].copy_from_slice(&((ts_us % 1_000_000) as u32).to_le_bytes());
                h[8..12].copy_from_slice(&caplen.to_le_bytes());
                h[12..16].copy_from_slice(&caplen.to_le_bytes());
                self.put(&h)?;
                self.put(&cooked)?;
                self.put(data)
            }
            OutFormat::Pcapng => {
                let pad = (4 - caplen % 4) % 4;
                let total = 32 + caplen + pad;
                let mut h = [0u8; 28];
                h[0..4].copy_from_slice(&6u32.to_le_bytes()); // Enhanced Packet Block
                h[4..8].copy_from_slice(&total.to_le_bytes());
                h[8..12].copy_from_slice(&0u32.to_le_bytes()); // interface 0
                h[12..16].copy_from_slice(&((ts_us >> 32) as u32).to_le_bytes());
                h[16..20].copy_from_slice(&(ts_us as u32).to_le_bytes());
                h[20..24].copy_from_slice(&caplen.to_le_bytes());
                h[24..28].copy_from_slice(&caplen.to_le_bytes());
                self.put(&h)?;
                self.put(&cooked)?;
                self.put(data)?;
                self.put(&[0u8; 3][..pad as usize])?;
                self.put(&total.to_le_bytes())
            }
        }
    }
}

fn parse_size(s: &str) -> Res<u64> {
    let s = s.trim();
    let (num, mul) = match s.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&s[..s.len() - 1], 1u64 << 10),
        Some('M') => (&s[..s.len() - 1], 1 << 20),
        Some('G') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("--size: {s} is not a size"))?;
    Ok((n * mul as f64) as u64)
}
