//! `-f none` validates without building attribute nodes (issue 14): the compiled
//! schema (`schema::compiled`) finds a message clean, or the full walk runs. Both
//! paths must give identical findings, verdicts and counts on every record of every
//! capture (the fuzz corpus is held to the same by the `record` and `nlmsg` targets,
//! which tests/corpus_replay.rs replays), and the fast path must really be taken on
//! clean kernel traffic.

use crate::common::{capture, every_capture};
use nfct_decode::capture::{for_each_event_in_slice, Event};
use nfct_decode::fuzzing::validate_only_differs;
use nfct_decode::model::{Body, Direction, Record};
use nfct_decode::schema::Type;
use nfct_decode::{Decoder, Options};

/// Every record of `name`: (frame number, netlink protocol, bytes).
fn records(name: &str) -> Vec<(u64, u16, Vec<u8>)> {
    let mut out = Vec::new();
    for_each_event_in_slice(&capture(name), &mut |ev| {
        if let Event::Frame(f) = ev {
            out.push((f.meta.number, f.meta.link.protocol, f.data.to_vec()));
        }
    })
    .unwrap();
    out
}

#[test]
fn both_paths_agree_on_every_capture() {
    let mut compared = 0;
    for name in every_capture() {
        for (frame, protocol, data) in records(&name) {
            for endian in [None, Some(nfct_decode::wire::Endian::Big)] {
                if let Some(d) = validate_only_differs(&data, protocol, endian) {
                    panic!("{name} frame {frame} ({endian:?}):\n{d}");
                }
            }
            compared += 1;
        }
    }
    assert!(compared > 1500, "{compared} records");
}

/// A kernel message the full walk has nothing to say about is validated without
/// nodes, unless it holds a sub-message (its set chosen by a sibling's value: the
/// compiled form sends those to the full walk).
#[test]
fn clean_kernel_messages_take_the_fast_path() {
    let (mut fast, mut total) = (0, 0);
    let (mut full, mut quick) = (Record::default(), Record::default());
    let validate = Decoder::new(Options {
        validate_only: true,
        ..Options::default()
    });
    for name in every_capture() {
        for (frame, protocol, data) in records(&name) {
            Decoder::default().decode_record(&data, protocol, &mut full);
            validate.decode_record(&data, protocol, &mut quick);
            for (a, b) in full.messages.iter().zip(&quick.messages) {
                let clean = a.direction == Direction::FromKernel
                    && matches!(a.body, Body::Nf(_))
                    && a.findings.is_empty()
                    && !a.attrs.is_empty();
                if !clean {
                    continue;
                }
                total += 1;
                let sub = full.nodes[a.attrs.start..]
                    .iter()
                    .take_while(|n| (n.offset as usize) < a.payload.end)
                    .any(|n| n.def.is_some_and(|d| matches!(d.ty, Type::Sub(_))));
                if b.attrs.is_empty() {
                    fast += 1;
                } else {
                    assert!(
                        sub,
                        "{name} frame {frame}: a clean message took the full walk"
                    );
                }
            }
        }
    }
    assert!(
        total > 2000 && fast * 100 >= total * 95,
        "{fast} of {total}"
    );
}

/// Bad input is never validated away: a duplicated attribute, a short value, an
/// unknown attribute, a nest without NLA_F_NESTED each make the fast path give up,
/// and the full walk's finding is there.
#[test]
fn bad_values_fall_back_to_the_full_walk() {
    use nfct_decode::Code;
    // IPCTNL_MSG_CT_NEW event (from the kernel), family inet, one tuple-orig.
    let msg = |attrs: &[u8]| {
        let mut m = Vec::new();
        let len = (16 + 4 + attrs.len()) as u32;
        m.extend_from_slice(&len.to_le_bytes());
        m.extend_from_slice(&0x0100u16.to_le_bytes());
        m.extend_from_slice(&0x0400u16.to_le_bytes()); // NLM_F_CREATE: an event
        m.extend_from_slice(&[0; 8]);
        m.extend_from_slice(&[2, 0, 0, 0]);
        m.extend_from_slice(attrs);
        m
    };
    // CTA_MARK (8), u32 big-endian.
    let mark = [8, 0, 8, 0, 0, 0, 0, 1];
    let cases: [(Vec<u8>, Code); 4] = [
        ([mark, mark].concat(), Code::DuplicateAttr),
        (vec![6, 0, 8, 0, 0, 1, 0, 0], Code::ValueTooShort),
        (vec![4, 0, 99, 0], Code::UnknownAttr),
        // CTA_TUPLE_ORIG (1) without NLA_F_NESTED, empty.
        (vec![4, 0, 1, 0], Code::NestWithoutFlag),
    ];
    let validate = Decoder::new(Options {
        validate_only: true,
        ..Options::default()
    });
    for (attrs, code) in cases {
        let data = msg(&attrs);
        let mut rec = Record::default();
        validate.decode_record(&data, 12, &mut rec);
        assert!(
            rec.findings.iter().any(|f| f.code == code),
            "{code:?}: {:?}",
            rec.findings
        );
        assert!(!rec.nodes.is_empty(), "{code:?}: no full walk");
        assert!(validate_only_differs(&data, 12, None).is_none());
    }
    // And the clean one has no nodes.
    let mut rec = Record::default();
    validate.decode_record(&msg(&mark), 12, &mut rec);
    assert!(rec.findings.is_empty() && rec.nodes.is_empty(), "{rec:?}");
}
