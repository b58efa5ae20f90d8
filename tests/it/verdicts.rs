//! Verdicts against the kernel's real answers: the requests and answers the
//! differential harness recorded from a live 6.18 kernel (corpus/kernel), and every
//! exchange of the real captures.

use crate::common::{capture, capture_path, render};
use crate::support::corpus;
use nfct_decode::model::{Body, Direction, Kind};
use nfct_decode::run::Format;
use nfct_decode::schema::paths;
use nfct_decode::verdict::{self, Answer, Outcome, Verdict};
use nfct_decode::view::Msg;
use nfct_decode::wire::Endian;
use nfct_decode::Options;
use std::collections::BTreeMap;

/// One recorded case: the request's verdict and flags, and what the kernel said.
struct Case {
    frame: u64,
    /// nfnetlink subsystem of the request.
    subsys: u8,
    verdict: Verdict,
    flags: u16,
    seq: u32,
    error: Option<i32>,
    offs: Option<u64>,
    replied: bool,
}

impl Case {
    fn answer(&self) -> Answer {
        match self.error {
            Some(0) => Answer::Ack,
            Some(e) => Answer::Error(-e),
            None if self.replied => Answer::Replied,
            None => Answer::Silent,
        }
    }
}

/// corpus/kernel/kernel_diff.pcap holds, for each case, the request record followed
/// by the records the kernel answered it with (examples/kernel_diff.rs --record).
fn kernel_cases() -> Vec<Case> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/kernel/kernel_diff.pcap");
    let bytes = std::fs::read(path).unwrap();
    // The harness's requests are little-endian; mutated lengths can make the
    // detection doubt, so the byte order is given.
    let cap = corpus::decode_with(
        &bytes,
        Options {
            endian: Some(Endian::Little),
            ..Options::default()
        },
    );
    let mut cases: Vec<Case> = Vec::new();
    for r in &cap.records {
        assert_eq!(r.frame.link.protocol, corpus::NETFILTER, "{:?}", r.frame);
        let rec = r.record();
        let first = rec.messages.first();
        let is_request = match first {
            Some(m) => m.direction == Direction::ToKernel,
            None => rec.verdict.is_some(),
        };
        if is_request {
            let v = first
                .and_then(|m| m.verdict.clone())
                .or_else(|| rec.verdict.clone());
            let (flags, seq, subsys) = match first {
                Some(m) => (m.header.flags, m.header.seq, (m.header.ty >> 8) as u8),
                None => (0, 0, 0),
            };
            if let Some(verdict) = v {
                cases.push(Case {
                    frame: r.frame.number,
                    subsys,
                    verdict,
                    flags,
                    seq,
                    error: None,
                    offs: None,
                    replied: false,
                });
            }
            continue;
        }
        let Some(c) = cases.last_mut() else { continue };
        for m in &rec.messages {
            match (&m.body, m.kind) {
                (Body::Error { error, echo }, _) => {
                    let mine = echo.as_ref().is_none_or(|e| e.header.seq == c.seq);
                    if mine && c.error.is_none() {
                        c.error = Some(*error);
                        c.offs = Msg::new(rec, &r.data, m)
                            .at(&paths::EXTACK_OFFS)
                            .and_then(|a| a.uint());
                    }
                }
                (_, Kind::Done | Kind::DumpReply | Kind::Reply) => c.replied = true,
                _ => {}
            }
        }
    }
    cases
}

/// Every verdict on the recorded requests equals what the kernel answered; the
/// errno of every rejection is the kernel's; every extended-ACK offset the kernel
/// gave is the verdict's.
#[test]
fn recorded_kernel_answers_agree() {
    let cases = kernel_cases();
    let mut by: BTreeMap<String, usize> = BTreeMap::new();
    let mut offsets = 0;
    for c in &cases {
        let a = c.answer();
        assert!(
            verdict::agrees(&c.verdict, a, c.flags),
            "frame {}: verdict {} ({:?}), kernel {a:?}",
            c.frame,
            c.verdict,
            c.verdict.path
        );
        if let Some(ok) = verdict::errno_agrees(&c.verdict, a) {
            assert!(ok, "frame {}: verdict {}, kernel {a:?}", c.frame, c.verdict);
        }
        if let Some(o) = c.offs {
            assert_eq!(
                c.verdict.extack_offset,
                Some(o as usize),
                "frame {}: extack offset",
                c.frame
            );
            offsets += 1;
        }
        let key = format!(
            "{} {}",
            c.verdict.kernel.as_str(),
            c.verdict.errno_name().unwrap_or("")
        );
        *by.entry(key.trim().to_string()).or_default() += 1;
    }
    // The corpus covers every kind of verdict.
    assert!(cases.len() > 5000, "{} cases", cases.len());
    assert!(offsets > 250, "{offsets} extack offsets");
    for (k, min) in [
        ("accept", 2000),
        ("reject EINVAL", 500),
        ("reject ERANGE", 200),
        ("reject EOPNOTSUPP", 100),
        ("reject EBUSY", 5),
        ("reject ENOENT", 10),
        ("drop", 50),
        ("depends", 10),
    ] {
        assert!(by.get(k).copied().unwrap_or(0) >= min, "{k}: {by:?}");
    }
}

