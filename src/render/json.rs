//! JSON Lines output: one object per netlink message (and one per notice). The
//! format is a public interface, documented in docs/json.md.
//!
//! Objects are streamed with serde's `Serialize` over views of the record: nothing
//! is copied into an intermediate `serde_json::Value`.

use super::{
    errno_of, flag_items, fmt_utc, for_each_flag, label_bits, tcp_flag_items, type_name,
    value_repr, write_hex, FrameInfo, Repr,
};
use crate::decode::{nf_msg_name, subsys_name, FlagName};
use crate::finding::Finding;
use crate::model::{Body, Echo, Message, NfInfo, Record};
use crate::schema::enums;
use crate::wire::{Endian, NlMsgHdr};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;
use std::io::{self, Write};
use std::ops::Range;

/// Writes JSON Lines.
#[derive(Debug, Default)]
pub struct JsonRenderer;

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
        serde_json::to_writer(&mut *out, &view).map_err(io::Error::other)?;
        out.write_all(b"\n")
    }

    /// Writes a notice object: a finding that belongs to no message.
    pub fn notice(
        &mut self,
        out: &mut dyn Write,
        frame: Option<u64>,
        f: &Finding,
    ) -> io::Result<()> {
        #[derive(Serialize)]
        struct Notice<'a> {
            frame: Option<u64>,
            notice: bool,
            findings: [&'a Finding; 1],
        }
        serde_json::to_writer(
            &mut *out,
            &Notice {
                frame,
                notice: true,
                findings: [f],
            },
        )
        .map_err(io::Error::other)?;
        out.write_all(b"\n")
    }
}

struct Str<F: Fn(&mut String)>(F);

impl<F: Fn(&mut String)> Serialize for Str<F> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = String::new();
        (self.0)(&mut buf);
        s.serialize_str(&buf)
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
            &Str(|b: &mut String| {
                let _ = fmt_utc(b, f.ts, f.precision);
            }),
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
        m.serialize_entry("name", &Str(|b: &mut String| type_name(msg, b)))?;
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
        let mut b = String::with_capacity(self.0.len() * 2);
        let _ = write_hex(&mut b, self.0);
        s.serialize_str(&b)
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
        let kids: Vec<usize> = self.rec.children(self.range.clone()).collect();
        for (k, &i) in kids.iter().enumerate() {
            let Some(node) = self.rec.nodes.get(i) else {
                continue;
            };
            // Repeated attributes: the first keeps the name, later ones get "#2", "#3"...
            let dup = kids
                .iter()
                .take(k)
                .filter(|&&j| self.rec.nodes.get(j).is_some_and(|n| n.num() == node.num()))
                .count();
            let mut key = String::new();
            super::node_name(node, &mut key);
            if dup > 0 {
                key.push('#');
                key.push_str(&(dup + 1).to_string());
            }
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

struct FlagSeq<F: Fn(&mut dyn FnMut(Result<&'static str, u64>))>(F);

impl<F: Fn(&mut dyn FnMut(Result<&'static str, u64>))> Serialize for FlagSeq<F> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut items: Vec<Result<&'static str, u64>> = Vec::new();
        (self.0)(&mut |x| items.push(x));
        let mut seq = s.serialize_seq(Some(items.len()))?;
        for it in items {
            match it {
                Ok(n) => seq.serialize_element(n)?,
                Err(b) => seq.serialize_element(&b)?,
            }
        }
        seq.end()
    }
}

impl Serialize for ReprJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Repr::Num(v) => s.serialize_u64(*v),
            Repr::HexNum(v) => s.serialize_str(&format!("{v:#x}")),
            Repr::V4(a) => s.collect_str(a),
            Repr::V6(a) => s.collect_str(a),
            Repr::EnumName(n) => s.serialize_str(n),
            Repr::FlagList(flags, v) => {
                let (flags, v) = (*flags, *v);
                FlagSeq(move |f: &mut dyn FnMut(Result<&'static str, u64>)| flag_items(flags, v, f))
                    .serialize(s)
            }
            Repr::TcpFlags(fl, mask) => {
                let (fl, mask) = (*fl, *mask);
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry(
                    "flags",
                    &FlagSeq(move |f: &mut dyn FnMut(Result<&'static str, u64>)| {
                        tcp_flag_items(fl, f)
                    }),
                )?;
                m.serialize_entry(
                    "mask",
                    &FlagSeq(move |f: &mut dyn FnMut(Result<&'static str, u64>)| {
                        tcp_flag_items(mask, f)
                    }),
                )?;
                m.end()
            }
            Repr::Time(ns) => {
                let ns = *ns;
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("ns", &ns)?;
                m.serialize_entry(
                    "utc",
                    &Str(move |b: &mut String| {
                        let _ = fmt_utc(
                            b,
                            std::time::Duration::from_nanos(ns),
                            crate::capture::TsPrecision::Nano,
                        );
                    }),
                )?;
                m.end()
            }
            Repr::Labels(bytes, order) => {
                let mut bits = Vec::new();
                label_bits(bytes, *order, |b| bits.push(b));
                bits.serialize(s)
            }
            Repr::Text(t) => s.serialize_str(&String::from_utf8_lossy(t)),
            Repr::Hex(b) => Hex(b).serialize(s),
            Repr::Nest => s.serialize_unit(),
        }
    }
}
