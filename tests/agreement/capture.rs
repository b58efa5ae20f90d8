//! The decoded side: every ctnetlink message of a capture, turned into an owned
//! summary (`Msg`) whose fields are keyed the way conntrack prints them.

use nfct_decode::capture::{for_each_event_in_slice, Event};
use nfct_decode::model::{Body, Kind, Record};
use nfct_decode::render::{label_bits, value_repr, Repr};
use nfct_decode::wire::Endian;
use nfct_decode::Decoder;
use std::collections::BTreeMap;
use std::ops::Range;
use std::time::Duration;

/// One decoded netlink message of a capture.
#[derive(Debug, Clone)]
pub struct Msg {
    /// Record number (1-based, as tshark counts).
    pub frame: u64,
    /// Index of the message within its record.
    pub index: usize,
    /// Capture timestamp of the record.
    pub ts: Duration,
    pub to_kernel: bool,
    pub kind: Kind,
    pub flags: u16,
    pub portid: u32,
    /// (subsystem, message, family, res_id, set name) of nfnetlink messages.
    pub nf: Option<Nf>,
    /// NLMSG_ERROR code.
    pub error: Option<i32>,
    /// conntrack / expect fields keyed as conntrack prints them (see `ct_fields`).
    pub fields: BTreeMap<String, String>,
    /// Label bit numbers (conntrack set attribute 22), in ascending order.
    pub labels: Option<Vec<u32>>,
    /// tstamp start / stop (ns).
    pub tstart: Option<u64>,
    pub tstop: Option<u64>,
    /// Stats sets: attribute name -> value.
    pub stats: Vec<(String, u64)>,
}

#[derive(Debug, Clone, Copy)]
pub struct Nf {
    pub subsys: u8,
    pub msg: u8,
    pub family: u8,
    pub res_id: u16,
    pub set: &'static str,
}

impl Msg {
    pub fn is(&self, subsys: u8, msg: u8) -> bool {
        self.nf.is_some_and(|n| n.subsys == subsys && n.msg == msg)
    }
    pub fn set(&self) -> &'static str {
        self.nf.map(|n| n.set).unwrap_or("")
    }
    pub fn at(&self) -> String {
        format!("frame {} message {}", self.frame, self.index)
    }
}

/// Decodes every record of `path` (netlink protocol 12 only) into messages.
pub fn load(path: &str) -> Vec<Msg> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let dec = Decoder::default();
    let mut rec = Record::default();
    let mut out = Vec::new();
    for_each_event_in_slice(&bytes, &mut |ev| {
        let Event::Frame(frame) = ev else { return };
        if frame.link.protocol != 12 {
            return;
        }
        dec.decode_record(frame.data, frame.link.protocol, &mut rec);
        let order = rec.order.unwrap_or(Endian::Little);
        for (index, m) in rec.messages.iter().enumerate() {
            let mut msg = Msg {
                frame: frame.number,
                index,
                ts: frame.ts,
                to_kernel: m.direction == nfct_decode::model::Direction::ToKernel,
                kind: m.kind,
                flags: m.header.flags,
                portid: m.header.portid,
                nf: None,
                error: None,
                fields: BTreeMap::new(),
                labels: None,
                tstart: None,
                tstop: None,
                stats: Vec::new(),
            };
            match &m.body {
                Body::Nf(nf) => {
                    let set = nf.set.map(|s| s.name).unwrap_or("");
                    msg.nf = Some(Nf {
                        subsys: nf.subsys,
                        msg: nf.msg,
                        family: nf.nfgen.family,
                        res_id: nf.nfgen.res_id,
                        set,
                    });
                    let x = Extract {
                        rec: &rec,
                        data: frame.data,
                        order,
                    };
                    match set {
                        "conntrack" => x.conntrack(m.attrs.clone(), &mut msg),
                        "expect" => x.expect(m.attrs.clone(), &mut msg),
                        "conntrack-stats" | "expect-stats" | "stats-global" => {
                            for i in rec.children(m.attrs.clone()) {
                                let n = &rec.nodes[i];
                                if let (Some(name), Some(v)) = (n.name(), rec.uint(i)) {
                                    msg.stats.push((name.to_string(), v));
                                }
                            }
                        }
                        _ => {}
                    }
                }
                Body::Error { error, .. } => msg.error = Some(*error),
                _ => {}
            }
            out.push(msg);
        }
    })
    .unwrap_or_else(|e| panic!("{path}: {e:?}"));
    out
}

struct Extract<'a> {
    rec: &'a Record,
    data: &'a [u8],
    order: Endian,
}