/// The recorded cttimeout requests (the harness covers them like ctnetlink's):
/// every kind of verdict, and the table's EBUSY (a policy of that name exists, or
/// is in use) agreeing with an accept only through `Verdict::table`.
#[test]
fn recorded_cttimeout_answers_agree() {
    let cases: Vec<Case> = kernel_cases()
        .into_iter()
        .filter(|c| c.subsys == 8)
        .collect();
    let mut by: BTreeMap<String, usize> = BTreeMap::new();
    let mut busy_by_table = 0;
    for c in &cases {
        let a = c.answer();
        assert!(
            verdict::agrees(&c.verdict, a, c.flags),
            "frame {}: verdict {}, kernel {a:?}",
            c.frame,
            c.verdict
        );
        if c.verdict.kernel == Outcome::Accept && a == Answer::Error(16) {
            assert_eq!(c.verdict.table, &[16], "frame {}", c.frame);
            busy_by_table += 1;
            let mut without = c.verdict.clone();
            without.table = &[];
            assert!(!verdict::agrees(&without, a, c.flags));
        }
        let key = format!(
            "{} {} {}",
            c.verdict.kernel.as_str(),
            c.verdict.errno_name().unwrap_or(""),
            c.verdict.cite
        );
        *by.entry(key).or_default() += 1;
    }
    // The recording of seed 1 holds 2011 cttimeout cases, 14 of them a table EBUSY.
    assert!(cases.len() > 1500, "{} cttimeout cases", cases.len());
    assert!(busy_by_table >= 10, "{busy_by_table}");
    for (k, min) in [
        ("accept  cttimeout_new_timeout", 300),
        ("accept  cttimeout_get_timeout", 100),
        ("accept  cttimeout_del_timeout", 70),
        ("accept  cttimeout_default_set", 150),
        ("accept  cttimeout_default_get", 200),
        ("reject EINVAL cttimeout_new_timeout", 80),
        ("reject EINVAL cttimeout_get_timeout", 20),
        ("reject EINVAL cttimeout_default_set", 40),
        ("reject EINVAL cttimeout_default_get", 80),
        ("reject EOPNOTSUPP cttimeout_new_timeout", 25),
        ("reject EOPNOTSUPP cttimeout_default_set", 30),
        ("reject EOPNOTSUPP cttimeout_default_get", 60),
        ("reject ERANGE nfnetlink_rcv_msg", 100),
        ("reject ERANGE ctnl_timeout_parse_policy", 25),
        ("depends  cttimeout_new_timeout", 30),
        ("depends  cttimeout_default_set", 5),
    ] {
        assert!(by.get(k).copied().unwrap_or(0) >= min, "{k}: {by:#?}");
    }
}

/// Every exchange of the real captures pairs a request with the kernel's real
/// answer: each verdict agrees with it.
#[test]
fn capture_exchanges_agree() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/captures");
    let mut names: Vec<String> = Vec::new();
    for sub in ["", "more"] {
        for e in std::fs::read_dir(root.join(sub)).unwrap() {
            let n = e.unwrap().file_name().into_string().unwrap();
            if n.ends_with(".pcap") {
                names.push(if sub.is_empty() {
                    n
                } else {
                    format!("{sub}/{n}")
                });
            }
        }
    }
    names.sort();
    let mut judged = 0;
    let mut rejected = 0;
    for name in &names {
        let out = render_exchanges(&capture(name));
        for line in out.lines() {
            let ex: serde_json::Value = serde_json::from_str(line).unwrap();
            if ex.get("verdict").is_none() {
                continue;
            }
            match ex["verdict_agrees"].as_bool() {
                Some(true) => judged += 1,
                Some(false) => panic!("{name}: {ex}"),
                None => {}
            }
            if ex["verdict"]["kernel"] == "reject" {
                rejected += 1;
            }
        }
    }
    assert!(judged >= 140, "{judged} exchanges judged");
    assert!(rejected >= 8, "{rejected} rejections");
}

