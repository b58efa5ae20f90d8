//! Using nfct-decode as a library: the conntrack entries of a capture, the
//! kernel's verdict on each request, and every finding.
//!
//! ```text
//! cargo run --example library -- corpus/captures/nat.pcap
//! ```
//!
//! It uses only the public surface: [`nfct_decode::Capture`] to stream messages,
//! `get` with kernel names to read attributes, `verdict()` and `findings()`.

use nfct_decode::view::Repr;
use nfct_decode::{Capture, Error, Severity};
use std::process::ExitCode;

/// `src:sport -> dst:dport` of tuple `which` (`tuple-orig`, `tuple-reply`).
fn tuple(msg: &nfct_decode::Msg<'_>, which: &str) -> Option<String> {
    let t = msg.get(which)?;
    let addr = |dir: &str| {
        let v4 = t.get(&format!("tuple-ip.ip-v4-{dir}"));
        let a = v4.or_else(|| t.get(&format!("tuple-ip.ip-v6-{dir}")))?;
        Some(match a.value() {
            Repr::V6(x) => format!("[{x}]"),
            _ => a.to_string(),
        })
    };
    let port = |dir: &str| {
        t.get(&format!("tuple-proto.proto-{dir}-port"))
            .and_then(|p| p.uint())
            .map(|p| format!(":{p}"))
            .unwrap_or_default()
    };
    Some(format!(
        "{}{} -> {}{}",
        addr("src")?,
        port("src"),
        addr("dst")?,
        port("dst")
    ))
}

fn run(path: &str) -> Result<u64, Error> {
    let mut cap = Capture::open(path)?;
    let mut errors = 0;
    while let Some(msg) = cap.next_message()? {
        let mut line = format!("{} {}", msg.frame(), msg.name());
        if let Some(t) = tuple(&msg, "tuple-orig") {
            line.push_str(&format!(" {t}"));
        }
        if let Some(state) = msg.get("protoinfo.protoinfo-tcp.tcp-state") {
            line.push_str(&format!(" {state}"));
        }
        if let Some(v) = msg.verdict() {
            line.push_str(&format!(" | kernel {}", v.kernel.verb()));
            if let Some(e) = v.errno_name() {
                line.push_str(&format!(" {e}"));
            }
        }
        println!("{line}");
        for f in msg.findings() {
            if f.severity() == Severity::Error {
                errors += 1;
            }
            println!(
                "  {} {} at {} (offset {}): {}",
                f.severity(),
                f.code(),
                f.path(),
                f.offset(),
                f.message()
            );
        }
    }
    for n in cap.notices() {
        println!("capture: {n}");
    }
    Ok(errors)
}

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: library CAPTURE");
        return ExitCode::from(2);
    };
    match run(&path) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(e) => {
            eprintln!("library: {e}");
            ExitCode::from(2)
        }
    }
}
