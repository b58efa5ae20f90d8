//! The view layer: a decoded message and its attributes by kernel name, each value
//! with its interpretation (address, number, enum or flag names, time, text).
//!
//! Everything above the decoder (filters, exchanges, the summary, every renderer)
//! reads records through [`Msg`] and [`Attr`]; only the schema knows attribute
//! numbers ([`crate::schema::paths`] names the paths consumers use). Views borrow
//! the record and its bytes: nothing is copied.
//!
//! ```
//! # use nfct_decode::{Decoder, Record, view::Msg};
//! // A ctnetlink GET of tcp 10.1.0.1:1234 -> 10.1.0.2:80 (as conntrack -G sends it).
//! let bytes = [
//!     0x48, 0, 0, 0, 0x01, 0x01, 0x05, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
//!     0x34, 0, 0x01, 0x80, 0x14, 0, 0x01, 0x80, 8, 0, 1, 0, 10, 1, 0, 1, 8, 0, 2, 0, 10, 1,
//!     0, 2, 0x1c, 0, 0x02, 0x80, 5, 0, 1, 0, 6, 0, 0, 0, 6, 0, 2, 0, 0x04, 0xd2, 0, 0, 6, 0,
//!     3, 0, 0, 0x50, 0, 0,
//! ];
//! let mut rec = Record::default();
//! Decoder::default().decode_record(&bytes, 12, &mut rec);
//! let msg = Msg::new(&rec, &bytes, &rec.messages[0]);
//! assert_eq!(msg.name().to_string(), "ctnetlink get");
//! let dport = msg.get("tuple-orig.tuple-proto.proto-dst-port").unwrap();
//! assert_eq!(dport.uint(), Some(80));
//! assert_eq!(msg.get("tuple-orig.tuple-ip.ip-v4-src").unwrap().to_string(), "10.1.0.1");
//! ```

pub mod escape;
pub mod time;

use crate::decode::{flag_names, message_op, FlagName};
use crate::finding::Finding;
use crate::model::{Body, Direction, Kind, Message, NfInfo, Node, Record, Value};
use crate::schema::enums::{self, Enum, Flags, TCP_FLAGS};
use crate::schema::messages;
use crate::schema::{netlink, AttrDef, AttrPath, AttrSet, Display, Field, Order, StructDef, Type};
use crate::verdict::Verdict;
use crate::wire::{read_uint, Endian, NlMsgHdr};
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

/// One decoded message with its record.
#[derive(Debug, Clone, Copy)]
pub struct Msg<'r> {
    rec: &'r Record,
    data: &'r [u8],
    msg: &'r Message,
}

impl<'r> Msg<'r> {
    /// The view of `msg`, a message of `rec` decoded from `data`.
    pub fn new(rec: &'r Record, data: &'r [u8], msg: &'r Message) -> Msg<'r> {
        Msg { rec, data, msg }
    }

    /// The decoded record it belongs to.
    pub fn record(&self) -> &'r Record {
        self.rec
    }

