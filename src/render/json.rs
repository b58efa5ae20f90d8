//! JSON Lines output: one object per netlink message (and one per notice, exchange
//! or summary). The format is a public interface, documented in docs/json.md.
//!
//! Objects are streamed with serde's `Serialize` over views of the record: nothing
//! is copied into an intermediate `serde_json::Value`.

use super::{fmt_utc, write_hex, Render};
use crate::capture::FrameMeta;
use crate::decode::FlagName;
use crate::exchange::{Exchange, Outcome};
use crate::finding::Finding;
use crate::model::{Body, Echo, Extack, Kind, NfInfo, Record};
use crate::schema::enums::{self, TCP_FLAGS};
use crate::schema::messages;
use crate::summary::Summary;
use crate::verdict::Verdict;
use crate::view::{
    errno_of, field_value, flag_iter, label_bits, netlink_family_name, Attr, Msg, Repr,
};
use crate::wire::{NfGenMsg, NlMsgHdr};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;
use std::fmt;
use std::io::{self, Write};
use std::ops::Range;

/// Writes JSON Lines. Each object is serialized into a reused buffer and written
/// with one `write_all`: serde_json's many small writes would otherwise each go
/// through `dyn Write`.
#[derive(Debug, Default)]
pub struct JsonRenderer {
    buf: Vec<u8>,
    /// `"file":"NAME",` for runs over several inputs (put first in every object).
    file: Vec<u8>,
}

impl JsonRenderer {
    fn write<T: Serialize>(&mut self, out: &mut dyn Write, v: &T) -> io::Result<()> {
        self.buf.clear();
        serde_json::to_writer(&mut self.buf, v).map_err(io::Error::other)?;
        self.buf.push(b'\n');
        match self.buf.split_first() {
            // Every object has members: `{` + `"file":...,` + the members.
            Some((b'{', rest)) if !self.file.is_empty() && rest.first() != Some(&b'}') => {
                out.write_all(b"{")?;
                out.write_all(&self.file)?;
                out.write_all(rest)
            }
            _ => out.write_all(&self.buf),
        }
    }
}

impl Render for JsonRenderer {
    fn message(&mut self, out: &mut dyn Write, frame: &FrameMeta, msg: &Msg<'_>) -> io::Result<()> {
        self.write(out, &MsgJson { frame, msg })
    }

    fn notice(
        &mut self,
        out: &mut dyn Write,
        frame: Option<u64>,
        f: &Finding,
        verdict: Option<&Verdict>,
    ) -> io::Result<()> {
        #[derive(Serialize)]
        struct Notice<'a> {
            frame: Option<u64>,
            notice: bool,
            findings: [&'a Finding; 1],
            #[serde(skip_serializing_if = "Option::is_none")]
            verdict: Option<&'a Verdict>,
        }
        self.write(
            out,
            &Notice {
                frame,
                notice: true,
                findings: [f],
                verdict,
            },
        )
    }

    fn exchange(&mut self, out: &mut dyn Write, ex: &Exchange) -> io::Result<()> {
        self.write(out, &ExchangeJson(ex))
    }

    fn summary(&mut self, out: &mut dyn Write, s: &Summary) -> io::Result<()> {
        // The summary covers every input.
        let file = std::mem::take(&mut self.file);
        let r = self.write(out, &SummaryJson(s));
        self.file = file;
        r
    }

    fn start_input(&mut self, _out: &mut dyn Write, name: &str) -> io::Result<()> {
        self.file.clear();
        self.file.extend_from_slice(b"\"file\":");
        serde_json::to_writer(&mut self.file, name).map_err(io::Error::other)?;
        self.file.push(b',');
        Ok(())
    }
}

struct MsgJson<'a> {
    frame: &'a FrameMeta,
    msg: &'a Msg<'a>,
}

impl<'a> MsgJson<'a> {
    fn attrs(&self, range: Range<usize>) -> Attrs<'a> {
        Attrs {
            rec: self.msg.record(),
            data: self.msg.data(),
            range,
        }
    }
}

