//! The JSON object of one netlink message, written straight into a byte buffer
//! (issue 14). Its keys are static (the kernel's attribute names, the format's own
//! member names): they are written as they are, without escaping
//! (`tests/it/output.rs` checks that no schema name needs any). Strings that come
//! from a capture, and any other string that needs it, go through serde_json's
//! escaping; numbers through itoa. The bytes are exactly what serde_json made of
//! the same object before (docs/json.md is the format).

use super::{fmt_utc, write_hex};
use crate::capture::FrameMeta;
use crate::decode::FlagName;
use crate::model::{Body, Echo, Extack, Kind, NfInfo, Record};
use crate::schema::enums::{self, Flags, TCP_FLAGS};
use crate::schema::messages;
use crate::view::time::{utc_bytes, UTC_MAX};
use crate::view::{
    errno_of, field_value, flag_iter, label_bits, netlink_family_name, Attr, Msg, Repr,
};
use crate::wire::{Endian, NfGenMsg, NlMsgHdr};
use std::fmt::{self, Write as _};
use std::ops::Range;

/// A byte buffer that JSON is written into. Every value is followed by a comma;
/// closing an object or array takes back the last one.
pub(super) struct Out<'b>(pub &'b mut Vec<u8>);

impl fmt::Write for Out<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

impl Out<'_> {
    #[inline]
    fn raw(&mut self, s: &[u8]) {
        self.0.extend_from_slice(s);
    }

    /// `"k":` for a static key that needs no escaping.
    #[inline]
    fn key(&mut self, k: &str) {
        self.0.push(b'"');
        self.0.extend_from_slice(k.as_bytes());
        self.0.extend_from_slice(b"\":");
    }

    #[inline]
    fn open(&mut self, c: u8) {
        self.0.push(c);
    }

    /// Ends an object or array (`c` is `}` or `]`) and the value it is.
    #[inline]
    fn close(&mut self, c: u8) {
        if self.0.last() == Some(&b',') {
            self.0.pop();
        }
        self.0.push(c);
        self.0.push(b',');
    }

    #[inline]
    fn end_value(&mut self) {
        self.0.push(b',');
    }

    fn u64(&mut self, v: u64) {
        let mut b = itoa::Buffer::new();
        self.raw(b.format(v).as_bytes());
        self.end_value();
    }

    fn i64(&mut self, v: i64) {
        let mut b = itoa::Buffer::new();
        self.raw(b.format(v).as_bytes());
        self.end_value();
    }

    fn null(&mut self) {
        self.raw(b"null,");
    }

    fn bool(&mut self, v: bool) {
        self.raw(if v { b"true," } else { b"false," });
    }

    /// A string: as it is when no byte needs escaping (what serde_json would write
    /// then), else escaped by serde_json.
    fn str(&mut self, s: &str) {
        if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
            self.0.push(b'"');
            self.raw(s.as_bytes());
            self.0.push(b'"');
        } else {
            // Writing into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut *self.0, s);
        }
        self.end_value();
    }

    /// A name from the tables (kinds, directions, enum and flag names, set and
    /// message names, errno names and texts): none needs escaping
    /// (`tests/it/output.rs`, and checked here in debug builds).
    #[inline]
    fn name(&mut self, s: &'static str) {
        debug_assert!(
            s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\'),
            "{s:?} needs escaping"
        );
        self.0.push(b'"');
        self.raw(s.as_bytes());
        self.raw(b"\",");
    }

    /// A string made by `f` (which writes only what needs no escaping: digits,
    /// punctuation, hex, names of the tables).
    fn str_with(&mut self, f: impl FnOnce(&mut Self) -> fmt::Result) {
        self.0.push(b'"');
        let _ = f(self);
        self.0.push(b'"');
        self.end_value();
    }

    /// A string made by `f` that may need escaping.
    fn str_display(&mut self, d: impl fmt::Display, scratch: &mut String) {
        scratch.clear();
        let _ = write!(scratch, "{d}");
        self.str(scratch);
    }

    fn hex(&mut self, bytes: &[u8]) {
        self.str_with(|o| write_hex(o, bytes));
    }
}