    /// The record's netlink bytes.
    pub fn data(&self) -> &'r [u8] {
        self.data
    }

    /// The decoded message itself.
    pub fn message(&self) -> &'r Message {
        self.msg
    }

    /// Its nlmsghdr.
    pub fn header(&self) -> &'r NlMsgHdr {
        &self.msg.header
    }

    /// Its role.
    pub fn kind(&self) -> Kind {
        self.msg.kind
    }

    /// Which way it went.
    pub fn direction(&self) -> Direction {
        self.msg.direction
    }

    /// The netlink protocol family of its socket (12: NETLINK_NETFILTER).
    pub fn protocol(&self) -> u16 {
        self.msg.protocol
    }

    /// Offset of its nlmsghdr in the record.
    pub fn offset(&self) -> usize {
        self.msg.offset
    }

    /// Byte order of the record's netlink headers.
    pub fn order(&self) -> Endian {
        self.rec.order.unwrap_or(Endian::Little)
    }

    /// Its nfnetlink part.
    pub fn nf(&self) -> Option<&'r NfInfo> {
        match &self.msg.body {
            Body::Nf(nf) => Some(nf),
            _ => None,
        }
    }

    /// The attribute set its payload was decoded with (extended-ACK TLVs for errors
    /// and DONE).
    pub fn set(&self) -> Option<&'static AttrSet> {
        match &self.msg.body {
            Body::Nf(nf) => nf.set,
            Body::Error { .. } | Body::Done { .. } => Some(&netlink::EXTACK),
            _ => None,
        }
    }

    /// Its name: `ctnetlink new`, `ack`, `error`, `route newlink`, ...
    pub fn name(&self) -> TypeName<'r> {
        TypeName(self.msg)
    }

    /// What the kernel does with it (messages to the kernel of modelled subsystems).
    pub fn verdict(&self) -> Option<&'r Verdict> {
        self.msg.verdict.as_ref()
    }

    /// Its findings.
    pub fn findings(&self) -> &'r [Finding] {
        self.rec
            .findings
            .get(self.msg.findings.clone())
            .unwrap_or(&[])
    }

    /// The error code of an NLMSG_ERROR (0 for an ack; negative errno).
    pub fn error(&self) -> Option<i32> {
        match &self.msg.body {
            Body::Error { error, .. } => Some(*error),
            _ => None,
        }
    }

    /// The names of its nlmsg_flags (by the operation of its type).
    pub fn flags(&self) -> impl Iterator<Item = FlagName> + 'r {
        flag_names(message_op(self.msg), self.msg.header.flags)
    }

    /// Its top-level attributes (the TLVs of an extended ACK for errors).
    pub fn attrs(&self) -> Attrs<'r> {
        self.attrs_in(self.msg.attrs.clone())
    }

    /// Every attribute of `range` and below, in the record's pre-order (a nest,
    /// then its descendants).
    pub(crate) fn tree_in(&self, range: Range<usize>) -> impl Iterator<Item = Attr<'r>> + 'r {
        let (rec, data) = (self.rec, self.data);
        range.map(move |i| Attr::new(rec, data, i))
    }

    pub(crate) fn attrs_in(&self, range: Range<usize>) -> Attrs<'r> {
        Attrs {
            rec: self.rec,
            data: self.data,
            next: range.start,
            end: range.end,
        }
    }

    /// The attribute at `path` (a path below this message's set).
    pub fn at(&self, path: &AttrPath) -> Option<Attr<'r>> {
        if !self.set().is_some_and(|s| std::ptr::eq(s, path.root())) {
            return None;
        }
        self.find(self.msg.attrs.clone(), path.nums())
    }

    /// The attribute at the dotted kernel names `path`
    /// (`tuple-orig.tuple-ip.ip-v4-src`); `None` when a name is not in the schema
    /// or the message lacks it.
    pub fn get(&self, path: &str) -> Option<Attr<'r>> {
        let (nums, len) = crate::schema::resolve(self.set()?, path)?;
        self.find(self.msg.attrs.clone(), nums.get(..len)?)
    }

    fn find(&self, range: Range<usize>, nums: &[u16]) -> Option<Attr<'r>> {
        if nums.is_empty() {
            return None;
        }
        let idx = self.rec.find_path(range, nums)?;
        Some(Attr::new(self.rec, self.data, idx))
    }
}

/// Where attributes of one set are looked up: a message's top level, or a nest of
/// that set inside another message (NFQUEUE's `ct`, which is a conntrack entry).
#[derive(Debug, Clone, Copy)]
pub enum Scope<'r> {
    /// A message's own attributes.
    Msg(Msg<'r>),
    /// The children of a nest.
    Nest(Attr<'r>),
}

impl<'r> Scope<'r> {
    /// The attribute at `path` (whose root is the scope's set).
    pub fn at(&self, path: &AttrPath) -> Option<Attr<'r>> {
        match self {
            Scope::Msg(m) => m.at(path),
            Scope::Nest(a) => a.at(path),
        }
    }
}

/// The name of a message type, as a `Display`.
#[derive(Debug, Clone, Copy)]
pub struct TypeName<'r>(&'r Message);

impl fmt::Display for TypeName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_type_name(self.0, f)
    }
}

/// Writes the human name of a message type to `out`.
pub fn type_name<W: fmt::Write + ?Sized>(msg: &Message, out: &mut W) {
    let _ = write_type_name(msg, out);
}

