//! A small encoder: builds netlink / nfnetlink messages attribute by attribute,
//! by kernel name through the schema, and wraps them in capture files.
//!
//! Tests use it to make well-formed and deliberately malformed inputs without typing
//! hex; the round-trip fuzz target uses it to write what `arbitrary` generated. It
//! never panics: a name the current set does not know is written as attribute 0 and
//! recorded in [`MsgBuilder::errors`].

use crate::capture::field::sll;
use crate::schema::{AttrSet, Order, Type};
use crate::wire::{align4, Endian, NLA_F_NESTED};

/// Builds one netlink message.
#[derive(Debug, Clone)]
pub struct MsgBuilder {
    buf: Vec<u8>,
    order: Endian,
    /// (offset of the open nest's header, set of its children)
    stack: Vec<(usize, &'static AttrSet)>,
    root: &'static AttrSet,
    /// Names that could not be resolved (a test bug, not a panic).
    pub errors: Vec<String>,
}

impl MsgBuilder {
    /// A message with the given header fields (nlmsg_len is filled in by `finish`),
    /// little-endian headers, top-level attributes of `root`.
    pub fn new(ty: u16, flags: u16, seq: u32, portid: u32, root: &'static AttrSet) -> MsgBuilder {
        let mut b = MsgBuilder {
            buf: Vec::with_capacity(256),
            order: Endian::Little,
            stack: Vec::new(),
            root,
            errors: Vec::new(),
        };
        b.put_u32h(0);
        b.put_u16h(ty);
        b.put_u16h(flags);
        b.put_u32h(seq);
        b.put_u32h(portid);
        b
    }

    /// Header and host-order attributes in byte order `order` (call before adding
    /// anything else).
    pub fn with_order(mut self, order: Endian) -> MsgBuilder {
        let ty = u16::from_le_bytes([
            self.buf.get(4).copied().unwrap_or(0),
            self.buf.get(5).copied().unwrap_or(0),
        ]);
        let flags = u16::from_le_bytes([
            self.buf.get(6).copied().unwrap_or(0),
            self.buf.get(7).copied().unwrap_or(0),
        ]);
        let seq = u32::from_le_bytes(self.word(8));
        let portid = u32::from_le_bytes(self.word(12));
        self.buf.clear();
        self.order = order;
        self.put_u32h(0);
        self.put_u16h(ty);
        self.put_u16h(flags);
        self.put_u32h(seq);
        self.put_u32h(portid);
        self
    }

    fn word(&self, at: usize) -> [u8; 4] {
        let mut w = [0u8; 4];
        for (i, b) in w.iter_mut().enumerate() {
            *b = self.buf.get(at + i).copied().unwrap_or(0);
        }
        w
    }

    /// Appends an nfgenmsg (res_id big-endian).
    pub fn nfgen(mut self, family: u8, version: u8, res_id: u16) -> MsgBuilder {
        self.buf.push(family);
        self.buf.push(version);
        self.buf.extend_from_slice(&res_id.to_be_bytes());
        self
    }

    fn put_u16h(&mut self, v: u16) {
        match self.order {
            Endian::Little => self.buf.extend_from_slice(&v.to_le_bytes()),
            Endian::Big => self.buf.extend_from_slice(&v.to_be_bytes()),
        }
    }

    fn put_u32h(&mut self, v: u32) {
        match self.order {
            Endian::Little => self.buf.extend_from_slice(&v.to_le_bytes()),
            Endian::Big => self.buf.extend_from_slice(&v.to_be_bytes()),
        }
    }

    fn set(&self) -> &'static AttrSet {
        self.stack.last().map(|(_, s)| *s).unwrap_or(self.root)
    }

    fn num_of(&mut self, name: &str) -> u16 {
        match self.set().by_name(name) {
            Some(d) => d.num,
            None => {
                self.errors
                    .push(format!("{name} is not in set {}", self.set().name));
                0
            }
        }
    }

    /// Appends raw bytes (for malformed input: stray bytes, bad headers).
    pub fn raw(&mut self, bytes: &[u8]) -> &mut MsgBuilder {
        self.buf.extend_from_slice(bytes);
        self
    }

    /// Appends an attribute with an explicit nla_type (flags included) and value,
    /// padded with zeros to 4 bytes.
    pub fn attr_raw(&mut self, nla_type: u16, value: &[u8]) -> &mut MsgBuilder {
        let len = (4 + value.len()).min(usize::from(u16::MAX)) as u16;
        self.put_u16h(len);
        self.put_u16h(nla_type);
        self.buf.extend_from_slice(value);
        let pad = align4(self.buf.len()) - self.buf.len();
        self.buf.extend(std::iter::repeat_n(0u8, pad));
        self
    }

    /// Appends attribute `name` of the current set with raw value bytes.
    pub fn bytes(&mut self, name: &str, value: &[u8]) -> &mut MsgBuilder {
        let num = self.num_of(name);
        self.attr_raw(num, value)
    }