/// Writes the members of message `msg`'s object (after `{`), ending with a comma.
pub(super) fn message(o: &mut Out<'_>, f: &FrameMeta, v: &Msg<'_>, scratch: &mut String) {
    let msg = v.message();
    o.key("frame");
    o.u64(f.number);
    o.key("time");
    utc(o, f.ts, f.precision);
    o.key("ts_ns");
    o.u64(f.ts.as_nanos() as u64);
    o.key("linktype");
    o.u64(u64::from(f.linktype));
    o.key("link");
    o.open(b'{');
    o.key("pkttype");
    o.u64(u64::from(f.link.pkttype));
    o.key("hatype");
    o.u64(u64::from(f.link.hatype));
    o.key("protocol");
    o.u64(u64::from(f.link.protocol));
    o.key("ifindex");
    match f.link.ifindex {
        Some(i) => o.u64(u64::from(i)),
        None => o.null(),
    }
    o.key("header_len");
    o.u64(f.link.header_len as u64);
    o.close(b'}');
    o.key("offset");
    o.u64(msg.offset as u64);
    o.key("byte_order");
    o.name(match v.order() {
        Endian::Little => "little",
        Endian::Big => "big",
    });
    o.key("protocol");
    o.name(netlink_family_name(msg.protocol).unwrap_or("unknown"));
    o.key("direction");
    o.name(msg.direction.as_str());
    o.key("kind");
    o.name(msg.kind.as_str());
    o.key("name");
    o.str_display(v.name(), scratch);
    o.key("nlmsg");
    header(o, &msg.header, Some(v));
    let (rec, data) = (v.record(), v.data());
    match &msg.body {
        Body::Nf(nf) => {
            nf_members(o, nf, msg.kind);
            if nf.set.is_some() {
                o.key("attrs");
                attrs(o, rec, data, msg.attrs.clone(), scratch);
            } else {
                o.key("payload");
                o.hex(data.get(msg.payload.clone()).unwrap_or(&[]));
            }
        }
        Body::Error { error, echo } => {
            o.key("error");
            errno(o, *error);
            if let Some(e) = echo {
                o.key("echo");
                echo_object(o, e, rec, data, scratch);
            }
            extack_members(
                o,
                rec,
                data,
                msg.attrs.clone(),
                msg.extack.as_deref(),
                scratch,
            );
        }
        Body::Done { status, nfgen } => {
            o.key("status");
            match status {
                Some(s) => o.i64(i64::from(*s)),
                None => o.null(),
            }
            if let Some(g) = nfgen {
                o.key("nfgen");
                nfgen_object(o, g);
            }
            extack_members(
                o,
                rec,
                data,
                msg.attrs.clone(),
                msg.extack.as_deref(),
                scratch,
            );
        }
        Body::Raw | Body::Truncated => {
            o.key("payload");
            o.hex(data.get(msg.payload.clone()).unwrap_or(&[]));
        }
    }
    o.key("findings");
    let findings = v.findings();
    if findings.is_empty() {
        o.raw(b"[],");
    } else {
        let _ = serde_json::to_writer(&mut *o.0, findings);
        o.end_value();
    }
    if let Some(verdict) = v.verdict() {
        o.key("verdict");
        let _ = serde_json::to_writer(&mut *o.0, verdict);
        o.end_value();
    }
}

/// `extack` (the TLVs) and `extack_attr` (the attribute the offset points at in
/// the echoed request, when the decoder could resolve it).
fn extack_members(
    o: &mut Out<'_>,
    rec: &Record,
    data: &[u8],
    range: Range<usize>,
    x: Option<&Extack>,
    scratch: &mut String,
) {
    if !range.is_empty() {
        o.key("extack");
        attrs(o, rec, data, range, scratch);
    }
    let Some(x) = x else { return };
    let Some(path) = &x.path else { return };
    o.key("extack_attr");
    o.open(b'{');
    o.key("path");
    o.str(path);
    o.key("type");
    match x.attr_type {
        Some(t) => o.name(t),
        None => o.null(),
    }
    o.close(b'}');
}

