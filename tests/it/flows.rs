//! `--flows` (issue 16): the timelines of the real captures against what their
//! .txt says happened, the ends and anomalies, memory on a large capture.

use crate::common::{capture_path, run_bin, temp_file};
use nfct_decode::encode::MsgBuilder;
use nfct_decode::schema::ct;
use serde_json::Value;

fn flows(cap: &str, extra: &[&str]) -> Vec<Value> {
    let p = capture_path(cap);
    let mut args = vec!["--flows", "-f", "json"];
    args.extend_from_slice(extra);
    args.push(p.to_str().unwrap());
    let (code, out, err) = run_bin(&args, None);
    assert!(code <= 1, "{cap}: {err}");
    out.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["flow"].clone())
        .collect()
}

fn changes(f: &Value) -> Vec<String> {
    f["history"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            s["changes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_string())
        })
        .collect()
}

/// ct_xml.txt: nine `-I`, two `-U` of the 40001 entry (mark 6, then label bar),
/// an FTP session through the helper, `-D -p udp`, `-D -p icmp`, `-F`; three
/// listeners received every event (counted once).
#[test]
fn ct_xml_timelines() {
    let f = flows("more/ct_xml.pcap", &[]);
    assert_eq!(f.len(), 11, "{f:#?}");
    for x in &f {
        assert_eq!(x["anomalies"], Value::Array(vec![]), "{x}");
        assert_eq!(x["end"]["how"], "destroy", "{x}");
        assert_eq!(x["seen"]["new"], 1, "{x}");
    }
    let by = |orig: &str| {
        f.iter()
            .find(|x| x["orig"] == orig)
            .unwrap_or_else(|| panic!("{orig}"))
    };
    let e = by("198.51.100.1:40001 -> 198.51.100.2:80");
    assert_eq!(e["seen"]["update"], 2);
    assert_eq!(e["states"], serde_json::json!(["established"]));
    let c = changes(e);
    for want in [
        "mark 5",
        "labels [0]",
        "+seen-reply +assured +confirmed",
        "mark 5 -> 6",
        "labels [0] -> [0,1]",
        "+dying",
    ] {
        assert!(c.iter().any(|x| x == want), "{want}: {c:?}");
    }
    // The FTP control connection through the helper.
    let ftp = by("127.0.0.1:60546 -> 127.0.0.1:21");
    assert_eq!(
        ftp["states"],
        serde_json::json!([
            "syn-sent",
            "syn-recv",
            "established",
            "fin-wait",
            "last-ack",
            "time-wait"
        ])
    );
    assert!(changes(ftp).iter().any(|x| x == "helper ftp"));
    // `-D -p udp`: its DELETE request, then the DESTROY event.
    let udp = by("198.51.100.1:40003 -> 203.0.113.53:53");
    assert_eq!(
        (udp["zone"].as_u64(), udp["seen"]["request"].as_u64()),
        (Some(3), Some(1))
    );
    assert!(changes(udp).iter().any(|x| x == "delete requested"));
    // NAT: the reply tuple of `--dst-nat 198.51.100.80:8080`.
    let dnat = by("198.51.100.3:40010 -> 203.0.113.80:80");
    assert_eq!(dnat["reply"], "198.51.100.80:8080 -> 198.51.100.3:40010");
}

/// get_update_delete.txt: `-I`, `-G`, `-U`, `-D` with no listener: the entries
/// end with their DELETE requests.
#[test]
fn deletes_without_a_listener() {
    let f = flows("get_update_delete.pcap", &[]);
    assert!(!f.is_empty());
    assert!(f.iter().all(|x| x["end"]["how"] == "delete"), "{f:#?}");
}

/// One record of the given netlink bytes: a pcap of LINKTYPE_NETLINK.
fn pcap(records: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for w in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 262_144, 253] {
        out.extend_from_slice(&w.to_le_bytes());
    }
    for (i, r) in records.iter().enumerate() {
        let len = (16 + r.len()) as u32;
        for w in [1_800_000_000 + i as u32, 0, len, len] {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.extend_from_slice(&[0, 4, 3, 0x38, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12]);
        out.extend_from_slice(r);
    }
    out
}

