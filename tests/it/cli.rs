//! The command line as a new user meets it (issue 12): exit status and counts
//! follow what was selected, `-c 0`, options that cannot apply, several inputs,
//! one-line usage errors, and the filter's precedence on a real capture.

use crate::common::{capture, capture_path, run_bin, temp_file};
use nfct_decode::model::Kind;
use nfct_decode::{decode_capture, Options};

fn path(name: &str) -> String {
    capture_path(name).display().to_string()
}

/// `--filter frame=7` on errors_extack.pcap: frame 7 (a GET the kernel accepts) is
/// clean, so the exit status is 0 although other frames have errors;
/// before, every finding of the capture counted.
#[test]
fn exit_status_follows_the_filter() {
    let all = run_bin(&[&path("errors_extack.pcap")], None);
    assert_eq!(all.0, 1);
    let (code, out, _) = run_bin(&["--filter", "frame=7", &path("errors_extack.pcap")], None);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.starts_with("     7 ") && out.contains("ctnetlink get (request)"),
        "{out}"
    );
    let (code, out, _) = run_bin(
        &[
            "-f",
            "none",
            "--filter",
            "frame=7",
            &path("errors_extack.pcap"),
        ],
        None,
    );
    assert_eq!(code, 0);
    assert_eq!(out, "records=25 messages=1 errors=0 warnings=0 infos=0\n");
}

/// A notice about the file is shown and counted whatever the filter selects.
#[test]
fn notices_survive_filters() {
    let full = capture("list_empty.pcap");
    let cut = temp_file("cli_cut.pcap", &full[..full.len() - 5]);
    let (code, out, _) = run_bin(
        &["--filter", "kind=dump-request", &cut.display().to_string()],
        None,
    );
    assert_eq!(code, 1, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].contains("dump-request"), "{out}");
    assert!(lines[1].contains("! error capture_truncated"), "{out}");
    // --exchanges shows it too.
    let (_, out, _) = run_bin(&["--exchanges", &cut.display().to_string()], None);
    assert!(out.contains("! error capture_truncated"), "{out}");
}

#[test]
fn count_zero_prints_nothing() {
    let p = path("nat.pcap");
    for args in [
        vec!["-c", "0", &p],
        vec!["-c", "0", "-f", "json", &p],
        vec!["-c", "0", "--exchanges", &p],
        vec!["-c", "0", "-f", "conntrack", &p],
    ] {
        let (code, out, err) = run_bin(&args, None);
        assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""), "{args:?}");
    }
    let (_, out, _) = run_bin(&["-c", "1", &p], None);
    assert_eq!(out.lines().count(), 1);
}

#[test]
fn inapplicable_options_are_refused() {
    let p = path("nat.pcap");
    let labels = capture_path("connlabel.conf").display().to_string();
    for (args, want) in [
        (
            vec!["--replies-only", &p],
            "--replies-only applies to -f conntrack only",
        ),
        (
            vec!["--ct-output", "id", &p],
            "--ct-output applies to -f conntrack only",
        ),
        (
            vec!["--labels", &labels, &p],
            "--labels applies to -f conntrack and to --filter label= only",
        ),
        (
            vec!["-v", "--exchanges", &p],
            "-v has no effect with --exchanges (one line per exchange)",
        ),
        (
            vec!["-v", "-f", "json", &p],
            "-v applies to the text format only",
        ),
        (
            vec!["--exchanges", "-f", "conntrack", &p],
            "--exchanges prints text or JSON, not -f conntrack lines",
        ),
    ] {
        let (code, out, err) = run_bin(&args, None);
        assert_eq!(code, 2, "{args:?}");
        assert_eq!(out, "");
        assert_eq!(err, format!("nfct-decode: {want}\n"), "{args:?}");
    }
    // ... and accepted where they apply.
    let (code, _, err) = run_bin(&["--labels", &labels, "--filter", "label=0", &p], None);
    assert_eq!((code, err.as_str()), (0, ""));
}

#[test]
fn usage_errors_are_one_line() {
    for (args, want) in [
        (
            vec!["-c", "-1"],
            "nfct-decode: invalid value '-1' for '--count <N>': invalid digit found in string (see --help)\n",
        ),
        (
            vec!["-f", "jsn"],
            "nfct-decode: invalid value 'jsn' for '--format <FORMAT>' (valid: text, json, none, conntrack) (see --help)\n",
        ),
        (vec!["--bogus"], "nfct-decode: unexpected argument '--bogus' found (see --help)\n"),
    ] {
        let (code, out, err) = run_bin(&args, None);
        assert_eq!((code, out.as_str(), err.as_str()), (2, "", want), "{args:?}");
    }
    let (code, out, _) = run_bin(&["--help"], None);
    assert_eq!(code, 0);
    assert!(
        out.contains("Exit status: 0 no finding of error severity in what was selected"),
        "{out}"
    );
}

#[test]
fn several_inputs_say_which_file() {
    let (a, b) = (path("nat.pcap"), path("expect.pcap"));
    let (_, out, _) = run_bin(&[&a, &b], None);
    let headers: Vec<(usize, &str)> = out
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("==> "))
        .collect();
    assert_eq!(headers.len(), 2, "{out}");
    assert_eq!(headers[0], (0, format!("==> {a} <==").as_str()));
    assert_eq!(headers[1].1, format!("==> {b} <=="));
    assert_eq!(
        out.lines().nth(headers[1].0 - 1),
        Some(""),
        "a blank line between files"
    );
    let (_, out, _) = run_bin(&["-f", "json", &a, &b], None);
    let files: Vec<String> = out
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["file"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let nat = decode_capture(&capture("nat.pcap"), Options::default()).unwrap();
    let n = nat.messages().count();
    assert!(files[..n].iter().all(|f| *f == a));
    assert!(files[n..].iter().all(|f| *f == b) && files.len() > n);
    // One input: no header, no "file".
    let (_, out, _) = run_bin(&["-f", "json", &a], None);
    assert!(!out.contains("\"file\""));
}

