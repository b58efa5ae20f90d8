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

/// Small things a new user met (issue 12), each pinned on a real capture.
mod first_contact {
    use crate::common::{capture, render};
    use nfct_decode::run::Format;

    fn json(name: &str) -> Vec<serde_json::Value> {
        render(&capture(name), Format::Json, false, None)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// nfgen_family is an NFPROTO_* value: nft's inet table is `inet` (1; it read
    /// `unix` as an AF_*), ctnetlink's AF_INET is `ipv4`.
    #[test]
    fn nfgen_family_is_nfproto() {
        let mixed = json("mixed.pcap");
        let newtable = mixed
            .iter()
            .find(|m| m["name"] == "nftables newtable")
            .unwrap();
        assert_eq!(newtable["nfgen"]["family"], "inet");
        let ct = mixed.iter().find(|m| m["name"] == "ctnetlink new").unwrap();
        assert_eq!(ct["nfgen"]["family"], "ipv6");
        let nat = json("nat.pcap");
        assert_eq!(nat[0]["nfgen"]["family"], "ipv4");
    }

    /// A batch message's subsystem is its res_id's, in JSON as in text.
    #[test]
    fn batch_subsystem_agrees() {
        let mixed = json("mixed.pcap");
        let begin = mixed.iter().find(|m| m["kind"] == "batch-begin").unwrap();
        assert_eq!(
            (&begin["subsystem"], &begin["message"]),
            (&"nftables".into(), &"batch-begin".into())
        );
        let text = render(&capture("mixed.pcap"), Format::Text, false, None);
        assert!(text
            .lines()
            .any(|l| l.contains("batch-begin") && l.ends_with("subsys=nftables")));
    }

    /// -v shows the undecoded payload of an nfnetlink message without a schema (as
    /// JSON's "payload" does): nftables newchain in mixed.pcap.
    #[test]
    fn verbose_shows_undecoded_payload() {
        let text = render(&capture("mixed.pcap"), Format::Text, true, None);
        let at = text.find("nftables newchain (dump-reply)").unwrap();
        let block: Vec<&str> = text[at..].lines().take(5).collect();
        assert!(
            block[4].starts_with("         payload 0a000100747261636b000000080003006f757400"),
            "{block:?}"
        );
    }

    /// The one-line form shows the SCTP state as it shows TCP's.
    #[test]
    fn text_line_shows_sctp_state() {
        let text = render(&capture("gre_sctp.pcap"), Format::Text, false, None);
        let first = text.lines().next().unwrap();
        assert!(
            first.ends_with("ipv4 sctp 127.0.0.1:5000 -> 127.0.0.1:6000 closed timeout=10"),
            "{first}"
        );
    }

    /// Other nfnetlink subsystems' flags are named by the operation, and their
    /// dumps are dump requests (nft 1.0.6, more/nft_ctobj_host.pcap).
    #[test]
    fn other_subsystems_name_their_flags() {
        let nft = json("more/nft_ctobj_host.pcap");
        // NLM_F_CREATE (0x400) of a NEW-like message (newobj, newtable ...).
        let create = nft
            .iter()
            .find(|m| m["nlmsg"]["flags"].as_u64().unwrap() & 0x400 != 0)
            .unwrap();
        assert!(create["name"].as_str().unwrap().starts_with("nftables new"));
        let names: Vec<&str> = create["nlmsg"]["flag_names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        assert!(names.contains(&"create"), "{names:?}");
        let dump = nft
            .iter()
            .find(|m| m["name"] == "nftables gettable")
            .unwrap();
        assert_eq!(dump["kind"], "dump-request");
        assert_eq!(
            dump["nlmsg"]["flag_names"],
            serde_json::json!(["request", "root", "match"])
        );
        for m in &nft {
            for f in m["nlmsg"]["flag_names"].as_array().unwrap() {
                assert!(!f.as_str().unwrap().starts_with("0x"), "{m}");
            }
        }
    }
}

/// The JSON writer writes attribute and struct field names as object keys without
/// escaping them (src/render/json_msg.rs): none may need it. Every set reachable
/// from the set list, through nests, sub-messages and structures.
#[test]
fn schema_names_are_json_keys_as_they_are() {
    use nfct_decode::schema::{AttrSet, Type, SETS};
    let plain = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| (0x21..0x7f).contains(&b) && b != b'"' && b != b'\\')
    };
    let mut stack: Vec<&'static AttrSet> = SETS.to_vec();
    let mut seen = std::collections::HashSet::new();
    let mut names = 0;
    while let Some(set) = stack.pop() {
        if !seen.insert(std::ptr::from_ref(set) as usize) {
            continue;
        }
        for d in set.attrs {
            assert!(plain(d.name), "{}: {:?}", set.name, d.name);
            names += 1;
            match d.ty {
                Type::Nest(s) => stack.push(s),
                Type::Sub(sm) => stack.extend(sm.cases.iter().map(|(_, s)| *s).chain(sm.default)),
                Type::Struct(st) => {
                    for f in st.fields {
                        assert!(plain(f.name), "{}: {:?}", st.name, f.name);
                    }
                }
                _ => {}
            }
        }
    }
    assert!(names > 250, "{names} names");
}

/// The names the JSON writer takes from the tables (enum and flag names of every
/// attribute and structure field, families, errno names and texts, subsystem,
/// message and set names) are written as they are too.
#[test]
fn table_names_are_json_strings_as_they_are() {
    use nfct_decode::schema::enums::{self, FAMILY, TCP_FLAGS};
    use nfct_decode::schema::{messages, AttrSet, Display, Type, SETS};
    let plain = |s: &str| s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\');
    let mut strings: Vec<&'static str> = Vec::new();
    let display = |d: Display, strings: &mut Vec<&'static str>| match d {
        Display::Enum(e) => strings.extend(e.values.iter().map(|(_, n)| *n)),
        Display::Flags(f) => strings.extend(f.bits.iter().map(|(_, n)| *n)),
        _ => {}
    };
    let mut stack: Vec<&'static AttrSet> = SETS.to_vec();
    let mut seen = std::collections::HashSet::new();
    while let Some(set) = stack.pop() {
        if !seen.insert(std::ptr::from_ref(set) as usize) {
            continue;
        }
        strings.push(set.name);
        for d in set.attrs {
            display(d.display, &mut strings);
            match d.ty {
                Type::Nest(s) => stack.push(s),
                Type::Sub(sm) => stack.extend(sm.cases.iter().map(|(_, s)| *s).chain(sm.default)),
                Type::Struct(st) => st
                    .fields
                    .iter()
                    .for_each(|f| display(f.display, &mut strings)),
                _ => {}
            }
        }
    }
    strings.extend(FAMILY.values.iter().map(|(_, n)| *n));
    strings.extend(TCP_FLAGS.bits.iter().map(|(_, n)| *n));
    for code in 0..4096 {
        if let Some((n, t)) = enums::errno(code) {
            strings.extend([n, t]);
        }
    }
    for ss in messages::SUBSYSTEMS {
        strings.push(ss.name);
        strings.extend(ss.messages.iter().map(|m| m.name));
    }
    assert!(strings.len() > 500, "{}", strings.len());
    for s in strings {
        assert!(plain(s), "{s:?}");
    }
}