fn header(o: &mut Out<'_>, h: &NlMsgHdr, msg: Option<&Msg<'_>>) {
    o.open(b'{');
    o.key("len");
    o.u64(u64::from(h.len));
    o.key("type");
    o.u64(u64::from(h.ty));
    o.key("flags");
    o.u64(u64::from(h.flags));
    if let Some(msg) = msg {
        o.key("flag_names");
        o.open(b'[');
        for f in msg.flags() {
            match f {
                FlagName::Known(n) => o.name(n),
                FlagName::Unknown(b) => o.u64(u64::from(b)),
            }
        }
        o.close(b']');
    }
    o.key("seq");
    o.u64(u64::from(h.seq));
    o.key("portid");
    o.u64(u64::from(h.portid));
    o.close(b'}');
}

fn nfgen_object(o: &mut Out<'_>, g: &NfGenMsg) {
    o.open(b'{');
    o.key("family");
    match enums::FAMILY.name_of(u64::from(g.family)) {
        Some(n) => o.name(n),
        None => o.u64(u64::from(g.family)),
    }
    o.key("version");
    o.u64(u64::from(g.version));
    o.key("res_id");
    o.u64(u64::from(g.res_id));
    o.close(b'}');
}

fn nf_members(o: &mut Out<'_>, nf: &NfInfo, kind: Kind) {
    o.key("nfgen");
    nfgen_object(o, &nf.nfgen);
    o.key("subsystem");
    if matches!(kind, Kind::BatchBegin | Kind::BatchEnd) {
        // A batch message's subsystem is in its res_id (as the text line says).
        match u8::try_from(nf.nfgen.res_id)
            .ok()
            .and_then(messages::subsys_name)
        {
            Some(s) => o.name(s),
            None => o.u64(u64::from(nf.nfgen.res_id)),
        }
        o.key("message");
        o.name(kind.as_str());
    } else {
        match messages::subsys_name(nf.subsys) {
            Some(s) => o.name(s),
            None => o.u64(u64::from(nf.subsys)),
        }
        o.key("message");
        match messages::msg_name(nf.subsys, nf.msg) {
            Some(n) => o.name(n),
            None => o.u64(u64::from(nf.msg)),
        }
    }
    o.key("set");
    match nf.set {
        Some(s) => o.name(s.name),
        None => o.null(),
    }
}

/// `{"code": N, "name": "ENOENT", "text": "..."}` (name and text null for 0).
pub(super) fn errno(o: &mut Out<'_>, code: i32) {
    o.open(b'{');
    o.key("code");
    o.i64(i64::from(code));
    let e = errno_of(code).filter(|_| code != 0);
    o.key("name");
    match e {
        Some((n, _)) => o.name(n),
        None => o.null(),
    }
    o.key("text");
    match e {
        Some((_, t)) => o.name(t),
        None => o.null(),
    }
    o.close(b'}');
}

fn echo_object(o: &mut Out<'_>, e: &Echo, rec: &Record, data: &[u8], scratch: &mut String) {
    o.open(b'{');
    o.key("offset");
    o.u64(e.offset as u64);
    o.key("capped");
    o.bool(e.capped);
    o.key("nlmsg");
    header(o, &e.header, None);
    if let Some(nf) = &e.nf {
        nf_members(o, nf, Kind::Request);
        if nf.set.is_some() && !e.capped {
            o.key("attrs");
            attrs(o, rec, data, e.attrs.clone(), scratch);
        }
    } else if !e.raw.is_empty() {
        o.key("payload");
        o.hex(data.get(e.raw.clone()).unwrap_or(&[]));
    }
    o.close(b'}');
}

