//! `--diff` (issue 16): the changes between two complete dumps, against what
//! ct_xml.txt says happened between them.

use crate::common::{capture_path, run_bin};
use serde_json::Value;

fn diff(args: &[&str]) -> Vec<Value> {
    let (code, out, err) = run_bin(args, None);
    assert_eq!(code, 0, "{args:?}: {err}");
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn between_the_dumps_of_ct_xml() {
    let p = capture_path("more/ct_xml.pcap");
    let p = p.to_str().unwrap();
    // Dumps 1 and 2 are the `-U ... -m 6` and `-U ... --label-add bar` listings:
    // between them the first -U set mark 6 on the 40001 entry.
    let d = diff(&["--diff=1,2", "-f", "json", p]);
    assert_eq!(d[0]["diff_from"]["frames"], serde_json::json!([47, 55]));
    assert_eq!(d.len(), 2, "{d:#?}");
    assert_eq!(d[1]["diff"], "changed");
    assert_eq!(
        d[1]["entry"]["orig"],
        "tcp 198.51.100.1:40001 -> 198.51.100.2:80"
    );
    assert_eq!(d[1]["fields"], serde_json::json!({"mark": ["5", "6"]}));
    // From the first to the last (`-D -p icmp`'s listing): `-D -p udp` removed
    // the zone-3 entry, the second -U added label bar, the IPv6 entries (not in
    // the first, an IPv4 listing) and the FTP session's entries are added.
    let d = diff(&["--diff", "-f", "json", p]);
    let of = |kind: &str| {
        d.iter()
            .filter(|c| c["diff"] == kind)
            .cloned()
            .collect::<Vec<_>>()
    };
    let removed = of("removed");
    assert_eq!(removed.len(), 1);
    assert_eq!(
        removed[0]["entry"]["orig"],
        "udp 198.51.100.1:40003 -> 203.0.113.53:53"
    );
    let changed = of("changed");
    assert_eq!(changed.len(), 1);
    assert_eq!(
        changed[0]["fields"],
        serde_json::json!({"labels": ["[0]", "[0,1]"], "mark": ["5", "6"]})
    );
    let added: Vec<String> = of("added")
        .iter()
        .map(|c| c["entry"]["orig"].as_str().unwrap().to_string())
        .collect();
    for want in [
        "tcp 2001:db8::1:50000 -> 2001:db8::2:80",
        "icmpv6 2001:db8::1 -> 2001:db8::2 128/0/9",
        "tcp 127.0.0.1:60546 -> 127.0.0.1:21",
    ] {
        assert!(added.iter().any(|a| a == want), "{want}: {added:?}");
    }
    // The text form: one line per entry, fields under a changed one.
    let (_, text, _) = run_bin(&["--diff=1,2", p], None);
    assert!(
        text.contains("\n~ tcp      6 299 ESTABLISHED src=198.51.100.1 "),
        "{text}"
    );
    assert!(text.ends_with("    mark: 5 -> 6\n"), "{text}");
}

#[test]
fn two_captures_and_bad_picks() {
    let p = capture_path("more/ct_xml.pcap");
    let p = p.to_str().unwrap();
    // The same capture twice: its last dumps are the same.
    let d = diff(&["--diff", "-f", "json", p, p]);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0]["diff_to"]["dump"], d[0]["diff_from"]["dump"]);
    // A dump by frame: @101 is in the third complete dump (`-L -o xml`).
    let d = diff(&["--diff=@101,last", "-f", "json", p]);
    assert_eq!(d[0]["diff_from"]["frames"], serde_json::json!([101, 102]));
    let (code, _, err) = run_bin(&["--diff=99,1", p], None);
    assert_eq!(code, 2);
    assert!(err.contains("no complete dump"), "{err}");
    let (code, _, err) = run_bin(&["--diff=0,x", p], None);
    assert_eq!(code, 2);
    assert!(err.contains("a dump number from 1"), "{err}");
}