fn render_exchanges(bytes: &[u8]) -> String {
    use nfct_decode::run::{Config, Runner};
    let mut runner = Runner::new(Config {
        format: Format::Json,
        exchanges: true,
        ..Config::default()
    });
    let mut out = Vec::new();
    runner.run_slice(bytes, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The refused requests of errors_extack.pcap, one by one (errors_extack.txt says
/// what the kernel answered): the verdict, its errno, the deciding attribute and
/// the extended-ACK offset.
#[test]
fn errors_extack_verdicts() {
    let out = render(&capture("errors_extack.pcap"), Format::Json, false, None);
    let mut got = Vec::new();
    for line in out.lines() {
        let m: serde_json::Value = serde_json::from_str(line).unwrap();
        if m["direction"] != "to-kernel" {
            continue;
        }
        let v = &m["verdict"];
        got.push((
            m["frame"].as_u64().unwrap(),
            v["kernel"].as_str().unwrap().to_string(),
            v["errno"].as_str().unwrap_or("").to_string(),
            v["path"].as_str().unwrap_or("").to_string(),
            v["offset"].as_u64(),
        ));
    }
    let want: Vec<(u64, &str, &str, &str, Option<u64>)> = vec![
        // (a) 2-byte CTA_STATUS: ct_nla_policy, -ERANGE, extack OFFS 124.
        (1, "reject", "ERANGE", "status", Some(124)),
        // (b) CTA_TIMESTAMP_EVENT: NLA_REJECT, -EINVAL, OFFS 132.
        (3, "reject", "EINVAL", "timestamp-event", Some(132)),
        // (c) filter orig-flags 0xffffffff: the strict filter parse, -EINVAL.
        (5, "reject", "EINVAL", "filter.orig-flags", Some(24)),
        // (d) a get of a missing entry: ENOENT is the table's answer.
        (7, "accept", "", "", None),
        // (e) a create with tuple-orig only: -EINVAL.
        (9, "reject", "EINVAL", "tuple-reply", Some(0)),
        // (f) AF_INET6 create with an 8-byte ip-v6-src: -ERANGE, nested (no OFFS).
        (
            11,
            "reject",
            "ERANGE",
            "tuple-orig.tuple-ip.ip-v6-src",
            Some(28),
        ),
        // (g), (h) accepted CTA_FILTER dumps; (i) a valid create; (j) stray bytes.
        (13, "accept", "", "", None),
        (16, "accept", "", "", None),
        (19, "accept", "", "", None),
        (21, "accept", "", "", None),
        // (k) a duplicate create with status 0: the kernel answered EEXIST, a table
        // answer that comes before the status check, which would refuse it (EBUSY).
        (24, "reject", "EBUSY", "status", Some(132)),
    ];
    let got_ref: Vec<(u64, &str, &str, &str, Option<u64>)> = got
        .iter()
        .map(|(f, k, e, p, o)| (*f, k.as_str(), e.as_str(), p.as_str(), *o))
        .collect();
    assert_eq!(got_ref, want);
    // The (k) verdict agrees with the real EEXIST through the lookup order.
    let ex = render_exchanges(&capture("errors_extack.pcap"));
    let k: Vec<serde_json::Value> = ex
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|e: &serde_json::Value| e["request"]["frame"] == 24)
        .collect();
    assert_eq!(k[0]["error"]["name"], "EEXIST");
    assert_eq!(k[0]["verdict_agrees"], true);
}

/// The text line and `-v` show the verdict.
#[test]
fn verdict_in_text_output() {
    let out = render(&capture("errors_extack.pcap"), Format::Text, true, Some(1));
    assert!(
        out.lines().next().unwrap().ends_with(
            " kernel: rejects ERANGE, status: 2 bytes, ct_nla_policy wants at least 4 (NLA_U32)"
        ),
        "{out}"
    );
    assert!(out.contains(
        "\n         kernel: rejects ERANGE at status (offset 124): status: 2 bytes, ct_nla_policy wants at least 4 (NLA_U32) [nfnetlink_rcv_msg]\n"
    ));
    assert!(
        out.contains("value_too_short at status (offset 124): 2 bytes for a u32 [kernel rejects]")
    );
    let _ = capture_path;
}

/// A buffer whose first nlmsghdr cannot be read is dropped: its notice says so.
#[test]
fn unreadable_first_header_is_dropped() {
    // nlmsg_len 8 in a 16-byte record.
    let mut bytes = vec![8u8, 0, 0, 0, 0x01, 0x01, 0x01, 0, 1, 0, 0, 0, 0, 0, 0, 0];
    let pcap = nfct_decode::encode::pcap_netlink(12, &[&bytes]);
    let out = render(&pcap, Format::Json, false, None);
    let n: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(n["notice"], true);
    assert_eq!(n["findings"][0]["code"], "nlmsg_len_too_small");
    assert_eq!(n["verdict"]["kernel"], "drop");
    assert_eq!(n["verdict"]["cite"], "nfnetlink_rcv");
    // The same header with a length that fits is judged as a message.
    bytes[0] = 20;
    bytes.extend([2, 0, 0, 0]);
    let pcap = nfct_decode::encode::pcap_netlink(12, &[&bytes]);
    let out = render(&pcap, Format::Json, false, None);
    let m: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(m["verdict"]["kernel"], "reject");
    assert_eq!(m["verdict"]["path"], "tuple-orig");
    let _ = Outcome::Accept;
}