impl Serialize for MsgJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (f, v) = (self.frame, self.msg);
        let msg = v.message();
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("frame", &f.number)?;
        m.serialize_entry(
            "time",
            &Disp(|w: &mut fmt::Formatter<'_>| fmt_utc(w, f.ts, f.precision)),
        )?;
        m.serialize_entry("ts_ns", &(f.ts.as_nanos() as u64))?;
        m.serialize_entry("linktype", &f.linktype)?;
        m.serialize_entry("link", &f.link)?;
        m.serialize_entry("offset", &msg.offset)?;
        m.serialize_entry("byte_order", &v.order())?;
        m.serialize_entry(
            "protocol",
            &netlink_family_name(msg.protocol).unwrap_or("unknown"),
        )?;
        m.serialize_entry("direction", &msg.direction)?;
        m.serialize_entry("kind", msg.kind.as_str())?;
        m.serialize_entry(
            "name",
            &Disp(|w: &mut fmt::Formatter<'_>| fmt::Display::fmt(&v.name(), w)),
        )?;
        m.serialize_entry(
            "nlmsg",
            &HdrJson {
                h: &msg.header,
                msg: Some(v),
            },
        )?;
        match &msg.body {
            Body::Nf(nf) => {
                nf_entries(&mut m, nf, msg.kind)?;
                if nf.set.is_some() {
                    m.serialize_entry("attrs", &self.attrs(msg.attrs.clone()))?;
                } else {
                    m.serialize_entry(
                        "payload",
                        &Hex(v.data().get(msg.payload.clone()).unwrap_or(&[])),
                    )?;
                }
            }
            Body::Error { error, echo } => {
                m.serialize_entry("error", &ErrJson(*error))?;
                if let Some(e) = echo {
                    m.serialize_entry(
                        "echo",
                        &EchoJson {
                            e,
                            rec: v.record(),
                            data: v.data(),
                        },
                    )?;
                }
                if !msg.attrs.is_empty() {
                    m.serialize_entry("extack", &self.attrs(msg.attrs.clone()))?;
                }
                extack_attr(&mut m, msg.extack.as_deref())?;
            }
            Body::Done { status, nfgen } => {
                m.serialize_entry("status", status)?;
                if let Some(g) = nfgen {
                    m.serialize_entry("nfgen", &NfgenJson(g))?;
                }
                if !msg.attrs.is_empty() {
                    m.serialize_entry("extack", &self.attrs(msg.attrs.clone()))?;
                }
                extack_attr(&mut m, msg.extack.as_deref())?;
            }
            Body::Raw | Body::Truncated => {
                m.serialize_entry(
                    "payload",
                    &Hex(v.data().get(msg.payload.clone()).unwrap_or(&[])),
                )?;
            }
        }
        m.serialize_entry("findings", v.findings())?;
        if let Some(verdict) = v.verdict() {
            m.serialize_entry("verdict", verdict)?;
        }
        m.end()
    }
}

/// `extack_attr`: the attribute the extended ACK's offset points at in the echoed
/// request (`path`, `type`), when the decoder could resolve it.
fn extack_attr<M: SerializeMap>(m: &mut M, x: Option<&Extack>) -> Result<(), M::Error> {
    let Some(x) = x else { return Ok(()) };
    let Some(path) = &x.path else { return Ok(()) };
    #[derive(Serialize)]
    struct At<'a> {
        path: &'a str,
        #[serde(rename = "type")]
        ty: Option<&'static str>,
    }
    m.serialize_entry(
        "extack_attr",
        &At {
            path,
            ty: x.attr_type,
        },
    )
}

fn nf_entries<M: SerializeMap>(m: &mut M, nf: &NfInfo, kind: Kind) -> Result<(), M::Error> {
    m.serialize_entry("nfgen", &NfgenJson(&nf.nfgen))?;
    if matches!(kind, Kind::BatchBegin | Kind::BatchEnd) {
        // A batch message's subsystem is in its res_id (as the text line says).
        match u8::try_from(nf.nfgen.res_id)
            .ok()
            .and_then(messages::subsys_name)
        {
            Some(s) => m.serialize_entry("subsystem", s)?,
            None => m.serialize_entry("subsystem", &nf.nfgen.res_id)?,
        }
        m.serialize_entry("message", kind.as_str())?;
        return m.serialize_entry("set", &nf.set.map(|s| s.name));
    }
    if let Some(s) = messages::subsys_name(nf.subsys) {
        m.serialize_entry("subsystem", s)?;
    } else {
        m.serialize_entry("subsystem", &nf.subsys)?;
    }
    if let Some(n) = messages::msg_name(nf.subsys, nf.msg) {
        m.serialize_entry("message", n)?;
    } else {
        m.serialize_entry("message", &nf.msg)?;
    }
    m.serialize_entry("set", &nf.set.map(|s| s.name))
}

struct NfgenJson<'a>(&'a NfGenMsg);

impl Serialize for NfgenJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let g = self.0;
        let mut m = s.serialize_map(Some(3))?;
        match enums::FAMILY.name_of(u64::from(g.family)) {
            Some(n) => m.serialize_entry("family", n)?,
            None => m.serialize_entry("family", &g.family)?,
        }
        m.serialize_entry("version", &g.version)?;
        m.serialize_entry("res_id", &g.res_id)?;
        m.end()
    }
}

