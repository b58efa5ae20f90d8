//! Every real capture decodes with the record and message counts of its manifest
//! (corpus/captures/MANIFEST.md, RECORDED.md), the message names the manifest lists,
//! and no warning, error or unknown attribute: real kernel traffic is valid.

use crate::common::{capture, capture_path, decode, render, Msg};
use nfct_decode::run::Format;
use nfct_decode::Severity;
use std::collections::BTreeMap;

/// (file, records, messages, message names and counts as the manifests list them).
/// The names are ours (`ctnetlink new` = the manifest's "CT NEW").
type ManifestRow = (&'static str, u64, usize, &'static [(&'static str, usize)]);
const MANIFEST: &[ManifestRow] = &[
    (
        "list_empty.pcap",
        2,
        2,
        &[("ctnetlink get", 1), ("done", 1)],
    ),
    (
        "nlmon-list_empty.pcap",
        2,
        2,
        &[("ctnetlink get", 1), ("done", 1)],
    ),
    (
        "insert_and_list.pcap",
        56,
        126,
        &[
            ("ctnetlink new", 93),
            ("ctnetlink get", 11),
            ("ack", 12),
            ("done", 10),
        ],
    ),
    (
        "insert_and_list.pcapng",
        56,
        126,
        &[
            ("ctnetlink new", 93),
            ("ctnetlink get", 11),
            ("ack", 12),
            ("done", 10),
        ],
    ),
    (
        "get_update_delete.pcap",
        30,
        32,
        &[
            ("ctnetlink get", 8),
            ("ctnetlink new", 11),
            ("ctnetlink delete", 3),
            ("ack", 4),
            ("error", 2),
            ("done", 4),
        ],
    ),
    (
        "stats.pcap",
        10,
        12,
        &[
            ("ctnetlink get-stats-cpu", 3),
            ("ctnetlink get-stats", 2),
            ("ctnetlink-exp get-stats-cpu", 1),
            ("ctnetlink get-ctrzero", 2),
            ("ctnetlink-exp get", 1),
            ("done", 3),
        ],
    ),
    (
        "events.pcap",
        26,
        26,
        &[("ctnetlink new", 20), ("ctnetlink delete", 6)],
    ),
    (
        "events.pcapng",
        26,
        26,
        &[("ctnetlink new", 20), ("ctnetlink delete", 6)],
    ),
    (
        "expect.pcap",
        11,
        11,
        &[
            ("ctnetlink-exp get", 3),
            ("ctnetlink-exp new", 2),
            ("ctnetlink get", 1),
            ("ctnetlink new", 1),
            ("done", 4),
        ],
    ),
    (
        "big_dump.pcap",
        203,
        3002,
        &[("ctnetlink get", 1), ("ctnetlink new", 3000), ("done", 1)],
    ),
    (
        "nlmon-any_sll2.pcap",
        3,
        4,
        &[("ctnetlink get", 1), ("ctnetlink new", 2), ("done", 1)],
    ),
    // Recorded for this repository (RECORDED.md).
    (
        "nat.pcap",
        64,
        125,
        &[
            ("ctnetlink new", 101),
            ("ctnetlink get", 11),
            ("ack", 5),
            ("done", 8),
        ],
    ),
    (
        "filter_dumps.pcap",
        45,
        97,
        &[
            ("ctnetlink get", 14),
            ("ctnetlink get-ctrzero", 1),
            ("ctnetlink new", 67),
            ("done", 15),
        ],
    ),
    (
        "gre_sctp.pcap",
        49,
        85,
        &[
            ("ctnetlink new", 62),
            ("ctnetlink get", 8),
            ("ctnetlink delete", 2),
            ("ack", 5),
            ("error", 1),
            ("done", 7),
        ],
    ),
];

fn tally(msgs: &[Msg]) -> BTreeMap<String, usize> {
    let mut t = BTreeMap::new();
    for m in msgs {
        *t.entry(m.name.clone()).or_insert(0) += 1;
    }
    t
}

#[test]
fn manifest_counts_and_names() {
    for &(file, records, messages, names) in MANIFEST {
        let (msgs, recs, _) = decode(&capture(file));
        assert_eq!(recs, records, "{file}: records");
        assert_eq!(msgs.len(), messages, "{file}: messages");
        let want: BTreeMap<String, usize> =
            names.iter().map(|(n, c)| (n.to_string(), *c)).collect();
        assert_eq!(tally(&msgs), want, "{file}: message names");
    }
}

/// Every capture in corpus/captures (and more/), except errors_* whose requests were
/// malformed on purpose, has no warning or error finding and no unknown attribute;
/// the only exceptions are requests the kernel refused in the capture, whose
/// verdicts say why: more/ct_output frame 12 (`conntrack -I --orig-zone 4
/// --reply-zone 5`: "invalid parameters") and more/pyroute2_ct frame 8 (a create
/// whose status lacks IPS_CONFIRMED: EBUSY, as the script expected).
#[test]
fn real_traffic_is_valid() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/captures");
    let mut seen = 0;
    let mut names = Vec::new();
    for sub in ["", "more"] {
        for e in std::fs::read_dir(root.join(sub)).unwrap() {
            let n = e.unwrap().file_name().into_string().unwrap();
            names.push(if sub.is_empty() {
                n
            } else {
                format!("{sub}/{n}")
            });
        }
    }
    for name in names {
        if !(name.ends_with(".pcap") || name.ends_with(".pcapng")) || name.starts_with("errors_") {
            continue;
        }
        seen += 1;
        let (msgs, _, notices) = decode(&capture(&name));
        assert!(notices.is_empty(), "{name}: {notices:?}");
        for m in &msgs {
            assert_eq!(
                m.unknown_attrs, 0,
                "{name} frame {}: unknown attribute",
                m.frame
            );
            let bad: Vec<_> = m
                .findings
                .iter()
                .filter(|f| f.severity > Severity::Info)
                .collect();
            if name.starts_with("more/ct_output.pcap") && m.frame == 12 {
                let codes: Vec<_> = bad
                    .iter()
                    .map(|f| (f.code.as_str(), f.path.as_str()))
                    .collect();
                assert_eq!(codes, vec![("zone_conflict", "tuple-reply.tuple-zone")]);
                continue;
            }
            if name.starts_with("more/nfqueue_ct.pcap") && (m.frame == 22 || m.frame == 23) {
                // NFQA_CFG_FLAGS 0x100 on purpose (and its echo in the kernel's
                // answer): the kernel answers EOPNOTSUPP.
                let codes: Vec<_> = bad
                    .iter()
                    .map(|f| (f.code.as_str(), f.path.as_str()))
                    .collect();
                assert_eq!(codes, vec![("unknown_flag_bits", "flags")]);
                continue;
            }
            if name.starts_with("more/pyroute2_ct.pcap") && m.frame == 8 {
                let codes: Vec<_> = bad
                    .iter()
                    .map(|f| (f.code.as_str(), f.path.as_str()))
                    .collect();
                assert_eq!(codes, vec![("status_change_refused", "status")]);
                continue;
            }
            assert!(bad.is_empty(), "{name} frame {}: {bad:?}", m.frame);
        }
    }
    assert!(seen >= 20, "only {seen} captures found");
}

/// The refused requests of errors_extack.pcap give exactly the findings the kernel's
/// answers justify (see errors_extack.txt), each saying what the kernel does with
/// it; the echoes in the kernel's errors repeat the request's (without a kernel
/// action: they are not requests).
#[test]
fn errors_extack_findings() {
    let (msgs, _, _) = decode(&capture("errors_extack.pcap"));
    let mut got: Vec<(u64, &str, &str, String, Option<&str>)> = Vec::new();
    for m in &msgs {
        for f in &m.findings {
            if f.severity > Severity::Info {
                got.push((
                    m.frame,
                    m.kind,
                    f.code.as_str(),
                    f.path.clone(),
                    f.kernel.map(|k| k.as_str()),
                ));
            }
        }
    }
    let want: Vec<(u64, &str, &str, &str, Option<&str>)> = vec![
        // (a) 2-byte status.
        (1, "request", "value_too_short", "status", Some("rejects")),
        (2, "error", "value_too_short", "status", None),
        // (b) timestamp-event in a request.
        (
            3,
            "request",
            "rejected_in_request",
            "timestamp-event",
            Some("rejects"),
        ),
        (4, "error", "rejected_in_request", "timestamp-event", None),
        // (c) filter flags 0xffffffff; they also select ip-src etc. without
        // tuple-orig, which the kernel never gets to.
        (
            5,
            "dump-request",
            "unknown_filter_flags",
            "filter.orig-flags",
            Some("rejects"),
        ),
        (
            5,
            "dump-request",
            "missing_attr",
            "tuple-orig",
            Some("not-reached"),
        ),
        (
            6,
            "error",
            "unknown_filter_flags",
            "filter.orig-flags",
            None,
        ),
        // (e) create with only tuple-orig.
        (
            9,
            "request",
            "create_missing_attr",
            "tuple-reply",
            Some("rejects"),
        ),
        (
            9,
            "request",
            "create_missing_attr",
            "timeout",
            Some("not-reached"),
        ),
        // (f) 8-byte ip-v6-src (and no tuple-reply either).
        (
            11,
            "request",
            "below_min_len",
            "tuple-orig.tuple-ip.ip-v6-src",
            Some("rejects"),
        ),
        (
            11,
            "request",
            "create_missing_attr",
            "tuple-reply",
            Some("not-reached"),
        ),
        (
            12,
            "error",
            "below_min_len",
            "tuple-orig.tuple-ip.ip-v6-src",
            None,
        ),
        // (j) 2 stray bytes after the attributes: the kernel warned.
        (21, "request", "leftover_bytes", "", Some("ignores-rest")),
        // (k) unknown attribute 99, and a status of 0 that clears confirmed.
        (
            24,
            "request",
            "unknown_attr",
            "attr-99",
            Some("ignores-attribute"),
        ),
        (
            24,
            "request",
            "status_change_refused",
            "status",
            Some("rejects"),
        ),
        (25, "error", "unknown_attr", "attr-99", None),
    ];
    let got: Vec<(u64, &str, &str, &str, Option<&str>)> = got
        .iter()
        .map(|(a, b, c, d, e)| (*a, *b, *c, d.as_str(), *e))
        .collect();
    assert_eq!(got, want);
}

/// conntrack -E classifies events by type and flags: the capture holds what
/// events.txt printed, 6 [NEW], 14 [UPDATE], 6 [DESTROY].
#[test]
fn event_kinds_match_conntrack() {
    let (msgs, _, _) = decode(&capture("events.pcap"));
    let count = |k: &str| msgs.iter().filter(|m| m.kind == k).count();
    let tr = crate::support::transcript::read("events.txt");
    let printed = |p: &str| {
        tr.cmds
            .iter()
            .flat_map(|c| &c.out)
            .filter(|l| l.trim_start().starts_with(p))
            .count()
    };
    assert_eq!(count("event-new"), printed("[NEW]"));
    assert_eq!(count("event-update"), printed("[UPDATE]"));
    assert_eq!(count("event-destroy"), printed("[DESTROY]"));
    assert_eq!(
        (
            count("event-new"),
            count("event-update"),
            count("event-destroy")
        ),
        (6, 14, 6)
    );
}

/// Header fields of `conntrack -L` on an empty table (list_empty.pcap): the dump
/// request and the kernel's NLMSG_DONE.
#[test]
fn list_empty_header_fields() {
    let (msgs, _, _) = decode(&capture("list_empty.pcap"));
    let req = &msgs[0];
    assert_eq!(
        (req.ty, req.flags, req.kind),
        (0x0101, 0x0301, "dump-request")
    );
    assert_eq!((req.family, req.res_id), (Some(0), Some(0)));
    let done = &msgs[1];
    assert_eq!((done.ty, done.kind), (3, "done"));
    assert_eq!(
        done.flags & 0x2,
        0x2,
        "NLMSG_DONE of a dump carries NLM_F_MULTI"
    );
    assert_eq!(done.seq, req.seq);
}

/// Per-CPU stats replies carry the CPU in res_id (big-endian); the expectation
/// stats replies come as type 0x0103 with an info finding.
#[test]
fn stats_res_id_and_exp_stats_quirk() {
    let (msgs, _, _) = decode(&capture("stats.pcap"));
    let cpus: Vec<u16> = msgs
        .iter()
        .filter(|m| m.ty == 0x0104 && m.kind == "dump-reply")
        .map(|m| m.res_id.unwrap())
        .collect();
    assert_eq!(cpus, vec![0, 1]);
    let exp: Vec<&Msg> = msgs.iter().filter(|m| m.ty == 0x0103).collect();
    assert_eq!(exp.len(), 2);
    for m in exp {
        assert_eq!(m.findings.len(), 1);
        assert_eq!(m.findings[0].code.as_str(), "exp_stats_as_ctrzero");
        assert_eq!(m.findings[0].severity, Severity::Info);
    }
}

/// The same records in pcap and pcapng decode to the same messages.
#[test]
fn pcap_and_pcapng_agree() {
    // The whole decoded output, not only the headers: every field of -v and JSON.
    let mut compared = 0;
    for e in std::fs::read_dir(capture_path("")).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        let Some(base) = name.strip_suffix(".pcapng") else {
            continue;
        };
        let (a, b) = (capture(&format!("{base}.pcap")), capture(&name));
        for (format, verbose) in [(Format::Text, true), (Format::Json, false)] {
            let (x, y) = (
                render(&a, format, verbose, None),
                render(&b, format, verbose, None),
            );
            assert!(x.lines().count() > 2, "{base}");
            assert_eq!(x, y, "{base} {format:?}");
        }
        compared += 1;
    }
    assert!(compared >= 10, "{compared} pairs");
}

/// mixed.pcap: other netlink families are shown with headers and raw payload and
/// give no finding at all.
#[test]
fn other_families_without_findings() {
    let (msgs, _, _) = decode(&capture("mixed.pcap"));
    let names = tally(&msgs);
    assert!(names.contains_key("route getlink"), "{names:?}");
    assert!(names.contains_key("nftables newtable"), "{names:?}");
    assert!(names.contains_key("batch-begin"), "{names:?}");
    assert!(names.keys().any(|n| n.starts_with("generic ")), "{names:?}");
    assert!(
        names.contains_key("sock-diag sock-diag-by-family"),
        "{names:?}"
    );
    for m in &msgs {
        if !m.name.starts_with("ctnetlink") {
            assert!(
                m.findings.is_empty(),
                "frame {} {}: {:?}",
                m.frame,
                m.name,
                m.findings
            );
        }
    }
}

/// The recording scripts run from a fresh clone: no absolute path into the machine
/// they were written on, and every file they use (`$S/...`) is in the repository
/// (the strace-to-pcap converter included).
#[test]
fn recording_scripts_are_self_contained() {
    let dir = capture_path("scripts");
    let mut checked = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "sh") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        for bad in ["/work/", "/root/", "/home/"] {
            assert!(!text.contains(bad), "{name} mentions {bad}");
        }
        let mut rest = text.as_str();
        while let Some(i) = rest.find("$S/") {
            rest = &rest[i + 3..];
            let file: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
                .collect();
            assert!(
                dir.join(&file).exists(),
                "{name} uses $S/{file}, which is missing"
            );
        }
        checked += 1;
    }
    assert!(checked >= 10, "{checked} scripts");
    assert!(dir.join("strace2pcap.py").exists());
    // The recordings of corpus/captures/more (listeners, VM kit, configs) too,
    // every file of every subdirectory.
    let mut stack = vec![dir.join("recordings")];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            for bad in ["/work/", "/root/", "/home/"] {
                assert!(!text.contains(bad), "{} mentions {bad}", p.display());
            }
            files += 1;
        }
    }
    assert!(files >= 30, "{files} recording files");
}
