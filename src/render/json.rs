//! JSON Lines output: one object per netlink message (and one per notice). The
//! format is a public interface, documented in docs/json.md.
//!
//! Objects are streamed with serde's `Serialize` over views of the record: nothing
//! is copied into an intermediate `serde_json::Value`.

use super::{
    errno_of, flag_iter, fmt_utc, for_each_flag, label_bits, type_name, value_repr, write_hex,
    FrameInfo, Repr,
};
use crate::decode::{nf_msg_name, subsys_name, FlagName};
use crate::finding::Finding;
use crate::model::{Body, Echo, Message, NfInfo, Record};
use crate::schema::enums;
use crate::schema::enums::TCP_FLAGS;
use crate::wire::{Endian, NlMsgHdr};
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
}

impl JsonRenderer {
    /// Writes one message object and a newline.
    pub fn message(
        &mut self,
        out: &mut dyn Write,
        frame: &FrameInfo,
        data: &[u8],
        rec: &Record,
        msg: &Message,
    ) -> io::Result<()> {
        let view = MsgJson {
            frame,
            data,
            rec,
            msg,
        };
        self.buf.clear();
        serde_json::to_writer(&mut self.buf, &view).map_err(io::Error::other)?;
        self.buf.push(b'\n');
        out.write_all(&self.buf)
    }

    /// Writes a notice object: a finding that belongs to no message.
    pub fn notice(
        &mut self,
        out: &mut dyn Write,
        frame: Option<u64>,
        f: &Finding,
        verdict: Option<&crate::verdict::Verdict>,
    ) -> io::Result<()> {
        #[derive(Serialize)]
        struct Notice<'a> {
            frame: Option<u64>,
            notice: bool,
            findings: [&'a Finding; 1],
            #[serde(skip_serializing_if = "Option::is_none")]
            verdict: Option<&'a crate::verdict::Verdict>,
        }
        serde_json::to_writer(
            &mut *out,
            &Notice {
                frame,
                notice: true,
                findings: [f],
                verdict,
            },
        )
        .map_err(io::Error::other)?;
        out.write_all(b"\n")
    }
}

struct MsgJson<'a> {
    frame: &'a FrameInfo,
    data: &'a [u8],
    rec: &'a Record,
    msg: &'a Message,
}

impl<'a> MsgJson<'a> {
    fn attrs(&self, range: Range<usize>) -> Attrs<'a> {
        Attrs {
            rec: self.rec,
            data: self.data,
            order: self.rec.order.unwrap_or(Endian::Little),
            range,
        }
    }
}

impl Serialize for MsgJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (f, msg, rec) = (self.frame, self.msg, self.rec);
        let order = rec.order.unwrap_or(Endian::Little);
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
        m.serialize_entry("byte_order", &order)?;
        m.serialize_entry(
            "protocol",
            &super::netlink_family_name(msg.protocol).unwrap_or("unknown"),
        )?;
        m.serialize_entry("direction", &msg.direction)?;
        m.serialize_entry("kind", msg.kind.as_str())?;
        m.serialize_entry(
            "name",
            &Disp(|w: &mut fmt::Formatter<'_>| {
                type_name(msg, w);
                Ok(())
            }),
        )?;
        m.serialize_entry(
            "nlmsg",
            &HdrJson {
                h: &msg.header,
                msg: Some(msg),
            },
        )?;
        match &msg.body {
            Body::Nf(nf) => {
                nf_entries(&mut m, nf)?;
                if nf.set.is_some() {
                    m.serialize_entry("attrs", &self.attrs(msg.attrs.clone()))?;
                } else {
                    m.serialize_entry(
                        "payload",
                        &Hex(self.data.get(msg.payload.clone()).unwrap_or(&[])),
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
                            rec,
                            data: self.data,
                            order,
                        },
                    )?;
                }
                if !msg.attrs.is_empty() {
                    m.serialize_entry("extack", &self.attrs(msg.attrs.clone()))?;
                }
            }
            Body::Done { status } => {
                m.serialize_entry("status", status)?;
                if !msg.attrs.is_empty() {
                    m.serialize_entry("extack", &self.attrs(msg.attrs.clone()))?;
                }
            }
            Body::Raw | Body::Truncated => {
                m.serialize_entry(
                    "payload",
                    &Hex(self.data.get(msg.payload.clone()).unwrap_or(&[])),
                )?;
            }
        }
        m.serialize_entry(
            "findings",
            rec.findings.get(msg.findings.clone()).unwrap_or(&[]),
        )?;
        if let Some(v) = &msg.verdict {
            m.serialize_entry("verdict", v)?;
        }
        m.end()
    }
}