fn write_type_name<W: fmt::Write + ?Sized>(msg: &Message, out: &mut W) -> fmt::Result {
    const NETFILTER: u16 = crate::decode::NETLINK_NETFILTER;
    match msg.header.ty {
        1 => out.write_str("noop"),
        2 => out.write_str(if matches!(msg.body, Body::Error { error: 0, .. }) {
            "ack"
        } else {
            "error"
        }),
        3 => out.write_str("done"),
        4 => out.write_str("overrun"),
        0x10 if msg.protocol == NETFILTER => out.write_str("batch-begin"),
        0x11 if msg.protocol == NETFILTER => out.write_str("batch-end"),
        t if msg.protocol == NETFILTER => {
            let subsys = (t >> 8) as u8;
            let m = (t & 0xff) as u8;
            match messages::subsys_name(subsys) {
                Some(s) => out.write_str(s)?,
                None => write!(out, "subsys-{subsys}")?,
            }
            out.write_char(' ')?;
            match messages::msg_name(subsys, m) {
                Some(n) => out.write_str(n),
                None => write!(out, "msg-{m}"),
            }
        }
        t => {
            match netlink_family_name(msg.protocol) {
                Some(f) => out.write_str(f)?,
                None => write!(out, "netlink-{}", msg.protocol)?,
            }
            match (msg.protocol, rtm_name(t)) {
                (0, Some((op, obj))) => write!(out, " {op}{obj}"),
                (4, _) if t == 20 => out.write_str(" sock-diag-by-family"),
                _ => write!(out, " type-{t}"),
            }
        }
    }
}

/// Netlink protocol family names (`NETLINK_*`).
pub fn netlink_family_name(protocol: u16) -> Option<&'static str> {
    Some(match protocol {
        0 => "route",
        1 => "unused",
        2 => "usersock",
        3 => "firewall",
        4 => "sock-diag",
        5 => "nflog",
        6 => "xfrm",
        7 => "selinux",
        8 => "iscsi",
        9 => "audit",
        10 => "fib-lookup",
        11 => "connector",
        12 => "netfilter",
        13 => "ip6-fw",
        14 => "dnrtmsg",
        15 => "kobject-uevent",
        16 => "generic",
        18 => "scsitransport",
        19 => "ecryptfs",
        20 => "rdma",
        21 => "crypto",
        22 => "smc",
        _ => return None,
    })
}

/// rtnetlink message names (`RTM_NEWLINK` = 16 ... in groups of four: new, del,
/// get, set), as `("new", "link")`.
pub fn rtm_name(ty: u16) -> Option<(&'static str, &'static str)> {
    const OBJECTS: [&str; 27] = [
        "link",
        "addr",
        "route",
        "neigh",
        "rule",
        "qdisc",
        "tclass",
        "tfilter",
        "action",
        "prefix",
        "multicast",
        "anycast",
        "neightbl",
        "nduseropt",
        "addrlabel",
        "dcb",
        "netconf",
        "mdb",
        "nsid",
        "stats",
        "cachereport",
        "chain",
        "nexthop",
        "linkprop",
        "vlan",
        "nexthopbucket",
        "tunnel",
    ];
    let k = usize::from(ty.checked_sub(16)?);
    let obj = OBJECTS.get(k / 4)?;
    let op = ["new", "del", "get", "set"].get(k % 4)?;
    Some((op, obj))
}

/// Errno name and text of a (negative or positive) error code.
pub fn errno_of(error: i32) -> Option<(&'static str, &'static str)> {
    enums::errno(error.unsigned_abs())
}

/// Iterator over attributes of one level.
#[derive(Debug, Clone)]
pub struct Attrs<'r> {
    rec: &'r Record,
    data: &'r [u8],
    next: usize,
    end: usize,
}

impl<'r> Iterator for Attrs<'r> {
    type Item = Attr<'r>;

    fn next(&mut self) -> Option<Attr<'r>> {
        if self.next >= self.end {
            return None;
        }
        let idx = self.next;
        let node = self.rec.nodes.get(idx)?;
        // `end` always moves forward (it is at least idx + 1), so this terminates.
        self.next = (node.end as usize).max(idx + 1);
        Some(Attr::new(self.rec, self.data, idx))
    }
}

/// One decoded attribute.
#[derive(Debug, Clone, Copy)]
pub struct Attr<'r> {
    rec: &'r Record,
    data: &'r [u8],
    idx: usize,
}

