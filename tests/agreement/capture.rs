//! The decoded side: every ctnetlink message of a capture, turned into an owned
//! summary (`Msg`) whose fields are keyed the way conntrack prints them.

use crate::support::corpus;
use crate::support::locate::Head;
use nfct_decode::view::{label_bits, Attr, Msg as MsgView, Repr};
use std::collections::BTreeMap;
use std::time::Duration;

/// One decoded netlink message of a capture.
#[derive(Debug, Clone)]
pub struct Msg {
    /// What the locator reads: frame, index, direction, kind, flags, portid.
    pub head: Head,
    /// Capture timestamp of the record.
    pub ts: Duration,
    /// (message, family, res_id, set name) of nfnetlink messages.
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
    pub msg: u8,
    pub family: u8,
    pub res_id: u16,
    pub set: &'static str,
}

impl Msg {
    pub fn is(&self, subsys: u8, msg: u8) -> bool {
        self.head.is(subsys, msg)
    }
    pub fn set(&self) -> &'static str {
        self.nf.map(|n| n.set).unwrap_or("")
    }
    pub fn at(&self) -> String {
        self.head.at()
    }
}

impl AsRef<Head> for Msg {
    fn as_ref(&self) -> &Head {
        &self.head
    }
}

/// Decodes every record of capture `name` (netlink protocol 12 only) into
/// messages.
pub fn load(name: &str) -> Vec<Msg> {
    let cap = corpus::decode_file(name);
    let mut out = Vec::new();
    for (frame, index, m) in corpus::netfilter_messages(&cap) {
        let mut msg = Msg {
            head: Head::of(frame, index, &m),
            ts: frame.ts,
            nf: None,
            error: m.error(),
            fields: BTreeMap::new(),
            labels: None,
            tstart: None,
            tstop: None,
            stats: Vec::new(),
        };
        if let Some(nf) = m.nf() {
            let set = nf.set.map(|s| s.name).unwrap_or("");
            msg.nf = Some(Nf {
                msg: nf.msg,
                family: nf.nfgen.family,
                res_id: nf.nfgen.res_id,
                set,
            });
            match set {
                "conntrack" => conntrack(&m, &mut msg),
                "expect" => expect(&m, &mut msg),
                "conntrack-stats" | "expect-stats" | "stats-global" => {
                    for a in m.attrs() {
                        if let (Some(name), Some(v)) = (a.kernel_name(), a.uint()) {
                            msg.stats.push((name.to_string(), v));
                        }
                    }
                }
                _ => {}
            }
        }
        out.push(msg);
    }
    out
}

/// The value of a uint attribute at dotted kernel names below `a`.
fn uint(a: &Attr<'_>, path: &str) -> Option<u64> {
    a.get(path).and_then(|x| x.uint())
}

/// The first of `names` below `t` that is there, as an address.
fn addr(t: &Attr<'_>, names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| {
        Some(match t.get(n)?.value() {
            Repr::V4(a) => a.to_string(),
            Repr::V6(a) => a.to_string(),
            other => panic!("address attribute decoded as {other:?}"),
        })
    })
}

fn text(a: Option<Attr<'_>>) -> Option<String> {
    match a?.value() {
        Repr::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        other => panic!("text attribute decoded as {other:?}"),
    }
}