impl Extract<'_> {
    fn repr(&self, idx: usize) -> Repr<'_> {
        value_repr(&self.rec.nodes[idx], self.data, self.order)
    }

    fn uint(&self, range: Range<usize>, path: &[u16]) -> Option<u64> {
        self.rec
            .find_path(range, path)
            .and_then(|i| self.rec.uint(i))
    }

    fn addr(&self, range: Range<usize>, paths: &[&[u16]]) -> Option<String> {
        paths.iter().find_map(|p| {
            let i = self.rec.find_path(range.clone(), p)?;
            Some(match self.repr(i) {
                Repr::V4(a) => a.to_string(),
                Repr::V6(a) => a.to_string(),
                other => panic!("address attribute decoded as {other:?}"),
            })
        })
    }

    fn text(&self, range: Range<usize>, path: &[u16]) -> Option<String> {
        let i = self.rec.find_path(range, path)?;
        match self.repr(i) {
            Repr::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
            other => panic!("text attribute decoded as {other:?}"),
        }
    }

    /// Address and layer-4 fields of tuple nest `num` of `range`, as
    /// `{prefix}src`, `{prefix}dst`, `{prefix}sport` ...; `l4proto` decides which
    /// layer-4 fields conntrack prints (None: the tuple's own proto-num).
    fn tuple(
        &self,
        range: Range<usize>,
        num: u16,
        prefix: &str,
        l4proto: Option<u64>,
        f: &mut BTreeMap<String, String>,
    ) -> Option<u64> {
        let t = self.rec.find(range, num)?;
        let tr = self.rec.child_range(t);
        let mut put = |k: &str, v: String| {
            f.insert(format!("{prefix}{k}"), v);
        };
        if let Some(a) = self.addr(tr.clone(), &[&[1, 1], &[1, 3]]) {
            put("src", a);
        }
        if let Some(a) = self.addr(tr.clone(), &[&[1, 2], &[1, 4]]) {
            put("dst", a);
        }
        let own = self.uint(tr.clone(), &[2, 1]);
        let proto = l4proto.or(own);
        let u = |p: &[u16]| self.uint(tr.clone(), p);
        match proto {
            // Port-carrying protocols: libnetfilter_conntrack prints sport/dport even
            // when the kernel sent no port attributes (generic tracker): 0.
            Some(6 | 17 | 136 | 132 | 33) => {
                put("sport", u(&[2, 2]).unwrap_or(0).to_string());
                put("dport", u(&[2, 3]).unwrap_or(0).to_string());
            }
            Some(1) => {
                for (k, p) in [("type", 5u16), ("code", 6), ("id", 4)] {
                    if let Some(v) = u(&[2, p]) {
                        put(k, v.to_string());
                    }
                }
            }
            Some(58) => {
                for (k, p) in [("type", 8u16), ("code", 9), ("id", 7)] {
                    if let Some(v) = u(&[2, p]) {
                        put(k, v.to_string());
                    }
                }
            }
            Some(47) => {
                if let Some(v) = u(&[2, 2]) {
                    put("srckey", format!("0x{v:x}"));
                }
                if let Some(v) = u(&[2, 3]) {
                    put("dstkey", format!("0x{v:x}"));
                }
            }
            _ => {}
        }
        own
    }

    fn conntrack(&self, attrs: Range<usize>, msg: &mut Msg) {
        let f = &mut msg.fields;
        let Some(proto) = self.tuple(attrs.clone(), 1, "orig.", None, f) else {
            return;
        };
        f.insert("proto".into(), proto.to_string());
        self.tuple(attrs.clone(), 2, "reply.", None, f);
        for (dir, num) in [("orig.", 9u16), ("reply.", 10)] {
            for (k, p) in [("packets", 1u16), ("bytes", 2)] {
                if let Some(v) = self.uint(attrs.clone(), &[num, p]) {
                    f.insert(format!("{dir}{k}"), v.to_string());
                }
            }
        }
        if let Some(st) = self.uint(attrs.clone(), &[3]) {
            f.insert("status".into(), st.to_string());
            f.insert("unreplied".into(), (st & 2 == 0).to_string());
            f.insert("assured".into(), (st & 4 != 0).to_string());
        }
        for path in [&[4u16, 1, 1][..], &[4, 3, 1], &[4, 2, 1]] {
            if let Some(i) = self.rec.find_path(attrs.clone(), path) {
                match self.repr(i) {
                    Repr::EnumName(n) => {
                        f.insert("state".into(), n.to_uppercase().replace('-', "_"));
                    }
                    other => panic!("state decoded as {other:?}"),
                }
            }
        }
        for (k, num) in [
            ("timeout", 7u16),
            ("mark", 8),
            ("use", 11),
            ("id", 12),
            ("zone", 18),
        ] {
            if let Some(v) = self.uint(attrs.clone(), &[num]) {
                f.insert(k.into(), v.to_string());
            }
        }
        if let Some(h) = self.text(attrs.clone(), &[5, 1]) {
            f.insert("helper".into(), h);
        }
        if let Some(i) = self.rec.find(attrs.clone(), 22) {
            match self.repr(i) {
                Repr::Labels(b, o) => {
                    let mut bits = Vec::new();
                    label_bits(b, o, |bit| bits.push(bit));
                    msg.labels = Some(bits);
                }
                other => panic!("labels decoded as {other:?}"),
            }
        }
        msg.tstart = self.uint(attrs.clone(), &[20, 1]);
        msg.tstop = self.uint(attrs, &[20, 2]);
    }

    fn expect(&self, attrs: Range<usize>, msg: &mut Msg) {
        let f = &mut msg.fields;
        let Some(proto) = self.tuple(attrs.clone(), 2, "tuple.", None, f) else {
            return;
        };
        f.insert("proto".into(), proto.to_string());
        // The mask is printed with the expected tuple's layer-4 protocol.
        self.tuple(attrs.clone(), 3, "mask.", Some(proto), f);
        self.tuple(attrs.clone(), 1, "master.", None, f);
        for (k, num) in [("timeout", 4u16), ("id", 5), ("class", 9), ("zone", 7)] {
            if let Some(v) = self.uint(attrs.clone(), &[num]) {
                f.insert(k.into(), v.to_string());
            }
        }
        if let Some(h) = self.text(attrs, &[6]) {
            f.insert("helper".into(), h);
        }
    }
}
