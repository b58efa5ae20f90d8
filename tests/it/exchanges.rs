//! Exchanges, extack resolution, filters and summary over real captures
//! (issue 5). Expected outcomes come from the .txt ground truth of each capture
//! (what conntrack printed and its exit status), not from our own output.

use crate::common::capture;
use nfct_decode::capture::{for_each_event_in_slice, Event};
use nfct_decode::encode::pcap_netlink;
use nfct_decode::filter::Filter;
use nfct_decode::run::{Config, Format, Runner};
use serde_json::Value;
use std::collections::BTreeMap;

fn run(bytes: &[u8], cfg: Config, filters: &[&str]) -> String {
    let mut f = Filter::new();
    for x in filters {
        f.add(x).unwrap();
    }
    let mut r = Runner::new(cfg).with_filter(f);
    let mut out = Vec::new();
    r.run_slice(bytes, &mut out).unwrap();
    r.finish(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn exchanges(bytes: &[u8]) -> Vec<Value> {
    let cfg = Config {
        format: Format::Json,
        exchanges: true,
        ..Config::default()
    };
    run(bytes, cfg, &[])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn json_messages(bytes: &[u8], filters: &[&str]) -> Vec<Value> {
    let cfg = Config {
        format: Format::Json,
        ..Config::default()
    };
    run(bytes, cfg, filters)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Rebuilds a capture keeping only the records for which `keep(frame)` holds.
fn keep_frames(bytes: &[u8], keep: impl Fn(u64) -> bool) -> Vec<u8> {
    let mut recs: Vec<Vec<u8>> = Vec::new();
    for_each_event_in_slice(bytes, &mut |ev| {
        if let Event::Frame(f) = ev {
            if keep(f.meta.number) {
                recs.push(f.data.to_vec());
            }
        }
    })
    .unwrap();
    let refs: Vec<&[u8]> = recs.iter().map(|r| r.as_slice()).collect();
    pcap_netlink(12, &refs)
}

/// get_update_delete.txt, command by command: -G (1 entry), -U (its get, then the
/// update acked), -G, -D (its dump, the delete acked), -D again (dump finds nothing),
/// -G of a missing entry (ENOENT: "such conntrack doesn't exist"), duplicate -I
/// (EEXIST: "Such conntrack exists"), -D -p udp (dump + delete), -F (acked).
#[test]
fn get_update_delete_outcomes() {
    let ex = exchanges(&capture("get_update_delete.pcap"));
    let got: Vec<(String, String, u64)> = ex
        .iter()
        .map(|e| {
            (
                e["request"]["name"].as_str().unwrap().to_string(),
                e["outcome"].as_str().unwrap().to_string(),
                e["replies"].as_u64().unwrap(),
            )
        })
        .collect();
    let want: Vec<(&str, &str, u64)> = vec![
        ("ctnetlink get", "reply", 1), // -G
        ("ctnetlink get", "dump", 2),  // -U: conntrack dumps the table...
        ("ctnetlink new", "ok", 0),    // ...and updates the match
        ("ctnetlink get", "reply", 1), // ...then shows it
        ("ctnetlink get", "reply", 1), // -G
        ("ctnetlink get", "dump", 2),  // -D: dump...
        ("ctnetlink delete", "ok", 0), // ...and delete
        ("ctnetlink get", "dump", 1),  // -D again: only the udp entry is left
        ("ctnetlink get", "error", 0), // -G missing
        ("ctnetlink new", "error", 0), // -I duplicate
        ("ctnetlink get", "dump", 1),  // -D -p udp: dump...
        ("ctnetlink delete", "ok", 0), // ...and delete
        ("ctnetlink delete", "ok", 0), // -F
    ];
    let got_ref: Vec<(&str, &str, u64)> = got
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), *c))
        .collect();
    assert_eq!(got_ref, want);
    assert_eq!(ex[8]["error"]["name"], "ENOENT");
    assert_eq!(ex[9]["error"]["name"], "EEXIST");
    // Every message of the capture belongs to exactly one exchange.
    let mut frames: Vec<u64> = ex
        .iter()
        .flat_map(|e| {
            e["frames"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_u64().unwrap())
        })
        .collect();
    frames.sort();
    frames.dedup();
    assert_eq!(frames, (1..=30).collect::<Vec<u64>>());
}

/// A dump cut by the end of the capture: big_dump.pcap up to record 101 holds the
/// request and 100 receive buffers.
#[test]
fn dump_cut_by_end_of_capture() {
    let cut = keep_frames(&capture("big_dump.pcap"), |n| n <= 101);
    let msgs = json_messages(&cut, &["kind=dump-reply"]);
    let ex = exchanges(&cut);
    assert_eq!(ex.len(), 1);
    assert_eq!(ex[0]["outcome"], "dump-cut");
    assert_eq!(ex[0]["replies"].as_u64().unwrap(), msgs.len() as u64);
    assert_eq!(ex[0]["frames"].as_array().unwrap().len(), 101);
}

/// An error whose request is not in the capture (record 20, the -G of a missing
/// entry, removed).
#[test]
fn error_without_its_request() {
    let cut = keep_frames(&capture("get_update_delete.pcap"), |n| n != 20);
    let ex = exchanges(&cut);
    let orphan: Vec<&Value> = ex.iter().filter(|e| e["request"].is_null()).collect();
    assert_eq!(orphan.len(), 1);
    assert_eq!(orphan[0]["outcome"], "unsolicited");
    assert_eq!(orphan[0]["answer"], "error");
    assert_eq!(orphan[0]["frames"], serde_json::json!([20]));
}

/// A request without an answer in the capture (the ENOENT error removed).
#[test]
fn request_without_answer() {
    let cut = keep_frames(&capture("get_update_delete.pcap"), |n| n != 21);
    let ex = exchanges(&cut);
    let lost: Vec<&Value> = ex.iter().filter(|e| e["outcome"] == "no-answer").collect();
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0]["request"]["frame"], 20);
}