/// Address and layer-4 fields of tuple nest `t`, as `{prefix}src`, `{prefix}dst`,
/// `{prefix}sport` ...; `l4proto` decides which layer-4 fields conntrack prints
/// (None: the tuple's own proto-num).
fn tuple(
    t: Option<Attr<'_>>,
    prefix: &str,
    l4proto: Option<u64>,
    f: &mut BTreeMap<String, String>,
) -> Option<u64> {
    let t = t?;
    let mut put = |k: &str, v: String| {
        f.insert(format!("{prefix}{k}"), v);
    };
    if let Some(a) = addr(&t, &["tuple-ip.ip-v4-src", "tuple-ip.ip-v6-src"]) {
        put("src", a);
    }
    if let Some(a) = addr(&t, &["tuple-ip.ip-v4-dst", "tuple-ip.ip-v6-dst"]) {
        put("dst", a);
    }
    let own = uint(&t, "tuple-proto.proto-num");
    let proto = l4proto.or(own);
    let u = |n: &str| uint(&t, &format!("tuple-proto.proto-{n}"));
    match proto {
        // Port-carrying protocols: libnetfilter_conntrack prints sport/dport even
        // when the kernel sent no port attributes (generic tracker): 0.
        Some(6 | 17 | 136 | 132 | 33) => {
            put("sport", u("src-port").unwrap_or(0).to_string());
            put("dport", u("dst-port").unwrap_or(0).to_string());
        }
        Some(p @ (1 | 58)) => {
            let v = if p == 1 { "icmp" } else { "icmpv6" };
            for k in ["type", "code", "id"] {
                if let Some(x) = u(&format!("{v}-{k}")) {
                    put(k, x.to_string());
                }
            }
        }
        Some(47) => {
            if let Some(v) = u("src-port") {
                put("srckey", format!("0x{v:x}"));
            }
            if let Some(v) = u("dst-port") {
                put("dstkey", format!("0x{v:x}"));
            }
        }
        _ => {}
    }
    own
}

fn top(m: &MsgView<'_>, name: &str) -> Option<u64> {
    m.get(name).and_then(|a| a.uint())
}

fn conntrack(m: &MsgView<'_>, msg: &mut Msg) {
    let f = &mut msg.fields;
    let Some(proto) = tuple(m.get("tuple-orig"), "orig.", None, f) else {
        return;
    };
    f.insert("proto".into(), proto.to_string());
    tuple(m.get("tuple-reply"), "reply.", None, f);
    for (dir, nest) in [("orig.", "counters-orig"), ("reply.", "counters-reply")] {
        for k in ["packets", "bytes"] {
            if let Some(v) = top(m, &format!("{nest}.{k}")) {
                f.insert(format!("{dir}{k}"), v.to_string());
            }
        }
    }
    if let Some(st) = top(m, "status") {
        f.insert("status".into(), st.to_string());
        f.insert("unreplied".into(), (st & 2 == 0).to_string());
        f.insert("assured".into(), (st & 4 != 0).to_string());
    }
    for p in ["tcp", "sctp", "dccp"] {
        if let Some(a) = m.get(&format!("protoinfo.protoinfo-{p}.{p}-state")) {
            match a.value() {
                Repr::EnumName(n) => {
                    f.insert("state".into(), n.to_uppercase().replace('-', "_"));
                }
                other => panic!("state decoded as {other:?}"),
            }
        }
    }
    for k in ["timeout", "mark", "use", "id", "zone"] {
        if let Some(v) = top(m, k) {
            f.insert(k.into(), v.to_string());
        }
    }
    if let Some(h) = text(m.get("help.help-name")) {
        f.insert("helper".into(), h);
    }
    if let Some(a) = m.get("labels") {
        match a.value() {
            Repr::Labels(b, o) => {
                let mut bits = Vec::new();
                label_bits(b, o, |bit| bits.push(bit));
                msg.labels = Some(bits);
            }
            other => panic!("labels decoded as {other:?}"),
        }
    }
    msg.tstart = top(m, "timestamp.start");
    msg.tstop = top(m, "timestamp.stop");
}

fn expect(m: &MsgView<'_>, msg: &mut Msg) {
    let f = &mut msg.fields;
    let Some(proto) = tuple(m.get("tuple"), "tuple.", None, f) else {
        return;
    };
    f.insert("proto".into(), proto.to_string());
    // The mask is printed with the expected tuple's layer-4 protocol.
    tuple(m.get("mask"), "mask.", Some(proto), f);
    tuple(m.get("master"), "master.", None, f);
    for k in ["timeout", "id", "class", "zone"] {
        if let Some(v) = top(m, k) {
            f.insert(k.into(), v.to_string());
        }
    }
    if let Some(h) = text(m.get("help-name")) {
        f.insert("helper".into(), h);
    }
}
