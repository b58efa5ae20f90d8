//! The machine's limit for walking a capture (issue 14): classic pcap records,
//! the netlink messages in each, and every attribute recursively (nests by
//! NLA_F_NESTED), with one length check per attribute against a table and
//! nothing else: no schema, no findings, no nodes, no output. What nfct-decode
//! `-f none` does on top of this is its price for validating.
//!
//!   cargo run --release --example bare_walk -- FILE.pcap [--runs N]
//!
//! Prints one line: `bare_walk bytes=B records=R messages=M attrs=A secs=S
//! (median of N walks of the file in memory) read_secs=S (reading it once)
//! GB/s=... ns/attr=...`. Little-endian captures of LINKTYPE_NETLINK (253) or
//! LINUX_SLL2 (276) only; anything else ends the walk of that record.

use std::time::Instant;

/// Smallest attribute length by attribute number (a stand-in for a schema
/// table: the walk indexes it once per attribute, as a dense table would be; it
/// is passed through `black_box` so that the check stays in the loop).
static MIN_LEN: [u16; 64] = [4; 64];

#[derive(Default, Clone, Copy)]
struct Counts {
    records: u64,
    messages: u64,
    attrs: u64,
    short: u64,
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map(u32::from_le_bytes)
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at + 2)
        .and_then(|s| s.try_into().ok())
        .map(u16::from_le_bytes)
}

fn walk_attrs(mut b: &[u8], depth: u32, table: &[u16; 64], c: &mut Counts) {
    while b.len() >= 4 {
        let (Some(len), Some(ty)) = (u16_at(b, 0), u16_at(b, 2)) else {
            return;
        };
        let len = usize::from(len);
        if len < 4 || len > b.len() {
            return;
        }
        c.attrs += 1;
        let num = usize::from(ty & 0x3fff) % 64;
        if len < usize::from(table.get(num).copied().unwrap_or(4)) {
            c.short += 1;
        }
        if ty & 0x8000 != 0 && depth < 16 {
            walk_attrs(b.get(4..len).unwrap_or(&[]), depth + 1, table, c);
        }
        b = b.get((len + 3) & !3..).unwrap_or(&[]);
    }
}

fn walk(file: &[u8]) -> Counts {
    let mut c = Counts::default();
    let table = std::hint::black_box(&MIN_LEN);
    let linktype = u32_at(file, 20).unwrap_or(0);
    let cooked = if linktype == 276 { 20 } else { 16 };
    let mut off = 24;
    while let Some(caplen) = u32_at(file, off + 8) {
        let start = off + 16;
        let end = start + caplen as usize;
        let Some(rec) = file.get(start..end) else {
            break;
        };
        c.records += 1;
        let mut nl = rec.get(cooked..).unwrap_or(&[]);
        while let Some(len) = u32_at(nl, 0) {
            let len = len as usize;
            if len < 16 || len > nl.len() {
                break;
            }
            c.messages += 1;
            // nfnetlink: 4 bytes of nfgenmsg before the attributes.
            walk_attrs(nl.get(20..len).unwrap_or(&[]), 0, table, &mut c);
            nl = nl.get((len + 3) & !3..).unwrap_or(&[]);
        }
        off = end;
    }
    c
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: bare_walk FILE.pcap [--runs N]");
        std::process::exit(2);
    };
    let runs: usize = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    let t = Instant::now();
    let file = match std::fs::read(path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("bare_walk: {path}: {e}");
            std::process::exit(2);
        }
    };
    let read_secs = t.elapsed().as_secs_f64();
    let mut times = Vec::new();
    let mut c = Counts::default();
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        c = walk(std::hint::black_box(&file));
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let secs = times.get(times.len() / 2).copied().unwrap_or(0.0);
    println!(
        "bare_walk bytes={} records={} messages={} attrs={} short={} secs={secs:.4} read_secs={read_secs:.4} GB/s={:.2} ns/attr={:.2}",
        file.len(),
        c.records,
        c.messages,
        c.attrs,
        c.short,
        file.len() as f64 / secs / 1e9,
        secs * 1e9 / c.attrs.max(1) as f64
    );
}
