//! `--annotate OUT.pcapng` (issue 16): every record and timestamp kept, one packet
//! comment per finding and verdict, readable by tshark as `frame.comment`.

use crate::common::{capture, capture_path, every_capture, run_bin};
use nfct_decode::capture::{for_each_event_in_slice, Event};
use std::collections::BTreeMap;

/// (frame, timestamp, record bytes after the cooked header) of every frame event,
/// and the frame numbers of the notices.
type Frames = Vec<(u64, std::time::Duration, Vec<u8>)>;

fn frames(bytes: &[u8]) -> (Frames, Vec<Option<u64>>) {
    let (mut f, mut n) = (Vec::new(), Vec::new());
    for_each_event_in_slice(bytes, &mut |ev| match ev {
        Event::Frame(x) => f.push((x.meta.number, x.meta.ts, x.data.to_vec())),
        Event::Notice { frame, .. } => n.push(frame),
    })
    .unwrap();
    (f, n)
}

fn annotated(name: &str) -> Vec<u8> {
    let out = std::env::temp_dir().join(format!(
        "nfct-annotate-{}-{}.pcapng",
        std::process::id(),
        name.replace('/', "_")
    ));
    let (code, stdout, err) = run_bin(
        &[
            "--annotate",
            out.to_str().unwrap(),
            capture_path(name).to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{name}: {err}");
    assert!(stdout.contains(" records, "), "{stdout}");
    let bytes = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    bytes
}

/// The comments of each frame, read back with pcap-file.
fn comments(pcapng: &[u8]) -> BTreeMap<u64, Vec<String>> {
    use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketOption;
    use pcap_file::pcapng::blocks::opt_common::CommonOption;
    use pcap_file::pcapng::{Block, PcapNgReader};
    let mut r = PcapNgReader::new(pcapng).unwrap();
    let (mut frame, mut out) = (0u64, BTreeMap::new());
    while let Some(b) = r.next_block() {
        match b.unwrap().0 {
            Block::EnhancedPacket(epb) => {
                frame += 1;
                let c: Vec<String> = epb
                    .options
                    .iter()
                    .filter_map(|o| match o {
                        EnhancedPacketOption::Common(CommonOption::Comment(c)) => {
                            Some(c.to_string())
                        }
                        _ => None,
                    })
                    .collect();
                if !c.is_empty() {
                    out.insert(frame, c);
                }
            }
            Block::SimplePacket(_) | Block::Packet(_) => frame += 1,
            _ => {}
        }
    }
    out
}

/// Every capture, pcap and pcapng: the same records, bytes and timestamps.
#[test]
fn every_record_and_timestamp_is_kept() {
    let names = every_capture();
    assert!(names.len() > 40);
    for name in names {
        let (a, an) = frames(&capture(&name));
        let (b, bn) = frames(&annotated(&name));
        assert_eq!(a.len(), b.len(), "{name}");
        assert!(a == b, "{name}: records differ");
        assert_eq!(an, bn, "{name}: notices");
    }
}

/// errors_extack: one comment per finding and verdict, and every `kernel: rejects
/// EXXX` comment of a request is what the kernel answered it in the capture
/// (errors_extack.txt: each malformed request got an NLMSG_ERROR).
#[test]
fn comments_carry_findings_and_verdicts() {
    let c = comments(&annotated("errors_extack.pcap"));
    assert!(c.len() >= 10, "{c:?}");
    // (a): CT NEW with a 2-byte CTA_STATUS, answered ERANGE.
    let first = &c[&1];
    assert!(
        first
            .iter()
            .any(|s| s.starts_with("error value_too_short at status (offset 124)")),
        "{first:?}"
    );
    assert!(
        first
            .iter()
            .any(|s| s.starts_with("kernel: rejects ERANGE")),
        "{first:?}"
    );
    // Every request's verdict against the answer that followed it.
    let json = {
        let (_, out, _) = run_bin(
            &[
                "-f",
                "json",
                capture_path("errors_extack.pcap").to_str().unwrap(),
            ],
            None,
        );
        out.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .collect::<Vec<_>>()
    };
    let mut checked = 0;
    for (i, m) in json.iter().enumerate() {
        let Some(errno) = m["verdict"]["errno"].as_str() else {
            continue;
        };
        let frame = m["frame"].as_u64().unwrap();
        let answer = json[i + 1..]
            .iter()
            .find(|a| a["direction"] == "from-kernel" && a["nlmsg"]["seq"] == m["nlmsg"]["seq"])
            .unwrap();
        // ENOENT and EEXIST are the table's answers (the entry's presence decides
        // before the checks that follow the lookup: verdict::is_table_answer).
        let got = answer["error"]["name"].as_str().unwrap();
        assert!(
            got == errno || got == "EEXIST" || got == "ENOENT",
            "frame {frame}: {got} {errno}"
        );
        assert!(
            c[&frame]
                .iter()
                .any(|s| s.starts_with(&format!("kernel: rejects {errno}"))),
            "frame {frame}: {:?}",
            c[&frame]
        );
        checked += 1;
    }
    assert!(checked >= 6, "{checked}");
    // Real traffic: only infos (conntrack's requests carry nonzero padding) and
    // accepting verdicts.
    let clean = comments(&annotated("insert_and_list.pcap"));
    assert!(!clean.is_empty());
    for (frame, l) in clean {
        assert!(
            l.iter().all(|s| s.starts_with("kernel: accepts")
                || s.starts_with("kernel: depends")
                || s.starts_with("info ")),
            "frame {frame}: {l:?}"
        );
    }
}

/// tshark reads the output and filters on the comments.
#[test]
fn tshark_shows_the_comments() {
    if std::process::Command::new("tshark")
        .arg("--version")
        .output()
        .is_err()
    {
        // .ci/run installs tshark; elsewhere this needs it installed.
        assert!(std::env::var_os("CI").is_none(), "tshark is missing on CI");
        eprintln!("tshark not installed: skipped");
        return;
    }
    let bytes = annotated("errors_extack.pcap");
    let path = std::env::temp_dir().join(format!(
        "nfct-annotate-tshark-{}.pcapng",
        std::process::id()
    ));
    std::fs::write(&path, &bytes).unwrap();
    let out = std::process::Command::new("tshark")
        .args([
            "-n",
            "-r",
            path.to_str().unwrap(),
            "-Y",
            "frame.comment contains \"value_too_short\"",
            "-T",
            "fields",
            "-e",
            "frame.number",
        ])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let got: Vec<u64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect();
    let want: Vec<u64> = comments(&bytes)
        .into_iter()
        .filter(|(_, l)| l.iter().any(|s| s.contains("value_too_short")))
        .map(|(f, _)| f)
        .collect();
    assert!(!want.is_empty());
    assert_eq!(got, want);
}
