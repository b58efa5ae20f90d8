//! Bad input, each a test: the specific finding or one-line error and the exit
//! status (0 clean, 1 error findings, 2 unreadable) — never a panic, hang or silence.

use crate::common::{capture, capture_path, run_bin, temp_file};
use crate::support::prng::Rng;
use nfct_decode::encode::{pcap_netlink, MsgBuilder};
use nfct_decode::schema::ct;

/// The findings of every JSON line: (frame, code, path, offset).
fn findings(stdout: &str) -> Vec<(u64, String, String, u64)> {
    let mut out = Vec::new();
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for f in v["findings"].as_array().unwrap() {
            out.push((
                v["frame"].as_u64().unwrap_or(0),
                f["code"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["offset"].as_u64().unwrap(),
            ));
        }
    }
    out
}

fn json_of(bytes: &[u8], name: &str) -> (i32, String, String) {
    let p = temp_file(name, bytes);
    run_bin(&["-f", "json", p.to_str().unwrap()], None)
}

fn assert_fatal(bytes: &[u8], name: &str, needle: &str) {
    let p = temp_file(name, bytes);
    let (code, out, err) = run_bin(&[p.to_str().unwrap()], None);
    assert_eq!(code, 2, "{name}: {err}");
    assert!(out.is_empty(), "{name}: {out}");
    assert_eq!(err.lines().count(), 1, "{name}: one line expected: {err}");
    assert!(err.contains(needle), "{name}: {err}");
    assert!(!err.contains("panicked"), "{name}: {err}");
}

/// A CT GET dump request, as conntrack -L sends it.
fn dump_request() -> Vec<u8> {
    MsgBuilder::new(0x0101, 0x0301, 7, 0, &ct::CONNTRACK)
        .nfgen(0, 0, 0)
        .finish()
}

#[test]
fn empty_file() {
    assert_fatal(b"", "empty.pcap", "empty input");
}

#[test]
fn text_file() {
    assert_fatal(
        b"Hello, world: this is not a capture\n",
        "text.pcap",
        "not a pcap or pcapng file",
    );
}

#[test]
fn random_megabyte() {
    let bytes = Rng::new(Rng::SEED).bytes(1 << 20);
    assert_fatal(&bytes, "random.bin", "not a pcap or pcapng file");
}

#[test]
fn pcap_global_header_cut() {
    let full = capture("list_empty.pcap");
    assert_fatal(&full[..10], "cut_header.pcap", "header");
}

/// A capture cut in the middle of its second record: the first is still decoded.
#[test]
fn capture_cut_mid_record() {
    let full = capture("list_empty.pcap");
    let (code, out, _) = json_of(&full[..full.len() - 5], "cut_record.pcap");
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].contains("\"kind\":\"dump-request\""));
    let f = findings(&out);
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].0, f[0].1.as_str()), (2, "capture_truncated"));
}

/// A record shorter than the 16-byte cooked header.
#[test]
fn record_shorter_than_cooked_header() {
    let mut bytes = pcap_netlink(12, &[&dump_request()]);
    // Append a record whose captured length is 10 (< 16).
    for v in [1_700_000_001u32, 0, 10, 10] {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    bytes.extend_from_slice(&[0u8; 10]);
    let (code, out, _) = json_of(&bytes, "short_record.pcap");
    assert_eq!(code, 1);
    let f = findings(&out);
    assert_eq!(f.len(), 1, "{out}");
    assert_eq!((f[0].0, f[0].1.as_str()), (2, "link_header_truncated"));
}

/// A link type that cannot carry netlink: one warning, records skipped, exit 0.
#[test]
fn link_type_not_netlink() {
    let mut bytes = pcap_netlink(12, &[&dump_request(), &dump_request()]);
    bytes[20..24].copy_from_slice(&1u32.to_le_bytes()); // LINKTYPE_ETHERNET
    let (code, out, _) = json_of(&bytes, "ethernet.pcap");
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 1, "{out}");
    let f = findings(&out);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].1, "unsupported_linktype");
}

fn with_len(mut msg: Vec<u8>, len: u32) -> Vec<u8> {
    msg[0..4].copy_from_slice(&len.to_le_bytes());
    msg
}

#[test]
fn nlmsg_len_zero() {
    let (code, out, _) = json_of(
        &pcap_netlink(12, &[&with_len(dump_request(), 0)]),
        "len0.pcap",
    );
    assert_eq!(code, 1);
    assert_eq!(
        findings(&out),
        vec![(1, "nlmsg_len_too_small".into(), String::new(), 0)]
    );
}

#[test]
fn nlmsg_len_below_header() {
    let (code, out, _) = json_of(
        &pcap_netlink(12, &[&with_len(dump_request(), 12)]),
        "len12.pcap",
    );
    assert_eq!(code, 1);
    assert_eq!(
        findings(&out),
        vec![(1, "nlmsg_len_too_small".into(), String::new(), 0)]
    );
}