impl<'r> Attr<'r> {
    /// The attribute of node `idx` of `rec`.
    pub fn new(rec: &'r Record, data: &'r [u8], idx: usize) -> Attr<'r> {
        Attr { rec, data, idx }
    }

    fn node(&self) -> Option<&'r Node> {
        self.rec.nodes.get(self.idx)
    }

    /// Its index among the record's nodes (the key of inline findings).
    pub fn index(&self) -> usize {
        self.idx
    }

    /// Its schema entry (`None`: a number the set does not define).
    pub fn def(&self) -> Option<&'static AttrDef> {
        self.node().and_then(|n| n.def)
    }

    /// Its kernel name (`None` for numbers the set does not define).
    pub fn kernel_name(&self) -> Option<&'static str> {
        self.def().map(|d| d.name)
    }

    /// Its name: the kernel name, or `attr-N`.
    pub fn name(&self) -> AttrName {
        AttrName(self.kernel_name(), self.num())
    }

    /// Its number (without flag bits).
    pub fn num(&self) -> u16 {
        self.node().map(|n| n.num()).unwrap_or(0)
    }

    /// nla_type with its flag bits.
    pub fn nla_type(&self) -> u16 {
        self.node().map(|n| n.nla_type).unwrap_or(0)
    }

    /// Offset of its header in the record.
    pub fn offset(&self) -> usize {
        self.node().map(|n| n.offset as usize).unwrap_or(0)
    }

    /// Nesting depth (0: the message's own attributes).
    pub fn depth(&self) -> usize {
        self.node().map(|n| usize::from(n.depth)).unwrap_or(0)
    }

    /// Its dotted path of kernel names.
    pub fn path(&self) -> String {
        self.rec.path(self.idx)
    }

    /// Its children (for nests).
    pub fn children(&self) -> Attrs<'r> {
        let r = self.rec.child_range(self.idx);
        Attrs {
            rec: self.rec,
            data: self.data,
            next: r.start,
            end: r.end,
        }
    }

    /// The attribute at `path` below this nest (a path whose root is this nest's set).
    pub fn at(&self, path: &AttrPath) -> Option<Attr<'r>> {
        let set = self.inner_set()?;
        if !std::ptr::eq(set, path.root()) || path.nums().is_empty() {
            return None;
        }
        let idx = self
            .rec
            .find_path(self.rec.child_range(self.idx), path.nums())?;
        Some(Attr::new(self.rec, self.data, idx))
    }

    /// The attribute at the dotted kernel names `path` below this nest.
    pub fn get(&self, path: &str) -> Option<Attr<'r>> {
        let (nums, len) = crate::schema::resolve(self.inner_set()?, path)?;
        let idx = self
            .rec
            .find_path(self.rec.child_range(self.idx), nums.get(..len)?)?;
        Some(Attr::new(self.rec, self.data, idx))
    }

    /// Its integer value, when it decoded as one.
    pub fn uint(&self) -> Option<u64> {
        match self.node()?.value {
            Value::Uint(v) => Some(v),
            _ => None,
        }
    }

    /// Its value bytes.
    pub fn bytes(&self) -> &'r [u8] {
        self.node().map(|n| n.bytes(self.data)).unwrap_or(&[])
    }

    /// Its text (strings, up to the NUL), when it decoded as text.
    pub fn text(&self) -> Option<&'r [u8]> {
        match self.value() {
            Repr::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The set of its children: a nest's set, or the one a sub-message's selector
    /// chose.
    pub fn inner_set(&self) -> Option<&'static AttrSet> {
        self.rec.inner_set(self.idx)
    }

    /// Whether it is a nest.
    pub fn is_nest(&self) -> bool {
        self.node().is_some_and(|n| n.value == Value::Nest)
    }

    /// Its value, interpreted by its schema entry.
    pub fn value(&self) -> Repr<'r> {
        match self.node() {
            Some(n) => value_repr(n, self.data, self.rec.order.unwrap_or(Endian::Little)),
            None => Repr::Hex(&[]),
        }
    }
}

impl fmt::Display for Attr<'_> {
    /// The value in text form, as `-v` shows it (`10.0.0.1`, `established`,
    /// `0x8 (confirmed)`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value().fmt(f)
    }
}

/// The name of an attribute: its kernel name, or `attr-N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttrName(Option<&'static str>, u16);

impl fmt::Display for AttrName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(n) => f.write_str(n),
            None => write!(f, "attr-{}", self.1),
        }
    }
}