fn nf_entries<M: SerializeMap>(m: &mut M, nf: &NfInfo) -> Result<(), M::Error> {
    m.serialize_entry("nfgen", &NfgenJson(nf))?;
    if let Some(s) = subsys_name(nf.subsys) {
        m.serialize_entry("subsystem", s)?;
    } else {
        m.serialize_entry("subsystem", &nf.subsys)?;
    }
    if let Some(n) = nf_msg_name(nf.subsys, nf.msg) {
        m.serialize_entry("message", n)?;
    } else {
        m.serialize_entry("message", &nf.msg)?;
    }
    m.serialize_entry("set", &nf.set.map(|s| s.name))
}

struct NfgenJson<'a>(&'a NfInfo);

impl Serialize for NfgenJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let g = &self.0.nfgen;
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
    msg: Option<&'a Message>,
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

struct FlagsJson<'a>(&'a Message);

impl Serialize for FlagsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        let mut err = None;
        for_each_flag(self.0, |f| {
            if err.is_some() {
                return;
            }
            let r = match f {
                FlagName::Known(n) => seq.serialize_element(n),
                FlagName::Unknown(b) => seq.serialize_element(&b),
            };
            if let Err(e) = r {
                err = Some(e);
            }
        });
        if let Some(e) = err {
            return Err(e);
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
    order: Endian,
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
            nf_entries(&mut m, nf)?;
            if nf.set.is_some() && !e.capped {
                m.serialize_entry(
                    "attrs",
                    &Attrs {
                        rec: self.rec,
                        data: self.data,
                        order: self.order,
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

/// A node range as a JSON object keyed by kernel names.
struct Attrs<'a> {
    rec: &'a Record,
    data: &'a [u8],
    order: Endian,
    range: Range<usize>,
}

impl Serialize for Attrs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        // Attribute numbers seen in this nest (below 64; the rest are counted by a
        // scan, which only unknown attributes can need).
        let mut seen: u64 = 0;
        for i in self.rec.children(self.range.clone()) {
            let Some(node) = self.rec.nodes.get(i) else {
                continue;
            };
            let num = node.num();
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
                    .filter(|&j| self.rec.nodes.get(j).is_some_and(|n| n.num() == num))
                    .count()
            } else {
                0
            };
            let key = Disp(move |f: &mut fmt::Formatter<'_>| {
                match node.def {
                    Some(d) => f.write_str(d.name)?,
                    None => write!(f, "attr-{num}")?,
                }
                if dup > 0 {
                    write!(f, "#{}", dup + 1)?;
                }
                Ok(())
            });
            let repr = value_repr(node, self.data, self.order);
            if repr.is_nest() {
                m.serialize_entry(
                    &key,
                    &Attrs {
                        rec: self.rec,
                        data: self.data,
                        order: self.order,
                        range: self.rec.child_range(i),
                    },
                )?;
            } else {
                m.serialize_entry(&key, &ReprJson(repr))?;
            }
        }
        m.end()
    }
}

struct ReprJson<'a>(Repr<'a>);

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
            Repr::Text(t) => s.serialize_str(&String::from_utf8_lossy(t)),
            Repr::Hex(b) => Hex(b).serialize(s),
            Repr::Nest => s.serialize_unit(),
        }
    }
}
