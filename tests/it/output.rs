//! Snapshots of what users see (text, text -v, JSON) on real captures, pinned under
//! snapshots/output/. Review changes with `cargo insta review`.

use crate::common::{capture, render};
use nfct_decode::run::Format;

fn snap(name: &str, value: &str) {
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots/output"),
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!(name, value);
    });
}

#[test]
fn text_get_update_delete() {
    snap(
        "text_get_update_delete",
        &render(
            &capture("get_update_delete.pcap"),
            Format::Text,
            false,
            None,
        ),
    );
}

#[test]
fn text_verbose_stats() {
    snap(
        "text_verbose_stats",
        &render(&capture("stats.pcap"), Format::Text, true, None),
    );
}

#[test]
fn text_verbose_errors_extack() {
    snap(
        "text_verbose_errors_extack",
        &render(&capture("errors_extack.pcap"), Format::Text, true, Some(6)),
    );
}

#[test]
fn json_events() {
    snap(
        "json_events",
        &render(&capture("events.pcap"), Format::Json, false, Some(8)),
    );
}

#[test]
fn json_expect() {
    snap(
        "json_expect",
        &render(&capture("expect.pcap"), Format::Json, false, None),
    );
}

/// Every JSON line is an object with the documented top-level fields.
#[test]
fn json_lines_have_documented_fields() {
    let out = render(&capture("insert_and_list.pcap"), Format::Json, false, None);
    let mut n = 0;
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for k in [
            "frame",
            "time",
            "ts_ns",
            "linktype",
            "link",
            "offset",
            "byte_order",
            "protocol",
            "direction",
            "kind",
            "name",
            "nlmsg",
            "findings",
        ] {
            assert!(v.get(k).is_some(), "missing {k} in {line}");
        }
        n += 1;
    }
    assert_eq!(n, 126);
}