/// A value, interpreted.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Repr<'d> {
    /// A plain number.
    Num(u64),
    /// A number shown in hex (marks masks, vtags).
    HexNum(u64),
    /// An IPv4 address.
    V4(Ipv4Addr),
    /// An IPv6 address.
    V6(Ipv6Addr),
    /// A known enum value's name.
    EnumName(&'static str),
    /// Flags: known names and unknown bits.
    FlagList(&'static Flags, u64),
    /// `struct nf_ct_tcp_flags`: flags and mask.
    TcpFlags(u8, u8),
    /// A time in ns since the epoch.
    Time(u64),
    /// A labels bitmap (32-bit words in the given order).
    Labels(&'d [u8], Endian),
    /// A C structure's members (host-order members read in the given order).
    Struct(&'static StructDef, &'d [u8], Endian),
    /// Text (without its NUL).
    Text(&'d [u8]),
    /// Raw bytes.
    Hex(&'d [u8]),
    /// A nest: the children follow.
    Nest,
}

impl Repr<'_> {
    /// Whether this is a nest (children follow).
    pub fn is_nest(&self) -> bool {
        matches!(self, Repr::Nest)
    }
}

impl Repr<'_> {
    /// Writes the text form (as `-v` shows it) into any `fmt::Write`: a `String`
    /// directly, or a `Formatter` through `Display`.
    pub fn write_to<W: fmt::Write + ?Sized>(&self, l: &mut W) -> fmt::Result {
        match self {
            Repr::Num(v) => l.write_str(itoa::Buffer::new().format(*v)),
            Repr::HexNum(v) => hex_num(l, *v, 1),
            Repr::V4(a) => {
                let mut b = itoa::Buffer::new();
                for (i, o) in a.octets().iter().enumerate() {
                    if i > 0 {
                        l.write_char('.')?;
                    }
                    l.write_str(b.format(*o))?;
                }
                Ok(())
            }
            Repr::V6(a) => write!(l, "{a}"),
            Repr::EnumName(n) => l.write_str(n),
            Repr::FlagList(flags, v) => {
                hex_num(l, *v, 1)?;
                if *v != 0 {
                    l.write_char(' ')?;
                }
                write_flag_names(l, flag_iter(flags, *v))
            }
            Repr::TcpFlags(f, m) => {
                l.write_str("flags=")?;
                hex_num(l, u64::from(*f), 2)?;
                write_flag_names(l, flag_iter(&TCP_FLAGS, u64::from(*f)))?;
                l.write_str(" mask=")?;
                hex_num(l, u64::from(*m), 2)?;
                write_flag_names(l, flag_iter(&TCP_FLAGS, u64::from(*m)))
            }
            Repr::Time(ns) => {
                l.write_str(itoa::Buffer::new().format(*ns))?;
                l.write_str(" (")?;
                time::fmt_utc(
                    l,
                    std::time::Duration::from_nanos(*ns),
                    crate::capture::TsPrecision::Nano,
                )?;
                l.write_char(')')
            }
            Repr::Labels(bytes, order) => {
                let mut first = true;
                l.write_char('[')?;
                let mut r = Ok(());
                label_bits(bytes, *order, |b| {
                    if r.is_ok() {
                        if !first {
                            r = l.write_char(',');
                        }
                        if r.is_ok() {
                            r = l.write_str(itoa::Buffer::new().format(b));
                        }
                        first = false;
                    }
                });
                r?;
                l.write_char(']')
            }
            Repr::Text(t) => {
                l.write_char('"')?;
                escape::escape_quoted(t).write_to(l)?;
                l.write_char('"')
            }
            Repr::Hex(b) => {
                if b.is_empty() {
                    l.write_str("(empty)")
                } else {
                    hex(l, b)
                }
            }
            Repr::Struct(st, bytes, order) => {
                let mut first = true;
                for f in st.fields.iter().filter(|f| !f.pad) {
                    if !first {
                        l.write_char(' ')?;
                    }
                    first = false;
                    l.write_str(f.name)?;
                    l.write_char('=')?;
                    field_value(f, bytes, *order).write_to(l)?;
                }
                Ok(())
            }
            Repr::Nest => Ok(()),
        }
    }
}

/// The value of member `f` of a structure whose bytes are `bytes`.
pub fn field_value<'d>(f: &Field, bytes: &'d [u8], order: Endian) -> Repr<'d> {
    let raw = bytes.get(f.offset..f.offset + f.size).unwrap_or(&[]);
    if f.bytes {
        return Repr::Hex(raw);
    }
    let order = match f.order {
        Order::Big => Endian::Big,
        Order::Host => order,
    };
    match read_uint(raw, f.size, order) {
        Some(v) => match f.display {
            Display::Hex => Repr::HexNum(v),
            Display::Enum(e) => enum_repr(e, v),
            Display::Flags(fl) => Repr::FlagList(fl, v),
            _ => Repr::Num(v),
        },
        None => Repr::Hex(raw),
    }
}