#[test]
fn nlmsg_len_past_record() {
    let (code, out, _) = json_of(
        &pcap_netlink(12, &[&with_len(dump_request(), 64)]),
        "len64.pcap",
    );
    assert_eq!(code, 1);
    // The message is still shown, with what is there.
    assert!(out.contains("\"kind\":\"dump-request\""), "{out}");
    assert_eq!(
        findings(&out),
        vec![(1, "nlmsg_len_past_end".into(), String::new(), 0)]
    );
}

/// An NLMSG_ERROR whose payload is shorter than its 4-byte error code.
#[test]
fn error_shorter_than_code() {
    let mut b = MsgBuilder::new(2, 0, 7, 42, &ct::CONNTRACK);
    b.raw(&[0xfe, 0xff]);
    let (code, out, _) = json_of(&pcap_netlink(12, &[&b.finish()]), "short_error.pcap");
    assert_eq!(code, 1);
    assert_eq!(
        findings(&out),
        vec![(1, "payload_too_short".into(), String::new(), 16)]
    );
}

/// An attribute whose nla_len is below the 4-byte header (in a dump, which needs no
/// attribute: no kernel-model finding besides).
#[test]
fn attr_len_below_header() {
    let mut b = MsgBuilder::new(0x0101, 0x0305, 7, 0, &ct::CONNTRACK).nfgen(2, 0, 0);
    b.raw(&[2, 0, 8, 0]); // nla_len 2, nla_type 8 (mark)
    let (code, out, _) = json_of(&pcap_netlink(12, &[&b.finish()]), "attr_len2.pcap");
    assert_eq!(code, 1);
    assert_eq!(
        findings(&out),
        vec![(1, "attr_len_too_small".into(), "mark".into(), 20)]
    );
}

/// An attribute that runs past its parent's end: its siblings before it decode (a
/// dump, which parses no tuple: no kernel-model finding besides).
#[test]
fn attr_past_parent_end() {
    let mut b = MsgBuilder::new(0x0101, 0x0305, 7, 0, &ct::CONNTRACK).nfgen(2, 0, 0);
    b.nest("tuple-orig")
        .nest("tuple-ip")
        .uint("ip-v4-src", 0x0a00_0001);
    // ip-v4-dst claims 12 bytes but the nest ends after 8.
    b.raw(&[12, 0, 2, 0, 10, 0, 0, 2]);
    b.end().end();
    b.uint("mark", 5);
    let (code, out, _) = json_of(&pcap_netlink(12, &[&b.finish()]), "attr_past_end.pcap");
    assert_eq!(code, 1);
    assert_eq!(
        findings(&out),
        vec![(
            1,
            "attr_len_past_end".into(),
            "tuple-orig.tuple-ip.ip-v4-dst".into(),
            36
        )]
    );
    let v: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(
        v["attrs"]["tuple-orig"]["tuple-ip"]["ip-v4-src"],
        "10.0.0.1"
    );
    assert_eq!(
        v["attrs"]["mark"], 5,
        "the sibling after the bad nest still decodes"
    );
}

/// Zero bytes after the last message (as iproute2 sends): info, exit 0.
#[test]
fn zero_tail_is_info() {
    let mut rec = dump_request();
    rec.extend_from_slice(&[0u8; 12]);
    let (code, out, _) = json_of(&pcap_netlink(12, &[&rec]), "zero_tail.pcap");
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(v["findings"][0]["code"], "trailing_bytes");
    assert_eq!(v["findings"][0]["severity"], "info");
    assert_eq!(v["findings"][0]["offset"], 20);
}

/// Real captures exit 0; several files are decoded in order; stdin works.
#[test]
fn files_in_order_and_stdin() {
    let a = capture_path("list_empty.pcap");
    let b = capture_path("stats.pcap");
    let (code, out, err) = run_bin(&[a.to_str().unwrap(), b.to_str().unwrap()], None);
    assert_eq!((code, err.as_str()), (0, ""));
    // A `==> FILE <==` header before each file, a blank line between them.
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1 + 2 + 1 + 1 + 12);
    assert_eq!(lines[0], format!("==> {} <==", a.display()));
    assert_eq!(lines[3], "");
    assert_eq!(lines[4], format!("==> {} <==", b.display()));
    assert!(lines[5].contains("get-stats-cpu"));
    let (code2, out2, _) = run_bin(&["-"], Some(&capture("stats.pcap")));
    assert_eq!(code2, 0);
    assert_eq!(
        out2,
        lines[5..]
            .iter()
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    );
    let (code3, out3, _) = run_bin(&[], Some(&capture("list_empty.pcap")));
    assert_eq!(code3, 0);
    assert_eq!(out3.lines().count(), 2);
}

/// `nfct-decode big.pcap | head -1`: a closed pipe ends quietly with status 0.
#[test]
fn closed_pipe_is_quiet() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_nfct-decode"))
        .args(["-v", capture_path("big_dump.pcap").to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader is dropped here: the pipe is closed.
    let out = child.wait_with_output().unwrap();
    assert!(first.contains("ctnetlink get"), "{first}");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn missing_file_is_fatal() {
    let (code, _, err) = run_bin(&["/nonexistent/x.pcap"], None);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1);
}
