//! Integration tests: real captures, bad inputs through the binary, and snapshots of
//! what users see. (Per-set snapshots live in tests/sets.rs, the agreement with
//! conntrack's own output in tests/agreement.rs, the corpus replay in
//! tests/corpus_replay.rs: each its own binary, see toolchain-notes on insta.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "it/annotate.rs"]
mod annotate;
#[path = "it/bad_input.rs"]
mod bad_input;
#[path = "it/captures.rs"]
mod captures;
#[path = "it/cli.rs"]
mod cli;
#[path = "it/common.rs"]
mod common;
#[path = "it/diff.rs"]
mod diff;
#[path = "it/escaping.rs"]
mod escaping;
#[path = "it/exchanges.rs"]
mod exchanges;
#[path = "it/fast_path.rs"]
mod fast_path;
#[path = "it/flows.rs"]
mod flows;
#[path = "it/output.rs"]
mod output;
#[path = "it/subsystems.rs"]
mod subsystems;
#[path = "it/subsystems_json.rs"]
mod subsystems_json;
mod support;
#[path = "it/svg.rs"]
mod svg;
#[path = "it/threads.rs"]
mod threads;
#[path = "it/verdicts.rs"]
mod verdicts;