fn entry(id: u32, sport: u16, seq: u32, flags: u16) -> Vec<u8> {
    let mut b = MsgBuilder::new(0x0100, flags, seq, 77, &ct::CONNTRACK).nfgen(2, 0, 0);
    b.nest("tuple-orig").nest("tuple-ip");
    b.bytes("ip-v4-src", &[10, 0, 0, 1])
        .bytes("ip-v4-dst", &[10, 0, 0, 2])
        .end();
    b.nest("tuple-proto")
        .uint("proto-num", 6)
        .uint("proto-src-port", u64::from(sport));
    b.uint("proto-dst-port", 80).end().end();
    b.uint("id", u64::from(id)).uint("status", 0xe);
    b.finish()
}

fn dump_request(seq: u32) -> Vec<u8> {
    MsgBuilder::new(0x0101, 0x301, seq, 0, &ct::CONNTRACK)
        .nfgen(0, 0, 0)
        .finish()
}

fn done(seq: u32) -> Vec<u8> {
    let mut d = Vec::new();
    for w in [20u32, 0x0002_0003, seq, 77, 0] {
        d.extend_from_slice(&w.to_le_bytes());
    }
    d
}

/// Two full dumps: the entry missing from the second has vanished; a NEW event
/// for an entry already seen in an event, an UPDATE with no NEW, a tuple reused by
/// another id are anomalies.
#[test]
fn vanished_entries_and_anomalies() {
    const MULTI: u16 = 0x2;
    const CREATE: u16 = 0x400 | 0x200;
    let recs = vec![
        dump_request(1),
        [entry(1, 1000, 1, MULTI), entry(2, 1001, 1, MULTI)].concat(),
        done(1),
        // Events: a NEW for id 3, then a second NEW for it; an UPDATE for id 4
        // never seen; id 5 takes id 1's tuple.
        entry(3, 1002, 0, CREATE),
        entry(3, 1002, 0, CREATE | 0x8),
        entry(4, 1003, 0, 0),
        entry(5, 1000, 0, CREATE),
        dump_request(2),
        [entry(2, 1001, 2, MULTI), entry(3, 1002, 2, MULTI)].concat(),
        done(2),
    ];
    let path = temp_file("flows_vanish.pcap", &pcap(&recs));
    let (code, out, err) = run_bin(&["--flows", "-f", "json", path.to_str().unwrap()], None);
    assert!(code <= 1, "{err}");
    let f: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["flow"].clone())
        .collect();
    let by = |id: u64| {
        f.iter()
            .find(|x| x["id"] == id)
            .unwrap_or_else(|| panic!("{id}: {f:#?}"))
    };
    assert_eq!(
        by(1)["end"],
        serde_json::json!({"how": "vanished", "last": 2, "dump": 10})
    );
    assert_eq!(by(2)["end"]["how"], "alive");
    let a = |id: u64| {
        by(id)["anomalies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(
        a(3).iter()
            .any(|x| x.starts_with("second NEW event at frame 5")),
        "{:?}",
        a(3)
    );
    assert!(
        a(4).iter().any(|x| x == "update event with no NEW seen"),
        "{:?}",
        a(4)
    );
    assert!(
        a(5).iter()
            .any(|x| x == "original tuple in use by another alive entry (id 1)"),
        "{:?}",
        a(5)
    );
    assert!(a(2).is_empty(), "{:?}", a(2));
}

/// The text form: one line per flow, -v the history.
#[test]
fn text_lines() {
    let p = capture_path("more/ct_xml.pcap");
    let (_, out, _) = run_bin(&["--flows", p.to_str().unwrap()], None);
    assert_eq!(out.lines().count(), 11);
    assert!(out
        .lines()
        .all(|l| l.starts_with("flow id=") && l.contains(" end destroy@")));
    let (_, v, _) = run_bin(
        &[
            "--flows",
            "-v",
            "--filter",
            "sport=40001",
            p.to_str().unwrap(),
        ],
        None,
    );
    assert!(v.contains(" event-update: mark 5 -> 6\n"), "{v}");
}