struct HdrJson<'a> {
    h: &'a NlMsgHdr,
    msg: Option<&'a Msg<'a>>,
}

impl Serialize for HdrJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let h = self.h;
        let mut m = s.serialize_map(Some(6))?;
        m.serialize_entry("len", &h.len)?;
        m.serialize_entry("type", &h.ty)?;
        m.serialize_entry("flags", &h.flags)?;
        if let Some(msg) = self.msg {
            m.serialize_entry("flag_names", &FlagsJson(msg))?;
        }
        m.serialize_entry("seq", &h.seq)?;
        m.serialize_entry("portid", &h.portid)?;
        m.end()
    }
}

struct FlagsJson<'a>(&'a Msg<'a>);

impl Serialize for FlagsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for f in self.0.flags() {
            match f {
                FlagName::Known(n) => seq.serialize_element(n)?,
                FlagName::Unknown(b) => seq.serialize_element(&b)?,
            }
        }
        seq.end()
    }
}

struct ErrJson(i32);

impl Serialize for ErrJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("code", &self.0)?;
        let e = errno_of(self.0).filter(|_| self.0 != 0);
        m.serialize_entry("name", &e.map(|x| x.0))?;
        m.serialize_entry("text", &e.map(|x| x.1))?;
        m.end()
    }
}

struct EchoJson<'a> {
    e: &'a Echo,
    rec: &'a Record,
    data: &'a [u8],
}

impl Serialize for EchoJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.e;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("offset", &e.offset)?;
        m.serialize_entry("capped", &e.capped)?;
        m.serialize_entry(
            "nlmsg",
            &HdrJson {
                h: &e.header,
                msg: None,
            },
        )?;
        if let Some(nf) = &e.nf {
            nf_entries(&mut m, nf, Kind::Request)?;
            if nf.set.is_some() && !e.capped {
                m.serialize_entry(
                    "attrs",
                    &Attrs {
                        rec: self.rec,
                        data: self.data,
                        range: e.attrs.clone(),
                    },
                )?;
            }
        } else if !e.raw.is_empty() {
            m.serialize_entry("payload", &Hex(self.data.get(e.raw.clone()).unwrap_or(&[])))?;
        }
        m.end()
    }
}

struct Hex<'a>(&'a [u8]);

impl Serialize for Hex<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let bytes = self.0;
        s.collect_str(&Disp(move |f: &mut fmt::Formatter<'_>| write_hex(f, bytes)))
    }
}

/// Text from a capture: a JSON string when it is UTF-8 (serde_json escapes the
/// control characters); otherwise `{"text": <escaped as for terminals, \xNN for
/// the bytes that are not UTF-8>, "hex": <the raw bytes>}` (docs/json.md).
struct TextJson<'a>(&'a [u8]);

impl Serialize for TextJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(self.0) {
            Ok(t) => s.serialize_str(t),
            Err(_) => {
                let bytes = self.0;
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry(
                    "text",
                    &Disp(move |f: &mut fmt::Formatter<'_>| {
                        crate::view::escape::escape(bytes).write_to(f)
                    }),
                )?;
                m.serialize_entry("hex", &Hex(bytes))?;
                m.end()
            }
        }
    }
}

/// A node range as a JSON object keyed by kernel names.
struct Attrs<'a> {
    rec: &'a Record,
    data: &'a [u8],
    range: Range<usize>,
}

impl Serialize for Attrs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        // Attribute numbers seen in this nest (below 64; the rest are counted by a
        // scan, which only unknown attributes can need).
        let mut seen: u64 = 0;
        for i in self.rec.children(self.range.clone()) {
            let a = Attr::new(self.rec, self.data, i);
            let num = a.num();
            let repeated = if num < 64 {
                let r = seen & (1 << num) != 0;
                seen |= 1 << num;
                r
            } else {
                true
            };
            // Repeated attributes: the first keeps the name, later ones get "#2", "#3"...
            let dup = if repeated {
                self.rec
                    .children(self.range.start..i)
                    .filter(|&j| Attr::new(self.rec, self.data, j).num() == num)
                    .count()
            } else {
                0
            };
            let repr = a.value();
            let value = if repr.is_nest() {
                AttrValue::Nest(Attrs {
                    rec: self.rec,
                    data: self.data,
                    range: self.rec.child_range(i),
                })
            } else {
                AttrValue::Leaf(ReprJson(repr))
            };
            match (a.kernel_name(), dup) {
                // The common case: the kernel name as it is, no formatting.
                (Some(n), 0) => m.serialize_entry(n, &value)?,
                _ => {
                    let name = a.name();
                    let key = Disp(move |f: &mut fmt::Formatter<'_>| {
                        fmt::Display::fmt(&name, f)?;
                        if dup > 0 {
                            write!(f, "#{}", dup + 1)?;
                        }
                        Ok(())
                    });
                    m.serialize_entry(&key, &value)?;
                }
            }
        }
        m.end()
    }
}