impl fmt::Display for Repr<'_> {
    fn fmt(&self, l: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(l)
    }
}

/// Lower-case hex of `bytes`, two digits a byte.
pub fn hex<W: fmt::Write + ?Sized>(out: &mut W, bytes: &[u8]) -> fmt::Result {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        let hi = HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0');
        let lo = HEX.get(usize::from(b & 15)).copied().unwrap_or(b'0');
        out.write_char(char::from(hi))?;
        out.write_char(char::from(lo))?;
    }
    Ok(())
}

/// `(name,name,0x100)` for the flags `items` yields; nothing when none.
fn write_flag_names<W: fmt::Write + ?Sized>(
    l: &mut W,
    items: impl Iterator<Item = Result<&'static str, u64>>,
) -> fmt::Result {
    let mut first = true;
    for f in items {
        l.write_char(if first { '(' } else { ',' })?;
        first = false;
        match f {
            Ok(n) => l.write_str(n)?,
            Err(bit) => write!(l, "{bit:#x}")?,
        }
    }
    if !first {
        l.write_char(')')?;
    }
    Ok(())
}

/// `v` as `{:#x}` would write it with at least `min` digits (`{:#04x}` is `min`
/// 2): `0x` and lower-case hex, without the formatter's padding machinery.
pub fn hex_num<W: fmt::Write + ?Sized>(l: &mut W, v: u64, min: usize) -> fmt::Result {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [b'0'; 18];
    buf[1] = b'x';
    let digits = (16 - (v.leading_zeros() as usize) / 4).max(min).min(16);
    for i in 0..digits {
        let nibble = (v >> (4 * (digits - 1 - i))) & 0xf;
        if let (Some(slot), Some(&h)) = (buf.get_mut(2 + i), HEX.get(nibble as usize)) {
            *slot = h;
        }
    }
    l.write_str(
        buf.get(..2 + digits)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or(""),
    )
}

/// The interpretation of node `node` whose record bytes are `data`.
pub fn value_repr<'d>(node: &Node, data: &'d [u8], order: Endian) -> Repr<'d> {
    let bytes = node.bytes(data);
    let Some(def) = node.def else {
        return match node.value {
            Value::Nest => Repr::Nest,
            _ => Repr::Hex(bytes),
        };
    };
    match (node.value, def.display) {
        (Value::Nest, _) => Repr::Nest,
        (Value::Uint(v), Display::Dec) => Repr::Num(v),
        (Value::Uint(v), Display::Hex) => Repr::HexNum(v),
        (Value::Uint(v), Display::Ipv4) => Repr::V4(Ipv4Addr::from(v as u32)),
        (Value::Uint(v), Display::Enum(e)) => enum_repr(e, v),
        (Value::Uint(v), Display::Flags(f)) => Repr::FlagList(f, v),
        (Value::Uint(v), Display::TimestampNs) => Repr::Time(v),
        (Value::Uint(v), _) => Repr::Num(v),
        (Value::Bytes, Display::Ipv6) => {
            match bytes.get(..16).and_then(|b| <[u8; 16]>::try_from(b).ok()) {
                Some(a) => Repr::V6(Ipv6Addr::from(a)),
                None => Repr::Hex(bytes),
            }
        }
        (Value::Bytes, Display::TcpFlags) => match bytes {
            [f, m, ..] => Repr::TcpFlags(*f, *m),
            _ => Repr::Hex(bytes),
        },
        (Value::Bytes, Display::Labels) => Repr::Labels(bytes, order),
        (Value::Bytes, _) if matches!(def.ty, Type::Struct(_)) => match def.ty {
            Type::Struct(st) => Repr::Struct(st, bytes, order),
            _ => Repr::Hex(bytes),
        },
        (Value::Text, _) => {
            let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
            Repr::Text(bytes.get(..end).unwrap_or(&[]))
        }
        // Padding, values of a wrong length, unknown attributes: raw bytes.
        _ => Repr::Hex(bytes),
    }
}