/// `and` binds tighter than `or`: before, " or " was split first and this printed
/// nothing. The expected frames come from the decoded capture, not the filter.
#[test]
fn and_binds_tighter_than_or() {
    let cap = decode_capture(&capture("nat.pcap"), Options::default()).unwrap();
    let mut want = Vec::new();
    for m in cap.messages() {
        // dport= matches the destination port of any of the entry's tuples.
        let dport = ["tuple-orig", "tuple-reply", "tuple-master"]
            .iter()
            .any(|t| {
                m.get(&format!("{t}.tuple-proto.proto-dst-port"))
                    .and_then(|a| a.uint())
                    == Some(21)
            });
        let event = matches!(m.kind(), Kind::Event(_));
        if (event && dport) || m.kind() == Kind::Request {
            want.push(m.frame().number);
        }
    }
    assert!(want.len() > 3, "{want:?}");
    let (code, out, _) = run_bin(
        &[
            "--filter",
            "kind=event and dport=21 or kind=request",
            &path("nat.pcap"),
        ],
        None,
    );
    assert_eq!(code, 0);
    let got: Vec<u64> = out
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(got, want);
}

/// conntrack's userspace filter options as `--filter` keys (README table "conntrack
/// options as filters"), on the recordings that used them: each selects exactly the
/// frames conntrack's own filter would.
#[test]
fn conntrack_options_as_filters() {
    let frames = |cap: &str, expr: &str| -> Vec<u64> {
        let p = capture_path(cap).to_str().unwrap().to_string();
        let (code, out, err) = run_bin(&["-f", "json", "--filter", expr, &p], None);
        assert!(code <= 1, "{expr}: {err}");
        out.lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["frame"]
                    .as_u64()
                    .unwrap()
            })
            .collect()
    };
    // ct_output frame 12: `conntrack -I --orig-zone 4 --reply-zone 5`.
    assert_eq!(frames("more/ct_output.pcap", "orig-zone=4"), vec![12]);
    assert_eq!(frames("more/ct_output.pcap", "reply-zone=5"), vec![12]);
    assert!(frames("more/ct_output.pcap", "orig-zone=5").is_empty());
    // ct_xml: the udp entry of zone 3 (`-I ... --zone 3 -m 7`), in its dumps and
    // events; `--mark 7` and `--mark 7/0xf` the same entry.
    let zone3 = frames("more/ct_xml.pcap", "kind=dump-reply and zone=3");
    assert!(zone3.len() >= 8, "{zone3:?}");
    assert_eq!(
        frames("more/ct_xml.pcap", "kind=dump-reply and mark=7"),
        zone3
    );
    assert_eq!(
        frames("more/ct_xml.pcap", "kind=dump-reply and mark=0x17/0xf"),
        zone3
    );
    // `--dst-nat` / `--src-nat` / `--any-nat`: the two NAT'd entries.
    let dnat = frames("more/ct_xml.pcap", "kind=dump-reply and nat=dst");
    let snat = frames("more/ct_xml.pcap", "kind=dump-reply and nat=src");
    let any = frames("more/ct_xml.pcap", "kind=dump-reply and nat=any");
    assert!(!dnat.is_empty() && !snat.is_empty(), "{dnat:?} {snat:?}");
    // (One message per entry: a frame holds both entries of each dump.)
    let mut both: Vec<u64> = dnat.iter().chain(&snat).copied().collect();
    both.sort();
    assert_eq!(any, both);
    // `--status ASSURED`, `-l foo` (label bit 0): subsets of the dump.
    let all = frames("more/ct_xml.pcap", "kind=dump-reply");
    let assured = frames("more/ct_xml.pcap", "kind=dump-reply and status=assured");
    assert!(!assured.is_empty() && assured.len() < all.len());
    let foo = frames("more/ct_xml.pcap", "kind=dump-reply and label=0");
    assert!(!foo.is_empty() && foo.len() < all.len(), "{foo:?}");
}

/// A live capture on stdin (`tcpdump -U -w - | nfct-decode -`): each record is
/// printed as it arrives, not held back for a batch (stdin decodes on one thread
/// unless -j is given).
#[test]
fn stdin_prints_each_record_as_it_arrives() {
    use std::io::{BufRead, Write};
    use std::process::{Command, Stdio};
    let cap = crate::common::capture("events.pcap");
    // The pcap header and the first record (16-byte header + its caplen).
    let caplen = u32::from_le_bytes(cap[24 + 8..24 + 12].try_into().unwrap()) as usize;
    let first = &cap[..24 + 16 + caplen];
    let mut child = Command::new(env!("CARGO_BIN_EXE_nfct-decode"))
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(first).unwrap();
    stdin.flush().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    // The line comes while stdin is still open.
    let line = rx.recv_timeout(std::time::Duration::from_secs(20));
    drop(stdin);
    let _ = child.wait();
    let line = line.expect("no line for the first record while the pipe was open");
    assert!(line.starts_with("     1 "), "{line}");
}