    /// Appends integer attribute `name`, sized and ordered as the schema says.
    pub fn uint(&mut self, name: &str, v: u64) -> &mut MsgBuilder {
        let Some(def) = self.set().by_name(name) else {
            self.errors
                .push(format!("{name} is not in set {}", self.set().name));
            return self;
        };
        let size = def.ty.fixed_size().unwrap_or(4);
        let order = match def.order {
            Order::Big => Endian::Big,
            Order::Host => self.order,
        };
        let mut val = [0u8; 8];
        let be = v.to_be_bytes();
        let le = v.to_le_bytes();
        for i in 0..size {
            let b = match order {
                Endian::Big => be.get(8 - size + i),
                Endian::Little => le.get(i),
            };
            if let Some(slot) = val.get_mut(i) {
                *slot = b.copied().unwrap_or(0);
            }
        }
        self.attr_raw(def.num, val.get(..size).unwrap_or(&[]))
    }

    /// Appends NUL-terminated string attribute `name`.
    pub fn string(&mut self, name: &str, s: &str) -> &mut MsgBuilder {
        let mut v = s.as_bytes().to_vec();
        v.push(0);
        self.bytes(name, &v)
    }

    /// Opens nest `name` (with NLA_F_NESTED); its children use the nested set.
    pub fn nest(&mut self, name: &str) -> &mut MsgBuilder {
        let def = self.set().by_name(name);
        let (num, set) = match def.and_then(|d| match d.ty {
            Type::Nest(s) => Some((d.num, s)),
            _ => None,
        }) {
            Some(x) => x,
            None => {
                self.errors
                    .push(format!("{name} is not a nest of set {}", self.set().name));
                (0, self.set())
            }
        };
        self.open(num | NLA_F_NESTED, set)
    }

    /// Opens a nest with an explicit nla_type whose children use `set`.
    pub fn open(&mut self, nla_type: u16, set: &'static AttrSet) -> &mut MsgBuilder {
        let at = self.buf.len();
        self.put_u16h(0);
        self.put_u16h(nla_type);
        self.stack.push((at, set));
        self
    }

    /// Closes the innermost nest, writing its length.
    pub fn end(&mut self) -> &mut MsgBuilder {
        if let Some((at, _)) = self.stack.pop() {
            let len = (self.buf.len() - at).min(usize::from(u16::MAX)) as u16;
            let bytes = match self.order {
                Endian::Little => len.to_le_bytes(),
                Endian::Big => len.to_be_bytes(),
            };
            for (i, b) in bytes.iter().enumerate() {
                if let Some(slot) = self.buf.get_mut(at + i) {
                    *slot = *b;
                }
            }
        }
        self
    }

    /// Closes open nests and returns the message with nlmsg_len filled in.
    pub fn finish(mut self) -> Vec<u8> {
        while !self.stack.is_empty() {
            self.end();
        }
        let len = self.buf.len() as u32;
        let bytes = match self.order {
            Endian::Little => len.to_le_bytes(),
            Endian::Big => len.to_be_bytes(),
        };
        for (i, b) in bytes.iter().enumerate() {
            if let Some(slot) = self.buf.get_mut(i) {
                *slot = *b;
            }
        }
        self.buf
    }

    /// The bytes written so far (nlmsg_len not yet filled in).
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }
}

/// The 16-byte LINKTYPE_NETLINK cooked header nlmon writes: pkttype 4,
/// ARPHRD_NETLINK, no address, netlink `protocol`.
pub fn cooked_header(protocol: u16) -> [u8; sll::SIZE] {
    let mut h = [0u8; sll::SIZE];
    for (field, v) in [
        (sll::PKTTYPE, 4u16),
        (sll::HATYPE, crate::capture::ARPHRD_NETLINK),
        (sll::PROTOCOL, protocol),
    ] {
        if let Some(b) = h.get_mut(field) {
            b.copy_from_slice(&v.to_be_bytes());
        }
    }
    h
}

/// A classic little-endian microsecond pcap of LINKTYPE_NETLINK records, each the
/// cooked header for `protocol` followed by the given netlink bytes; record i has
/// timestamp 1_700_000_000 + i seconds.
pub fn pcap_netlink(protocol: u16, records: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes()); // magic (µs)
    out.extend_from_slice(&2u16.to_le_bytes()); // version major
    out.extend_from_slice(&4u16.to_le_bytes()); // version minor
    out.extend_from_slice(&0i32.to_le_bytes()); // thiszone
    out.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
    out.extend_from_slice(&262_144u32.to_le_bytes()); // snaplen
    out.extend_from_slice(&253u32.to_le_bytes()); // LINKTYPE_NETLINK
    for (i, r) in records.iter().enumerate() {
        let len = (16 + r.len()) as u32;
        out.extend_from_slice(&(1_700_000_000u32 + i as u32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&cooked_header(protocol));
        out.extend_from_slice(r);
    }
    out
}
