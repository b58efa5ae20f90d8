//! criterion benchmarks of the hot paths (issue 7), all over real bytes of
//! corpus/captures:
//!
//! - `decode_set/*`: the attribute walk of one set (`Decoder::decode_set`) over the
//!   payload of a conntrack dump reply, a tuple, protoinfo-tcp, an expectation and
//!   per-CPU stats;
//! - `decode_record/*`: one dump message, one event, a whole receive buffer of 15 dump
//!   messages (`Decoder::decode_record`);
//! - `render/*`: that 15-message record rendered as JSON Lines, one-line text and
//!   `-v` text (decoded once, rendered per iteration into a reused buffer);
//! - `pipeline/*`: the whole of big_dump.pcap (203 records, 3002 messages) through
//!   `Runner::run_slice` with `-f none` and `-f json`.
//!
//! Throughput is in bytes of input (the netlink bytes decoded or rendered; the
//! whole file for `pipeline`). Run with `cargo bench --bench decode`, one group with
//! `cargo bench --bench decode -- render`.

// Benchmarks over fixed corpus records: a missing record is a broken setup, a panic says so.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nfct_decode::decode::Decoder;
use nfct_decode::model::{Direction, Kind, Record};
use nfct_decode::render::json::JsonRenderer;
use nfct_decode::render::text::TextRenderer;
use nfct_decode::render::Render;
use nfct_decode::run::{Config, Format, Runner};
use nfct_decode::schema::{ct, AttrSet};
use nfct_decode::wire::Endian;
use nfct_decode::DecodedRecord;
use std::hint::black_box;
use std::time::Duration;
use support::corpus;

#[path = "../tests/support/mod.rs"]
mod support;

type Rec = DecodedRecord;

fn records(name: &str) -> Vec<Rec> {
    corpus::decode_file(name).records
}

/// The first record of `name` that `pick` accepts.
fn pick(name: &str, pick: impl Fn(&Rec) -> bool) -> Rec {
    records(name)
        .into_iter()
        .find(|r| pick(r))
        .unwrap_or_else(|| panic!("no such record in {name}"))
}

fn nf_set(r: &Rec, i: usize) -> Option<&'static str> {
    r.messages().nth(i)?.set().map(|s| s.name)
}

/// Attribute bytes of message `i` (after nlmsghdr and nfgenmsg).
fn payload(r: &Rec, i: usize) -> Vec<u8> {
    let m = &r.record().messages[i];
    r.data[m.payload.clone()].to_vec()
}

/// Value bytes of the first node named `name` in set `set`.
fn node_value(r: &Rec, set: &str, name: &str) -> Vec<u8> {
    let n = r
        .record()
        .nodes
        .iter()
        .find(|n| n.set.name == set && n.name() == Some(name))
        .unwrap_or_else(|| panic!("no {set}.{name}"));
    n.bytes(&r.data).to_vec()
}

/// Bytes of message `i` alone (its nlmsg_len).
fn message_bytes(r: &Rec, i: usize) -> Vec<u8> {
    let m = &r.record().messages[i];
    r.data[m.offset..m.offset + m.header.len as usize].to_vec()
}

fn bench_sets(c: &mut Criterion) {
    let dump = pick("big_dump.pcap", |r| r.record().messages.len() >= 15);
    let event = pick("events.pcap", |r| {
        r.record()
            .nodes
            .iter()
            .any(|n| n.name() == Some("protoinfo-tcp"))
    });
    let expect = pick("expect_events.pcap", |r| nf_set(r, 0) == Some("expect"));
    let stats = pick("stats.pcap", |r| nf_set(r, 0) == Some("conntrack-stats"));
    let cases: [(&str, Vec<u8>, &'static AttrSet); 5] = [
        ("conntrack", payload(&dump, 0), &ct::CONNTRACK),
        (
            "tuple",
            node_value(&dump, "conntrack", "tuple-orig"),
            &ct::TUPLE,
        ),
        (
            "protoinfo-tcp",
            node_value(&event, "protoinfo", "protoinfo-tcp"),
            &ct::PROTOINFO_TCP,
        ),
        ("expect", payload(&expect, 0), &ct::EXPECT),
        ("conntrack-stats", payload(&stats, 0), &ct::CONNTRACK_STATS),
    ];
    let decoder = Decoder::default();
    let mut rec = Record::default();
    let mut g = c.benchmark_group("decode_set");
    for (name, bytes, set) in &cases {
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(*name, |b| {
            b.iter(|| {
                black_box(decoder.decode_set(
                    black_box(bytes),
                    set,
                    Direction::FromKernel,
                    Endian::Little,
                    &mut rec,
                ))
            })
        });
    }
    g.finish();
}

fn bench_records(c: &mut Criterion) {
    let dump = pick("big_dump.pcap", |r| r.record().messages.len() >= 15);
    let event = pick("events.pcap", |r| {
        matches!(
            r.record().messages.first().map(|m| m.kind),
            Some(Kind::Event(_))
        ) && r
            .record()
            .nodes
            .iter()
            .any(|n| n.name() == Some("protoinfo-tcp"))
    });
    let cases = [
        (
            "dump_message",
            message_bytes(&dump, 0),
            dump.frame.link.protocol,
        ),
        ("event", event.data.clone(), event.frame.link.protocol),
        (
            "dump_record_15",
            dump.data.clone(),
            dump.frame.link.protocol,
        ),
    ];
    let decoder = Decoder::default();
    let mut rec = Record::default();
    let mut g = c.benchmark_group("decode_record");
    for (name, bytes, protocol) in &cases {
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(*name, |b| {
            b.iter(|| {
                decoder.decode_record(black_box(bytes), *protocol, &mut rec);
                black_box(rec.nodes.len())
            })
        });
    }
    g.finish();
}

fn bench_render(c: &mut Criterion) {
    let dump = pick("big_dump.pcap", |r| r.record().messages.len() >= 15);
    let mut out: Vec<u8> = Vec::with_capacity(1 << 16);
    let mut g = c.benchmark_group("render");
    g.throughput(Throughput::Bytes(dump.data.len() as u64));
    let mut json = JsonRenderer::default();
    g.bench_function("json_record_15", |b| {
        b.iter(|| {
            out.clear();
            for m in dump.messages() {
                json.message(&mut out, &dump.frame, &m).unwrap();
            }
            black_box(out.len())
        })
    });
    for (name, verbose) in [("text_record_15", false), ("text_v_record_15", true)] {
        let mut text = TextRenderer::new(verbose);
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                for m in dump.messages() {
                    text.message(&mut out, &dump.frame, &m).unwrap();
                }
                black_box(out.len())
            })
        });
    }
    g.finish();
}

fn bench_pipeline(c: &mut Criterion) {
    let bytes = corpus::read("big_dump.pcap");
    let mut out: Vec<u8> = Vec::with_capacity(4 << 20);
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.sample_size(20);
    for (name, format) in [
        ("none_big_dump", Format::None),
        ("json_big_dump", Format::Json),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                let mut runner = Runner::new(Config {
                    format,
                    ..Config::default()
                });
                runner.run_slice(black_box(&bytes), &mut out).unwrap();
                black_box(runner.counts.messages)
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench_sets, bench_records, bench_render, bench_pipeline
}
criterion_main!(benches);