struct ReprJson<'a>(Repr<'a>);

/// An attribute's JSON value: an object of its children, or its value.
enum AttrValue<'a> {
    Nest(Attrs<'a>),
    Leaf(ReprJson<'a>),
}

impl Serialize for AttrValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            AttrValue::Nest(a) => a.serialize(s),
            AttrValue::Leaf(r) => r.serialize(s),
        }
    }
}

/// A sequence of flag names (unknown bits as numbers).
struct FlagSeq<I: Iterator<Item = Result<&'static str, u64>> + Clone>(I);

impl<I: Iterator<Item = Result<&'static str, u64>> + Clone> Serialize for FlagSeq<I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for it in self.0.clone() {
            match it {
                Ok(n) => seq.serialize_element(n)?,
                Err(b) => seq.serialize_element(&b)?,
            }
        }
        seq.end()
    }
}

/// Serializes as a string written by a formatting closure: serde_json escapes it
/// straight into the output, with no intermediate `String`.
struct Disp<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result>(F);

impl<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result> fmt::Display for Disp<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.0)(f)
    }
}

impl<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result> Serialize for Disp<F> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Serialize for ReprJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Repr::Num(v) => s.serialize_u64(*v),
            Repr::HexNum(v) => {
                let v = *v;
                s.collect_str(&Disp(move |f: &mut fmt::Formatter<'_>| write!(f, "{v:#x}")))
            }
            Repr::V4(a) => {
                let o = a.octets();
                s.collect_str(&Disp(move |f: &mut fmt::Formatter<'_>| {
                    let mut b = itoa::Buffer::new();
                    for (i, x) in o.iter().enumerate() {
                        if i > 0 {
                            f.write_str(".")?;
                        }
                        f.write_str(b.format(*x))?;
                    }
                    Ok(())
                }))
            }
            Repr::V6(a) => s.collect_str(a),
            Repr::EnumName(n) => s.serialize_str(n),
            Repr::FlagList(flags, v) => FlagSeq(flag_iter(flags, *v)).serialize(s),
            Repr::TcpFlags(fl, mask) => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("flags", &FlagSeq(flag_iter(&TCP_FLAGS, u64::from(*fl))))?;
                m.serialize_entry("mask", &FlagSeq(flag_iter(&TCP_FLAGS, u64::from(*mask))))?;
                m.end()
            }
            Repr::Time(ns) => {
                let ns = *ns;
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("ns", &ns)?;
                m.serialize_entry(
                    "utc",
                    &Disp(move |f: &mut fmt::Formatter<'_>| {
                        fmt_utc(
                            f,
                            std::time::Duration::from_nanos(ns),
                            crate::capture::TsPrecision::Nano,
                        )
                    }),
                )?;
                m.end()
            }
            Repr::Labels(bytes, order) => {
                let mut seq = s.serialize_seq(None)?;
                let mut err = None;
                label_bits(bytes, *order, |b| {
                    if err.is_none() {
                        err = seq.serialize_element(&b).err();
                    }
                });
                match err {
                    Some(e) => Err(e),
                    None => seq.end(),
                }
            }
            Repr::Text(t) => TextJson(t).serialize(s),
            Repr::Struct(st, bytes, order) => {
                let mut m = s.serialize_map(None)?;
                for f in st.fields.iter().filter(|f| !f.pad) {
                    m.serialize_entry(f.name, &ReprJson(field_value(f, bytes, *order)))?;
                }
                m.end()
            }
            Repr::Hex(b) => Hex(b).serialize(s),
            Repr::Nest => s.serialize_unit(),
        }
    }
}

// ---------------------------------------------------------------------------------
// Exchanges and the summary

struct ExchangeJson<'a>(&'a Exchange);