/// errors_extack.txt: the kernel's offsets point at status (a) and
/// timestamp-event (b); (j) is acked with a warning.
#[test]
fn extack_resolved_to_paths() {
    let ex = exchanges(&capture("errors_extack.pcap"));
    let a = &ex[0];
    assert_eq!(a["error"]["name"], "ERANGE");
    assert_eq!(a["extack"]["msg"], "Attribute failed policy validation");
    assert_eq!(a["extack"]["offset"], 124);
    assert_eq!(a["extack"]["path"], "status");
    assert_eq!(a["extack"]["type"], "u32");
    assert_eq!(a["extack"]["policy"]["type"], "u32");
    assert_eq!(a["extack"]["policy"]["max-value-u"], "4294967295");
    let b = &ex[1];
    assert_eq!(
        (b["error"]["name"].as_str(), b["extack"]["path"].as_str()),
        (Some("EINVAL"), Some("timestamp-event"))
    );
    let j = ex
        .iter()
        .find(|e| e["extack"]["msg"] == "bytes leftover after parsing attributes")
        .unwrap();
    assert_eq!(j["outcome"], "ok");
}

#[test]
fn filters_select_messages() {
    let il = capture("insert_and_list.pcap");
    let all = json_messages(&il, &[]);
    // Independent check: count dump replies whose tuples carry port 80.
    let has_port = |m: &Value, p: u64| {
        ["tuple-orig", "tuple-reply"].iter().any(|t| {
            let tp = &m["attrs"][t]["tuple-proto"];
            tp["proto-src-port"] == p || tp["proto-dst-port"] == p
        })
    };
    let want = all
        .iter()
        .filter(|m| m["kind"] == "dump-reply" && has_port(m, 80))
        .count();
    let got = json_messages(&il, &["kind=dump-reply and port=80"]);
    assert!(want > 0);
    assert_eq!(got.len(), want);
    // Addresses with CIDR on either tuple, and family.
    let v6 = json_messages(&il, &["addr=fd00::/64"]);
    assert!(!v6.is_empty());
    assert!(v6.iter().all(|m| m["nfgen"]["family"] == "ipv6"));
    // Every ipv6 message carries an address but the `-L -f ipv6` dump request.
    assert_eq!(v6.len() + 1, json_messages(&il, &["family=ipv6"]).len());
    assert_eq!(
        v6.len(),
        json_messages(&il, &["family=ipv6 and !kind=dump-request"]).len()
    );
    // zone, mark, status.
    for m in json_messages(&il, &["zone=3"]) {
        assert_eq!(m["attrs"]["zone"], 3);
    }
    for m in json_messages(&il, &["mark=5", "kind=dump-reply"]) {
        assert_eq!(m["attrs"]["mark"], 5);
    }
    let assured = json_messages(&il, &["status=assured", "kind=dump-reply"]);
    assert!(!assured.is_empty());
    for m in &assured {
        assert!(m["attrs"]["status"]
            .as_array()
            .unwrap()
            .contains(&Value::from("assured")));
    }
    // Negation and alternatives.
    let n_dump = all.iter().filter(|m| m["kind"] == "dump-reply").count();
    assert_eq!(
        json_messages(&il, &["!kind=dump-reply"]).len(),
        all.len() - n_dump
    );
    let acks_or_done = all
        .iter()
        .filter(|m| m["kind"] == "ack" || m["kind"] == "done")
        .count();
    assert_eq!(
        json_messages(&il, &["kind=ack or kind=done"]).len(),
        acks_or_done
    );
    // Frames.
    let frames: Vec<u64> = json_messages(&il, &["frame=3-5"])
        .iter()
        .map(|m| m["frame"].as_u64().unwrap())
        .collect();
    assert_eq!(frames, vec![3, 4, 5]);
    let frames: Vec<u64> = json_messages(&il, &["frame=2,7-8,126-"])
        .iter()
        .map(|m| m["frame"].as_u64().unwrap())
        .collect();
    assert_eq!(frames, vec![2, 7, 8]);
    // errno and findings.
    let gud = capture("get_update_delete.pcap");
    let enoent = json_messages(&gud, &["errno=ENOENT"]);
    assert_eq!(enoent.len(), 1);
    assert_eq!(enoent[0]["error"]["code"], -2);
    assert_eq!(json_messages(&gud, &["errno=2"]).len(), 1);
    let bad = json_messages(
        &capture("errors_extack.pcap"),
        &["findings=error", "dir=to-kernel"],
    );
    assert!(bad.iter().all(|m| m["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["severity"] == "error")));
    // (a) status, (b) timestamp-event, (c) filter flags, (e) create without
    // tuple-reply and timeout, (f) 8-byte ip-v6-src, (k) a create with status 0
    // (which clears confirmed: the kernel answered EEXIST because the entry existed,
    // a table answer that comes before the status check); (d) is refused for a
    // missing entry, which no decoder can foresee.
    let frames: Vec<u64> = bad.iter().map(|m| m["frame"].as_u64().unwrap()).collect();
    assert_eq!(frames, vec![1, 3, 5, 9, 11, 24]);
}

#[test]
fn filter_errors_are_reported() {
    let mut f = Filter::new();
    let err = |f: &mut Filter, e: &str| f.add(e).unwrap_err().to_string();
    assert_eq!(
        err(&mut f, "colour=red"),
        "unknown filter key \"colour\" (keys: kind, dir, subsys, msg, family, proto, addr, \
         src, dst, port, sport, dport, zone, orig-zone, reply-zone, mark, status, errno, findings, code, frame, nat, \
         label, state, helper)"
    );
    assert_eq!(
        err(&mut f, "protoo=tcp"),
        "unknown filter key \"protoo\": did you mean \"proto\"?"
    );
    assert_eq!(
        err(&mut f, "addr=10.0.0.0/40"),
        "addr=10.0.0.0/40: bad prefix length \"40\" (0 to 32)"
    );
    assert!(err(&mut f, "status=assured,bogus").starts_with(
        "status=bogus: unknown value \"bogus\" (valid: expected, seen-reply, assured,"
    ));
    assert_eq!(
        err(&mut f, "errno=ENOTANERRNO"),
        "errno=ENOTANERRNO: \"ENOTANERRNO\" is not an errno name (ENOENT, EINVAL, ...) or number"
    );
    assert_eq!(
        err(&mut f, "proto=tcp and"),
        "the filter ends with \"and\": a term must follow"
    );
    assert!(f.is_empty(), "a refused expression adds nothing");
}

#[test]
fn count_limits_output() {
    let cfg = Config {
        format: Format::Text,
        max_messages: Some(3),
        ..Config::default()
    };
    assert_eq!(run(&capture("big_dump.pcap"), cfg, &[]).lines().count(), 3);
    let cfg = Config {
        format: Format::Text,
        max_messages: Some(2),
        exchanges: true,
        ..Config::default()
    };
    assert_eq!(
        run(&capture("get_update_delete.pcap"), cfg, &[])
            .lines()
            .count(),
        2
    );
}

#[test]
fn summary_counts() {
    let cfg = Config {
        format: Format::Json,
        summary: true,
        ..Config::default()
    };
    let out = run(&capture("get_update_delete.pcap"), cfg, &[]);
    let s: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(s["records"], 30);
    assert_eq!(s["messages"], 32);
    assert_eq!(s["exchanges"]["dump"], 4);
    assert_eq!(s["exchanges"]["error"], 2);
    assert_eq!(s["exchanges"]["ok"], 4);
    assert_eq!(s["exchanges"]["reply"], 3);
    let errs = s["errors"].as_array().unwrap();
    assert_eq!(errs.len(), 2);
    assert_eq!(s["by_kind"]["done"], 4);
    let dumps: Vec<u64> = s["dumps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["entries"].as_u64().unwrap())
        .collect();
    assert_eq!(dumps, vec![2, 2, 1, 1]);
    // Events by kind: events.txt printed 6 [NEW], 14 [UPDATE], 6 [DESTROY].
    let cfg = Config {
        format: Format::Json,
        summary: true,
        ..Config::default()
    };
    let out = run(&capture("events.pcap"), cfg, &[]);
    let s: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(s["exchanges"]["event-new"], 6);
    assert_eq!(s["exchanges"]["event-update"], 14);
    assert_eq!(s["exchanges"]["event-destroy"], 6);
    assert!(s["duration_us"].as_u64().unwrap() > 0);
}

/// interleaved.txt: two processes, A (port id 17946) and B (17991), interleave
/// dumps, creates, GETs that share seq 300 and 301, and deletes; every answer must
/// land on the request of its own socket.
#[test]
fn interleaved_processes() {
    let ex = exchanges(&capture("interleaved.pcap"));
    let got: Vec<(u64, u64, String, u64)> = ex
        .iter()
        .map(|e| {
            (
                e["seq"].as_u64().unwrap(),
                e["portid"].as_u64().unwrap(),
                e["outcome"].as_str().unwrap().to_string(),
                e["replies"].as_u64().unwrap(),
            )
        })
        .collect();
    let (a, b) = (17946, 17991);
    let want: Vec<(u64, u64, &str, u64)> = vec![
        (100, a, "dump", 21),
        (200, b, "dump", 21),
        (201, b, "ok", 0),
        (101, a, "ok", 0),
        (300, a, "error", 0), // A's GET of 10.66.9.1 (sent first)
        (300, b, "error", 0), // B's GET of 10.66.9.3
        (301, a, "ok", 1),    // A's GET of its own entry
        (301, b, "ok", 1),
        (202, b, "ok", 0),
        (102, a, "ok", 0),
    ];
    let got_ref: Vec<(u64, u64, &str, u64)> = got
        .iter()
        .map(|(s, p, o, r)| (*s, *p, o.as_str(), *r))
        .collect();
    assert_eq!(got_ref, want);
    // The seq-300 requests, told apart by the echoed request in each error.
    assert_eq!(ex[4]["request"]["frame"], 13);
    assert_eq!(ex[5]["request"]["frame"], 14);
}

/// errors_capped.txt: with NETLINK_CAP_ACK the kernel echoes only the request's
/// header; the offsets are resolved against the captured requests.
#[test]
fn capped_extack_resolved_against_the_captured_request() {
    let ex = exchanges(&capture("errors_capped.pcap"));
    let by_seq = |s: u64| ex.iter().find(|e| e["seq"] == s).unwrap();
    let a = by_seq(1000);
    assert_eq!(a["error"]["name"], "ERANGE");
    assert_eq!(
        (a["extack"]["offset"].as_u64(), a["extack"]["path"].as_str()),
        (Some(124), Some("status"))
    );
    let b = by_seq(1001);
    assert_eq!(
        (b["extack"]["offset"].as_u64(), b["extack"]["path"].as_str()),
        (Some(132), Some("timestamp-event"))
    );
    // rtnetlink RTM_GETNEIGH without NDA_DST: MISS_TYPE 1 at the top level.
    let c = by_seq(1006);
    assert_eq!(c["extack"]["missing"], "attr-1");
    assert!(c["extack"]["missing_nest_offset"].is_null());
    // ethtool STRSET_GET with an empty STRINGSET nest: MISS_TYPE 1 in the nest at 36.
    let d = by_seq(1008);
    assert_eq!(d["extack"]["missing"], "attr-1");
    assert_eq!(d["extack"]["missing_nest_offset"], 36);
    assert_eq!(by_seq(1009)["outcome"], "ok");
    assert_eq!(by_seq(1010)["error"]["name"], "ENOENT");
    assert_eq!(
        by_seq(1011)["extack"]["msg"],
        "bytes leftover after parsing attributes"
    );
    assert_eq!(by_seq(1012)["error"]["name"], "EEXIST");
}

/// Outcomes of every exchange of a capture, counted.
fn outcomes(bytes: &[u8]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for e in exchanges(bytes) {
        *out.entry(e["outcome"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    out
}

/// pyroute2 0.9.7 (more/pyroute2_ct.txt) writes its process id into nlmsg_pid of
/// every request; the kernel answers the socket's port id. Pairing on the
/// request's pid left 40 of 64 exchanges `no-answer` + `unsolicited`; its
/// GET_STATS dumps (one NLM_F_MULTI answer, no DONE, ctnetlink_stat_ct) were
/// `dump-cut`.
#[test]
fn pyroute2_exchanges_pair() {
    let bytes = capture("more/pyroute2_ct.pcap");
    let got = outcomes(&bytes);
    let want: BTreeMap<String, usize> = [("dump", 10), ("error", 4), ("ok", 11), ("reply", 4)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    assert_eq!(got, want);
    for e in exchanges(&bytes) {
        if e["request"]["name"] == "ctnetlink get-stats" {
            assert_eq!(
                (e["outcome"].as_str(), e["replies"].as_u64()),
                (Some("reply"), Some(1))
            );
        }
        // Every verdict agrees with the kernel's answer.
        if let Some(a) = e.get("verdict_agrees") {
            assert_eq!(a, true, "{e}");
        }
    }
}

/// nft 1.0.6 (more/nft_ctobj_host.txt) sends its batch members without NLM_F_ACK:
/// the kernel answers only the members it refuses, so the others were applied
/// (`batched`), not `no-answer`; the three refused ones carry their errno.
#[test]
fn nft_batch_members_without_ack() {
    let bytes = capture("more/nft_ctobj_host.pcap");
    let got = outcomes(&bytes);
    assert_eq!(got.get("batched"), Some(&18));
    assert_eq!(got.get("error"), Some(&3));
    assert_eq!(got.get("no-answer"), None);
    assert_eq!(got.get("unsolicited"), None);
}

/// Two requests share a seq, and the capped error answers the older one: it is
/// found by its echoed header, read in the record's byte order. In a big-endian
/// capture the first wave read the kept request little-endian (which parses
/// anything), never matched, and gave the error to the newer request.
#[test]
fn capped_errors_pair_in_big_endian_captures() {
    use nfct_decode::encode::MsgBuilder;
    use nfct_decode::schema::{ct, netlink};
    use nfct_decode::wire::Endian;
    for order in [Endian::Little, Endian::Big] {
        let req = |ty: u16, mark: u64| {
            let mut b = MsgBuilder::new(ty, 0x0005, 9, 0, &ct::CONNTRACK)
                .with_order(order)
                .nfgen(2, 0, 0);
            b.uint("mark", mark);
            b.finish()
        };
        let (a, b) = (req(0x0101, 1), req(0x0102, 2));
        let capped_error = |to: &[u8], errno: i32, portid: u32| {
            let mut e = MsgBuilder::new(2, 0x0100, 9, portid, &netlink::EXTACK).with_order(order);
            let err = match order {
                Endian::Little => (-errno).to_le_bytes(),
                Endian::Big => (-errno).to_be_bytes(),
            };
            e.raw(&err).raw(&to[..16]);
            e.finish()
        };
        // Both sent from different sockets before either answer; the older one
        // (a GET) is refused first.
        let bytes = pcap_netlink(
            12,
            &[&a, &b, &capped_error(&a, 2, 100), &capped_error(&b, 1, 200)],
        );
        let ex = exchanges(&bytes);
        let got: Vec<(String, i64)> = ex
            .iter()
            .filter(|e| e.get("exchange").is_some())
            .map(|e| {
                (
                    e["request"]["name"].as_str().unwrap().to_string(),
                    e["error"]["code"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("ctnetlink get".to_string(), -2),
                ("ctnetlink delete".to_string(), -1)
            ],
            "{order:?}"
        );
    }
}
