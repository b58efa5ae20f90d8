//! `--ct-output xml` against conntrack 1.4.7's own XML (issue 15), from
//! corpus/captures/more/ct_xml.{pcap,txt}: every listing and event stream of the
//! recording, header and footer included, byte for byte; `--ct-fix` documents
//! parse as XML with the right SCTP state; `--ct-version 1.4.9` output.
//!
//! Frames of the listings in ct_xml.pcap (request, replies, NLMSG_DONE), in the
//! transcript's order: `-L expect` 78-80, `-L` 100-102, `-L -o xml,id` 103-105,
//! `,extended` 106-108, `,timestamp` 109-111, `,labels` 112-114, `,ktimestamp`
//! 115-117, `-f ipv6` 118-120, `-G` 121-122. The three `-E` listeners each received
//! every event: the capture has each ct event three times in a row.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::expect_used
)]

mod support;

use nfct_decode::model::Kind;
use nfct_decode::render::conntrack::{ConntrackRenderer, CtOutput, CtVersion, LabelMap, LineKind};
use std::process::Command;
use support::corpus::{self, DIR};
use support::transcript;

const PCAP: &str = "more/ct_xml.pcap";

/// nfct-decode -f conntrack --replies-only with `args` on ct_xml.pcap: its lines.
fn ours(args: &[&str]) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_nfct-decode"))
        .args(["-f", "conntrack", "--replies-only"])
        .args(args)
        .arg(format!("{DIR}/{PCAP}"))
        .output()
        .unwrap();
    assert!(out.status.code().unwrap() <= 1, "{args:?}: {out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

fn printed(cmd: &str) -> Vec<String> {
    let tr = transcript::read("more/ct_xml.txt");
    tr.find(cmd).out.clone()
}

/// What a background listener printed: its section at the end of the transcript
/// (`# --- output of the background command: timeout -s INT 22 CMD`), without the
/// stderr summary and the exit status.
fn background(cmd: &str) -> Vec<String> {
    let text = std::fs::read_to_string(format!("{DIR}/more/ct_xml.txt")).unwrap();
    let head = format!("# --- output of the background command: timeout -s INT 22 {cmd}");
    let mut lines = text.lines().skip_while(|l| *l != head);
    assert!(lines.next().is_some(), "{cmd}: no output section");
    lines
        .take_while(|l| !l.starts_with("# ---") && !l.starts_with("[exit"))
        .filter(|l| !l.starts_with("conntrack v") && !l.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn listings_are_conntracks_bytes() {
    let labels = format!("{DIR}/connlabel.conf");
    let cases: [(&str, &str, &[&str]); 9] = [
        (
            "conntrack -L expect -o xml",
            "78-80",
            &["--ct-output", "xml"],
        ),
        ("conntrack -L -o xml", "100-102", &["--ct-output", "xml"]),
        (
            "conntrack -L -o xml,id",
            "103-105",
            &["--ct-output", "xml,id"],
        ),
        (
            "conntrack -L -o xml,extended",
            "106-108",
            &["--ct-output", "xml,extended"],
        ),
        // conntrack's -L ignores timestamp.
        (
            "conntrack -L -o xml,timestamp",
            "109-111",
            &["--ct-output", "xml"],
        ),
        (
            "conntrack -L -o xml,labels",
            "112-114",
            &["--ct-output", "xml,labels", "--labels", &labels],
        ),
        (
            "conntrack -L -o xml,ktimestamp",
            "115-117",
            &["--ct-output", "xml,ktimestamp"],
        ),
        (
            "conntrack -L -o xml -f ipv6",
            "118-120",
            &["--ct-output", "xml"],
        ),
        // -G: the header, the flow and no footer.
        (
            "conntrack -G -p tcp -s 198.51.100.1 -d 198.51.100.2 --sport 40001 --dport 80 -o xml",
            "121-122",
            &["--ct-output", "xml"],
        ),
    ];
    for (cmd, frames, args) in cases {
        let want = printed(cmd);
        assert!(want.len() >= 3, "{cmd}: {want:?}");
        let filter = format!("frame={frames}");
        let mut a = vec!["--ct-version", "1.4.7", "--filter", &filter];
        a.extend_from_slice(args);
        same_lines(&ours(&a), &want, cmd);
    }
    // The first listing in full: the header, 11 flows, the footer.
    let l = printed("conntrack -L -o xml");
    assert_eq!(l[0], r#"<?xml version="1.0" encoding="utf-8"?>"#);
    assert_eq!(
        (l[1].as_str(), l.len(), l[13].as_str()),
        ("<conntrack>", 14, "</conntrack>")
    );
}

/// The events of subsystem `subsys` (one copy of each: every listener got them
/// all), rendered with `opts` through the library, then the end of the input.
fn events(subsys: u8, opts: CtOutput, labels: Option<LabelMap>) -> Vec<String> {
    let cap = corpus::decode_file(PCAP);
    let mut r = ConntrackRenderer::new(opts, true).with_labels(labels);
    let mut out = Vec::new();
    // Every event carries CTA_TIMESTAMP_EVENT (ns): equal bytes are copies.
    let mut seen = std::collections::HashSet::new();
    for (frame, _, m) in corpus::netfilter_messages(&cap) {
        if !matches!(m.kind(), Kind::Event(_)) || m.nf().map(|n| n.subsys) != Some(subsys) {
            continue;
        }
        let bytes = m.data()[m.message().offset..m.message().payload.end].to_vec();
        if !seen.insert(bytes) {
            continue;
        }
        assert_eq!(r.format(frame, &m), LineKind::Conntrack);
        out.extend(r.line().lines().map(String::from));
    }
    out.extend(r.finish().lines().map(String::from));
    out
}

/// `got` is `want`, or the first line that differs.
fn same_lines(got: &[String], want: &[String], what: &str) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g, w, "{what}: line {}", i + 1);
    }
    assert_eq!(got.len(), want.len(), "{what}: number of lines");
}

#[test]
fn event_streams_are_conntracks_bytes() {
    let v147 = CtOutput {
        xml: true,
        version: CtVersion::V1_4_7,
        ..CtOutput::default()
    };
    let id = CtOutput { id: true, ..v147 };
    let ts = CtOutput {
        timestamp: true,
        ..v147
    };
    for (cmd, subsys, opts) in [
        ("conntrack -E -o xml", 1, v147),
        ("conntrack -E -o xml,id", 1, id),
        ("conntrack -E -o xml,timestamp", 1, ts),
        ("conntrack -E expect -o xml", 2, v147),
    ] {
        let mut want = background(cmd);
        // conntrack looked the requesting process up in /proc for one event:
        // not in the capture.
        for l in &mut want {
            if let Some(i) = l.find(" progname=") {
                l.truncate(i);
            }
        }
        let got = events(subsys, opts, None);
        assert!(want.len() > 5, "{cmd}");
        same_lines(&got, &want, cmd);
    }
    // 1.4.9 prints no [USERSPACE] suffix in XML; 1.4.7 does on the events that
    // requests caused.
    let with = events(1, v147, None);
    let without = events(
        1,
        CtOutput {
            version: CtVersion::V1_4_9,
            ..v147
        },
        None,
    );
    let suffixed = with
        .iter()
        .filter(|l| l.contains("</flow> [USERSPACE] portid="))
        .count();
    assert!(suffixed > 20, "{suffixed}");
    assert!(without.iter().all(|l| !l.contains("[USERSPACE]")));
    let stripped: Vec<String> = with
        .iter()
        .map(|l| l.split(" [USERSPACE]").next().unwrap().to_string())
        .collect();
    assert_eq!(stripped, without);
}

/// `--ct-fix`: every document is well-formed XML, SCTP states come from the SCTP
/// table, and what was broken (no footer after -G) is closed.
#[test]
fn fixed_xml_parses() {
    let labels = format!("{DIR}/connlabel.conf");
    let lines = ours(&[
        "--ct-output",
        "xml,labels,ktimestamp",
        "--labels",
        &labels,
        "--ct-fix",
    ]);
    let text = lines.join("\n");
    let docs: Vec<&str> = text
        .split(r#"<?xml version="1.0" encoding="utf-8"?>"#)
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .collect();
    assert!(docs.len() >= 10, "{} documents", docs.len());
    let mut flows = 0;
    let mut sctp = Vec::new();
    for d in &docs {
        let doc = roxmltree::Document::parse(d).unwrap_or_else(|e| panic!("{e}:\n{d}"));
        let root = doc.root_element().tag_name().name();
        assert!(root == "conntrack" || root == "expect", "{root}");
        for f in doc.descendants().filter(|n| n.has_tag_name("flow")) {
            flows += 1;
            let proto = f
                .descendants()
                .find(|n| n.has_tag_name("layer4"))
                .and_then(|n| n.attribute("protoname"));
            if proto == Some("sctp") {
                let state = f.descendants().find(|n| n.has_tag_name("state"));
                sctp.push(state.and_then(|s| s.text()).unwrap_or("").to_string());
            }
        }
    }
    assert!(flows > 100, "{flows} flows");
    assert!(
        !sctp.is_empty() && sctp.iter().all(|s| s == "ESTABLISHED"),
        "{sctp:?}"
    );
    // Without --ct-fix the same SCTP entry is FIN_WAIT, as conntrack prints it.
    let plain = ours(&["--ct-output", "xml", "--filter", "frame=100-102"]);
    assert!(plain
        .iter()
        .any(|l| l.contains(r#"protoname="sctp""#) && l.contains("<state>FIN_WAIT</state>")));
}

/// `--ct-version 1.4.9`: `-E -o timestamp` prints the kernel's event time.
#[test]
fn version_1_4_9_prints_the_kernels_event_time() {
    let v149 = ours(&["--ct-output", "timestamp", "--filter", "frame=2"]);
    let v147 = ours(&[
        "--ct-output",
        "timestamp",
        "--ct-version",
        "1.4.7",
        "--filter",
        "frame=2",
    ]);
    // Frame 2: CTA_TIMESTAMP_EVENT 1796116639117808391 ns, captured at
    // 1796116639.117918.
    assert!(
        v149[0].starts_with("[1796116639.117808]\t    [NEW] tcp"),
        "{v149:?}"
    );
    assert!(
        v147[0].starts_with("[1796116639.117918]\t    [NEW] tcp"),
        "{v147:?}"
    );
    assert_eq!(
        v149[0].split_once('\t').unwrap().1,
        v147[0].split_once('\t').unwrap().1
    );
}