fn enum_repr(e: &'static Enum, v: u64) -> Repr<'static> {
    match e.name_of(v) {
        Some(n) => Repr::EnumName(n),
        None => Repr::Num(v),
    }
}

/// Calls `f` for each set bit of a labels bitmap (bit numbers as conntrack counts
/// them: word i of 32 bits in host order holds bits 32*i..32*i+31).
pub fn label_bits(bytes: &[u8], order: Endian, mut f: impl FnMut(u32)) {
    for (w, chunk) in bytes.chunks(4).enumerate() {
        let word = if chunk.len() == 4 {
            read_uint(chunk, 4, order).unwrap_or(0)
        } else {
            0
        };
        for bit in 0..32u32 {
            if word & (1u64 << bit) != 0 {
                f(w as u32 * 32 + bit);
            }
        }
    }
}

/// The flags of `v`: `Ok(name)` for known bits (in table order), then one
/// `Err(mask)` of all the others (when there are any).
pub fn flag_iter(
    flags: &'static Flags,
    v: u64,
) -> impl Iterator<Item = Result<&'static str, u64>> + Clone {
    let known = flags
        .bits
        .iter()
        .filter(move |(mask, _)| v & mask != 0)
        .map(|&(_, name)| Ok(name));
    let rest = v & !flags.known_mask();
    known.chain((rest != 0).then_some(Err(rest)))
}

/// The name of an IP protocol number (`tcp`), or `proto-N`.
pub fn proto_name(p: u64) -> ProtoName {
    ProtoName(p)
}

/// An IP protocol's name, as a `Display`.
#[derive(Debug, Clone, Copy)]
pub struct ProtoName(u64);

impl fmt::Display for ProtoName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match enums::IP_PROTO.name_of(self.0) {
            Some(n) => f.write_str(n),
            None => write!(f, "proto-{}", self.0),
        }
    }
}

/// Connection label names by bit, as in conntrack's connlabel.conf
/// (`/etc/xtables/connlabel.conf`: lines `BIT NAME`, `#` comments).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelMap {
    names: Vec<(u32, String)>,
}

impl LabelMap {
    /// Parses connlabel.conf text; lines that do not start with a bit number are
    /// skipped, and the first name of a bit wins.
    pub fn parse(text: &str) -> LabelMap {
        let mut names: Vec<(u32, String)> = Vec::new();
        for line in text.lines() {
            let line = line.trim_start();
            if line.starts_with('#') {
                continue;
            }
            let mut words = line.split_whitespace();
            let (Some(bit), Some(name)) = (words.next(), words.next()) else {
                continue;
            };
            let bit = match bit.strip_prefix("0x").or_else(|| bit.strip_prefix("0X")) {
                Some(h) => u32::from_str_radix(h, 16).ok(),
                None => bit.parse::<u32>().ok(),
            };
            let Some(bit) = bit.filter(|b| *b < 128) else {
                continue;
            };
            if !names.iter().any(|(b, _)| *b == bit) {
                names.push((bit, name.to_string()));
            }
        }
        LabelMap { names }
    }

    /// The bit named `name`.
    pub fn bit_of(&self, name: &str) -> Option<u32> {
        self.names.iter().find(|(_, n)| n == name).map(|(b, _)| *b)
    }

    /// Every (bit, name), in file order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &str)> + Clone + '_ {
        self.names.iter().map(|(b, n)| (*b, n.as_str()))
    }

    /// Whether no bit is named.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The name of label bit `bit`.
    pub fn name(&self, bit: u32) -> Option<&str> {
        self.names
            .iter()
            .find(|(b, _)| *b == bit)
            .map(|(_, n)| n.as_str())
    }
}

#[cfg(test)]
mod hex_num_tests {
    #[test]
    fn hex_num_is_the_formatters() {
        for v in [
            0u64,
            1,
            0xf,
            0x10,
            0xff,
            0x100,
            0xdead_beef,
            u64::MAX,
            1 << 63,
        ] {
            let (mut a, mut b) = (String::new(), String::new());
            super::hex_num(&mut a, v, 1).unwrap_or_default();
            super::hex_num(&mut b, v, 2).unwrap_or_default();
            assert_eq!(a, format!("{v:#x}"));
            assert_eq!(b, format!("{v:#04x}"));
        }
    }
}
