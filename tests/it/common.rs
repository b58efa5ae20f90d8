//! Helpers shared by the integration tests.

use crate::support::corpus;
use nfct_decode::run::{Config, Format, Runner};
use nfct_decode::Finding;
use std::path::PathBuf;

/// Path and bytes of a file under corpus/captures.
pub use corpus::{path as capture_path, read as capture};

/// One decoded message, flattened for assertions.
#[derive(Debug, Clone)]
pub struct Msg {
    pub frame: u64,
    pub name: String,
    pub kind: &'static str,
    pub ty: u16,
    pub flags: u16,
    pub seq: u32,
    pub res_id: Option<u16>,
    pub family: Option<u8>,
    pub findings: Vec<Finding>,
    pub unknown_attrs: usize,
}

/// Decodes a whole capture held in memory; returns its messages, the number of
/// records and every notice (capture, record and record-level findings).
pub fn decode(bytes: &[u8]) -> (Vec<Msg>, u64, Vec<Finding>) {
    let cap = corpus::decode(bytes);
    let mut notices: Vec<Finding> = Vec::new();
    let mut msgs = Vec::new();
    for r in &cap.records {
        notices.extend(r.frame_findings.iter().cloned());
        let rec = r.record();
        notices.extend(rec.record_findings.iter().map(|&i| rec.findings[i].clone()));
        for m in r.messages() {
            let nf = m.nf();
            let mut unknown = 0;
            let mut ranges = vec![m.message().attrs.clone()];
            if let nfct_decode::model::Body::Error { echo: Some(e), .. } = &m.message().body {
                ranges.push(e.attrs.clone());
            }
            for r in ranges {
                unknown += rec.nodes[r].iter().filter(|n| n.def.is_none()).count();
            }
            msgs.push(Msg {
                frame: r.frame.number,
                name: m.name().to_string(),
                kind: m.kind().as_str(),
                ty: m.header().ty,
                flags: m.header().flags,
                seq: m.header().seq,
                res_id: nf.map(|n| n.nfgen.res_id),
                family: nf.map(|n| n.nfgen.family),
                findings: m.findings().to_vec(),
                unknown_attrs: unknown,
            });
        }
    }
    notices.extend(cap.notices.into_iter().map(|n| n.finding));
    (msgs, cap.records.len() as u64, notices)
}

/// Runs the library pipeline over in-memory capture bytes and returns the output.
pub fn render(bytes: &[u8], format: Format, verbose: bool, max: Option<u64>) -> String {
    let mut runner = Runner::new(Config {
        format,
        verbose,
        max_messages: max,
        ..Config::default()
    });
    let mut out = Vec::new();
    runner.run_slice(bytes, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Runs the binary with `args` and `stdin`; returns (status, stdout, stderr).
pub fn run_bin(args: &[&str], stdin: Option<&[u8]>) -> (i32, String, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_nfct-decode"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = stdin.map(|s| s.to_vec());
    let mut sin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        if let Some(i) = input {
            let _ = sin.write_all(&i);
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes `bytes` to a fresh temporary file and returns its path.
pub fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nfct-decode-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Every pcap and pcapng of corpus/captures and corpus/captures/more, sorted
/// (`more/NAME` for the latter).
pub fn every_capture() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/captures");
    let mut names = Vec::new();
    for sub in ["", "more"] {
        for e in std::fs::read_dir(root.join(sub)).unwrap() {
            let n = e.unwrap().file_name().into_string().unwrap();
            if n.ends_with(".pcap") || n.ends_with(".pcapng") {
                names.push(if sub.is_empty() {
                    n
                } else {
                    format!("{sub}/{n}")
                });
            }
        }
    }
    names.sort();
    names
}