impl Serialize for ExchangeJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Req<'a> {
            frame: u64,
            name: &'a str,
            kind: &'static str,
            flags: u16,
            portid: u32,
        }
        let ex = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("exchange", &ex.id)?;
        m.serialize_entry(
            "request",
            &ex.request.as_ref().map(|r| Req {
                frame: r.frame,
                name: &r.name,
                kind: r.kind.as_str(),
                flags: r.flags,
                portid: r.portid,
            }),
        )?;
        if let Some(a) = &ex.answer_name {
            m.serialize_entry("answer", a)?;
        }
        m.serialize_entry("seq", &ex.seq)?;
        m.serialize_entry("portid", &ex.portid)?;
        m.serialize_entry("frames", &ex.frames)?;
        m.serialize_entry("outcome", ex.outcome.as_str())?;
        if let Outcome::Error(e) = ex.outcome {
            m.serialize_entry("error", &ErrJson(e))?;
        }
        m.serialize_entry("replies", &ex.replies)?;
        m.serialize_entry("duration_us", &(ex.duration().as_micros() as u64))?;
        if let Some(x) = &ex.extack {
            m.serialize_entry("extack", &ExtackJson(x))?;
        }
        if let Some(v) = &ex.verdict {
            m.serialize_entry("verdict", v)?;
            m.serialize_entry("verdict_agrees", &ex.verdict_agrees())?;
        }
        m.end()
    }
}

struct ExtackJson<'a>(&'a Extack);

impl Serialize for ExtackJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Policy<'a>(&'a [(String, String)]);
        impl Serialize for Policy<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(self.0.len()))?;
                for (k, v) in self.0 {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
        let x = self.0;
        let mut m = s.serialize_map(Some(9))?;
        m.serialize_entry("missing", &x.missing)?;
        m.serialize_entry("missing_in", &x.missing_in)?;
        m.serialize_entry("missing_nest_offset", &x.missing_nest_offset)?;
        m.serialize_entry("msg", &x.msg.as_deref().map(TextJson))?;
        m.serialize_entry("offset", &x.offset)?;
        m.serialize_entry("path", &x.path)?;
        m.serialize_entry("policy", &Policy(&x.policy))?;
        m.serialize_entry("type", &x.attr_type)?;
        m.end()
    }
}

struct SummaryJson<'a>(&'a Summary);

impl Serialize for SummaryJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct ByType<'a> {
            name: &'a str,
            direction: &'static str,
            count: u64,
        }
        #[derive(Serialize)]
        struct Errno {
            code: i32,
            name: Option<&'static str>,
            count: u64,
        }
        #[derive(Serialize)]
        struct Count {
            severity: &'static str,
            code: &'static str,
            count: u64,
        }
        #[derive(Serialize)]
        struct Dump<'a> {
            frame: u64,
            request: &'a str,
            entries: u64,
            outcome: &'static str,
        }
        #[derive(Serialize)]
        struct V {
            kernel: &'static str,
            errno: Option<&'static str>,
            count: u64,
        }
        let x = self.0;
        let (agree, disagree) = x.verdict_agreement();
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("summary", &true)?;
        m.serialize_entry(
            "verdicts",
            &x.verdicts()
                .iter()
                .map(|((k, e), c)| V {
                    kernel: k,
                    errno: (!e.is_empty()).then_some(*e),
                    count: *c,
                })
                .collect::<Vec<_>>(),
        )?;
        m.serialize_entry("verdicts_agree", &agree)?;
        m.serialize_entry("verdicts_disagree", &disagree)?;
        m.serialize_entry("records", &x.records())?;
        m.serialize_entry("messages", &x.messages())?;
        m.serialize_entry("duration_us", &(x.duration().as_micros() as u64))?;
        m.serialize_entry(
            "by_type",
            &x.by_type()
                .map(|(name, d, count)| ByType {
                    name,
                    direction: d.as_str(),
                    count,
                })
                .collect::<Vec<_>>(),
        )?;
        m.serialize_entry("by_kind", x.kinds())?;
        m.serialize_entry("exchanges", x.outcomes())?;
        m.serialize_entry(
            "errors",
            &x.errors()
                .iter()
                .map(|(e, c)| Errno {
                    code: *e,
                    name: errno_of(*e).map(|n| n.0),
                    count: *c,
                })
                .collect::<Vec<_>>(),
        )?;
        m.serialize_entry(
            "findings",
            &x.findings()
                .iter()
                .rev()
                .map(|((s, c), n)| Count {
                    severity: s.as_str(),
                    code: c.as_str(),
                    count: *n,
                })
                .collect::<Vec<_>>(),
        )?;
        m.serialize_entry(
            "dumps",
            &x.dumps()
                .iter()
                .map(|(f, n, e, o)| Dump {
                    frame: *f,
                    request: n,
                    entries: *e,
                    outcome: o,
                })
                .collect::<Vec<_>>(),
        )?;
        m.serialize_entry("more_dumps", &x.more_dumps())?;
        m.end()
    }
}