/// A node range as an object keyed by kernel names; a repeated attribute keeps
/// its name the first time, then `name#2`, `name#3`, ...
fn attrs(o: &mut Out<'_>, rec: &Record, data: &[u8], range: Range<usize>, scratch: &mut String) {
    o.open(b'{');
    // Attribute numbers seen in this nest (below 64; the rest are counted by a
    // scan, which only unknown attributes can need).
    let mut seen: u64 = 0;
    for i in rec.children(range.clone()) {
        let a = Attr::new(rec, data, i);
        let num = a.num();
        let repeated = if num < 64 {
            let r = seen & (1 << num) != 0;
            seen |= 1 << num;
            r
        } else {
            true
        };
        let dup = if repeated {
            rec.children(range.start..i)
                .filter(|&j| Attr::new(rec, data, j).num() == num)
                .count()
        } else {
            0
        };
        match (a.kernel_name(), dup) {
            (Some(n), 0) => o.key(n),
            _ => {
                scratch.clear();
                let _ = write!(scratch, "{}", a.name());
                if dup > 0 {
                    let _ = write!(scratch, "#{}", dup + 1);
                }
                let key = std::mem::take(scratch);
                o.str(&key);
                *scratch = key;
                // `str` ended the key like a value: make it a key.
                o.0.pop();
                o.0.push(b':');
            }
        }
        let repr = a.value();
        if repr.is_nest() {
            attrs(o, rec, data, rec.child_range(i), scratch);
        } else {
            value(o, &repr);
        }
    }
    o.close(b'}');
}

fn flag_list(o: &mut Out<'_>, flags: &'static Flags, v: u64) {
    o.open(b'[');
    for it in flag_iter(flags, v) {
        match it {
            Ok(n) => o.name(n),
            Err(b) => o.u64(b),
        }
    }
    o.close(b']');
}

/// A UTC time string.
fn utc(o: &mut Out<'_>, ts: std::time::Duration, p: crate::capture::TsPrecision) {
    let mut buf = [0u8; UTC_MAX];
    match utc_bytes(&mut buf, ts, p) {
        0 => o.str_with(|o| fmt_utc(o, ts, p)),
        n => {
            o.0.push(b'"');
            o.raw(buf.get(..n).unwrap_or(&[]));
            o.raw(b"\",");
        }
    }
}

/// An attribute's value (not a nest).
fn value(o: &mut Out<'_>, r: &Repr<'_>) {
    match r {
        Repr::Num(v) => o.u64(*v),
        Repr::HexNum(v) => o.str_with(|o| write!(o, "{v:#x}")),
        Repr::V4(a) => o.str_with(|o| {
            let mut b = itoa::Buffer::new();
            for (i, x) in a.octets().iter().enumerate() {
                if i > 0 {
                    o.0.push(b'.');
                }
                o.raw(b.format(*x).as_bytes());
            }
            Ok(())
        }),
        Repr::V6(a) => o.str_with(|o| write!(o, "{a}")),
        Repr::EnumName(n) => o.name(n),
        Repr::FlagList(flags, v) => flag_list(o, flags, *v),
        Repr::TcpFlags(fl, mask) => {
            o.open(b'{');
            o.key("flags");
            flag_list(o, &TCP_FLAGS, u64::from(*fl));
            o.key("mask");
            flag_list(o, &TCP_FLAGS, u64::from(*mask));
            o.close(b'}');
        }
        Repr::Time(ns) => {
            o.open(b'{');
            o.key("ns");
            o.u64(*ns);
            o.key("utc");
            utc(
                o,
                std::time::Duration::from_nanos(*ns),
                crate::capture::TsPrecision::Nano,
            );
            o.close(b'}');
        }
        Repr::Labels(bytes, order) => {
            o.open(b'[');
            label_bits(bytes, *order, |b| o.u64(u64::from(b)));
            o.close(b']');
        }
        Repr::Text(t) => text(o, t),
        Repr::Struct(st, bytes, order) => {
            o.open(b'{');
            for f in st.fields.iter().filter(|f| !f.pad) {
                o.key(f.name);
                value(o, &field_value(f, bytes, *order));
            }
            o.close(b'}');
        }
        Repr::Hex(b) => o.hex(b),
        Repr::Nest => o.null(),
    }
}

/// Text from a capture: a JSON string when it is UTF-8; otherwise `{"text":
/// <escaped as for terminals, \xNN for the bytes that are not UTF-8>, "hex": <the
/// raw bytes>}` (docs/json.md).
fn text(o: &mut Out<'_>, t: &[u8]) {
    match std::str::from_utf8(t) {
        Ok(s) => o.str(s),
        Err(_) => {
            o.open(b'{');
            o.key("text");
            let mut s = String::new();
            let _ = crate::view::escape::escape(t).write_to(&mut s);
            o.str(&s);
            o.key("hex");
            o.hex(t);
            o.close(b'}');
        }
    }
}
