//! Renderers: the decoded tree as text or JSON Lines, into any `io::Write`.
//!
//! Value forms are decided once, here ([`value_repr`]), and shared by both formats.

pub mod conntrack;
pub mod json;
pub mod text;

use crate::capture::{Frame, TsPrecision};
use crate::decode::{flag_names, message_op, nf_msg_name, subsys_name, FlagName};
use crate::model::{Body, Message, Node, Record, Value};
use crate::schema::enums::{self, Enum, Flags, TCP_FLAGS};
use crate::schema::Display;
use crate::wire::{read_uint, Endian};
use std::fmt::{self, Write as _};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

/// What the renderers need to know about the frame a message came from.
#[derive(Debug, Clone, Copy)]
pub struct FrameInfo {
    /// 1-based record number within its file (as tshark numbers frames).
    pub number: u64,
    /// Capture timestamp since the Unix epoch.
    pub ts: Duration,
    /// Timestamp precision.
    pub precision: TsPrecision,
    /// Link type of the record's interface.
    pub linktype: u32,
    /// The cooked header.
    pub link: crate::capture::LinkHeader,
}

impl FrameInfo {
    /// The renderer's view of a capture frame.
    pub fn of(frame: &Frame<'_>) -> FrameInfo {
        FrameInfo {
            number: frame.number,
            ts: frame.ts,
            precision: frame.precision,
            linktype: frame.linktype,
            link: frame.link,
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

/// A human name of the message type: `ctnetlink new`, `error`, `done`, `route 18`.
pub fn type_name<W: fmt::Write + ?Sized>(msg: &Message, out: &mut W) {
    let _ = write_type_name(msg, out);
}

fn write_type_name<W: fmt::Write + ?Sized>(msg: &Message, out: &mut W) -> fmt::Result {
    match msg.header.ty {
        1 => out.write_str("noop"),
        2 => out.write_str(if matches!(msg.body, Body::Error { error: 0, .. }) {
            "ack"
        } else {
            "error"
        }),
        3 => out.write_str("done"),
        4 => out.write_str("overrun"),
        0x10 if msg.protocol == 12 => out.write_str("batch-begin"),
        0x11 if msg.protocol == 12 => out.write_str("batch-end"),
        t if msg.protocol == 12 => {
            let subsys = (t >> 8) as u8;
            let m = (t & 0xff) as u8;
            match subsys_name(subsys) {
                Some(s) => out.write_str(s)?,
                None => write!(out, "subsys-{subsys}")?,
            }
            out.write_char(' ')?;
            match nf_msg_name(subsys, m) {
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

/// rtnetlink message names (`RTM_NEWLINK` = 16 ... in groups of four: new, del,
/// get, set), as `("new", "link")`.
pub fn rtm_name(ty: u16) -> Option<(&'static str, &'static str)> {
    let objects = [
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
    let obj = objects.get(k / 4)?;
    let op = ["new", "del", "get", "set"].get(k % 4)?;
    Some((op, obj))
}

/// Calls `f` with each flag name of the message's nlmsg_flags.
pub fn for_each_flag(msg: &Message, mut f: impl FnMut(FlagName)) {
    for n in flag_names(message_op(msg), msg.header.flags) {
        f(n);
    }
}

/// The attribute name of a node (`attr-N` for unknown numbers).
pub fn node_name(node: &Node, out: &mut String) {
    match node.def {
        Some(d) => out.push_str(d.name),
        None => {
            let _ = write!(out, "attr-{}", node.num());
        }
    }
}

/// The shared representation of a value.
#[derive(Debug, Clone)]
pub enum Repr<'d> {
    /// A plain number.
    Num(u64),
    /// Hex number.
    HexNum(u64),
    /// IPv4 address.
    V4(Ipv4Addr),
    /// IPv6 address.
    V6(Ipv6Addr),
    /// A known enum name.
    EnumName(&'static str),
    /// Flags: known names and unknown bits.
    FlagList(&'static Flags, u64),
    /// nf_ct_tcp_flags.
    TcpFlags(u8, u8),
    /// Timestamp in ns since the epoch.
    Time(u64),
    /// Labels bitmap (words in the given order).
    Labels(&'d [u8], Endian),
    /// Text.
    Text(&'d [u8]),
    /// Raw bytes as hex.
    Hex(&'d [u8]),
    /// Children follow.
    Nest,
}

/// The representation of node `node` whose record bytes are `data`.
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

impl Repr<'_> {
    /// Whether this is a nest (children follow).
    pub fn is_nest(&self) -> bool {
        matches!(self, Repr::Nest)
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

/// Calls `f` with each flag: `Ok(name)` for known bits, `Err(bit mask)` for others.
pub fn flag_items(flags: &'static Flags, v: u64, mut f: impl FnMut(Result<&'static str, u64>)) {
    for x in flag_iter(flags, v) {
        f(x);
    }
}

/// The flags of `v`: `Ok(name)` for known bits (in table order), then `Err(bit
/// mask)` for the others.
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
    known.chain(
        (0..64)
            .filter(move |b| rest & (1u64 << b) != 0)
            .map(|b| Err(1u64 << b)),
    )
}

/// tcp flag names for `struct nf_ct_tcp_flags` fields.
pub fn tcp_flag_items(v: u8, f: impl FnMut(Result<&'static str, u64>)) {
    flag_items(&TCP_FLAGS, u64::from(v), f)
}

/// Formats a time since the epoch as `YYYY-MM-DDTHH:MM:SS.fffffffffZ` (UTC), with
/// 6 or 9 fractional digits.
pub fn fmt_utc(out: &mut impl fmt::Write, ts: Duration, precision: TsPrecision) -> fmt::Result {
    let secs = ts.as_secs();
    let (y, mo, d) = civil_from_days((secs / 86_400) as i64);
    if (0..10_000).contains(&y) {
        digits(out, y as u64, 4)?;
    } else {
        write!(out, "{y:04}")?;
    }
    out.write_char('-')?;
    digits(out, u64::from(mo), 2)?;
    out.write_char('-')?;
    digits(out, u64::from(d), 2)?;
    out.write_char('T')?;
    fmt_time_of_day(out, ts, precision)?;
    out.write_char('Z')
}

/// Formats the time of day `HH:MM:SS.ffffff` (UTC).
pub fn fmt_time_of_day(
    out: &mut impl fmt::Write,
    ts: Duration,
    precision: TsPrecision,
) -> fmt::Result {
    let sod = ts.as_secs() % 86_400;
    digits(out, sod / 3600, 2)?;
    out.write_char(':')?;
    digits(out, (sod / 60) % 60, 2)?;
    out.write_char(':')?;
    digits(out, sod % 60, 2)?;
    out.write_char('.')?;
    match precision {
        TsPrecision::Micro => digits(out, u64::from(ts.subsec_micros()), 6),
        TsPrecision::Nano => digits(out, u64::from(ts.subsec_nanos()), 9),
    }
}

/// Writes `v` as exactly `width` decimal digits (zero-padded, `width` <= 20, `v`
/// below 10^width), without the formatter's padding machinery.
fn digits(out: &mut impl fmt::Write, v: u64, width: usize) -> fmt::Result {
    let mut buf = [b'0'; 20];
    let mut v = v;
    let w = width.min(buf.len());
    for slot in buf.iter_mut().take(w).rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
    out.write_str(std::str::from_utf8(buf.get(..w).unwrap_or(&[])).unwrap_or(""))
}

/// Appends `v` in decimal (itoa: no formatter machinery on the hot path).
pub fn push_u64(out: &mut String, v: u64) {
    out.push_str(itoa::Buffer::new().format(v));
}

/// Appends an IPv4 address in dotted decimal.
pub fn push_ipv4(out: &mut String, a: Ipv4Addr) {
    let mut b = itoa::Buffer::new();
    for (i, o) in a.octets().iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        out.push_str(b.format(*o));
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day).
/// (Howard Hinnant's civil_from_days algorithm.)
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Errno name and text of a negative error code.
pub fn errno_of(error: i32) -> Option<(&'static str, &'static str)> {
    enums::errno(error.unsigned_abs())
}

/// Lower-case hex of `bytes`.
pub fn write_hex(out: &mut impl fmt::Write, bytes: &[u8]) -> fmt::Result {
    for b in bytes {
        write!(out, "{b:02x}")?;
    }
    Ok(())
}

/// Key fields of a conntrack / expectation message for the one-line summary.
pub fn summary(rec: &Record, data: &[u8], msg: &Message, out: &mut String) {
    let Body::Nf(nf) = &msg.body else { return };
    if matches!(
        msg.kind,
        crate::model::Kind::BatchBegin | crate::model::Kind::BatchEnd
    ) {
        // res_id of a batch message is the subsystem the batch is for.
        match u8::try_from(nf.nfgen.res_id).ok().and_then(subsys_name) {
            Some(s) => {
                let _ = write!(out, "subsys={s}");
            }
            None => {
                let _ = write!(out, "subsys={}", nf.nfgen.res_id);
            }
        }
        return;
    }
    let order = rec.order.unwrap_or(Endian::Little);
    let fam = enums::FAMILY.name_of(u64::from(nf.nfgen.family));
    let set_name = nf.set.map(|s| s.name).unwrap_or("");
    match set_name {
        "conntrack" => {
            if let Some(f) = fam {
                out.push_str(f);
            }
            tuple_summary(rec, data, msg.attrs.clone(), 1, out);
            if let Some(i) = rec.find_path(msg.attrs.clone(), &[4, 1, 1]) {
                if let Some(Repr::EnumName(n)) =
                    rec.nodes.get(i).map(|n| value_repr(n, data, order))
                {
                    let _ = write!(out, " {n}");
                }
            }
            for (num, label) in [(7u16, "timeout"), (8, "mark"), (18, "zone")] {
                if let Some(v) = rec.find(msg.attrs.clone(), num).and_then(|i| rec.uint(i)) {
                    out.push(' ');
                    out.push_str(label);
                    out.push('=');
                    push_u64(out, v);
                }
            }
        }
        "expect" => {
            if let Some(f) = fam {
                out.push_str(f);
            }
            tuple_summary(rec, data, msg.attrs.clone(), 2, out);
            if let Some(i) = rec.find(msg.attrs.clone(), 6) {
                if let Some(Repr::Text(t)) = rec.nodes.get(i).map(|n| value_repr(n, data, order)) {
                    let _ = write!(out, " helper={}", String::from_utf8_lossy(t));
                }
            }
        }
        "conntrack-stats" | "expect-stats" => {
            let _ = write!(out, "cpu={}", nf.nfgen.res_id);
        }
        "stats-global" => {
            for (k, (num, label)) in [(1u16, "entries"), (2, "max-entries")]
                .into_iter()
                .enumerate()
            {
                if let Some(v) = rec.find(msg.attrs.clone(), num).and_then(|i| rec.uint(i)) {
                    let sep = if k == 0 { "" } else { " " };
                    let _ = write!(out, "{sep}{label}={v}");
                }
            }
        }
        _ => {}
    }
}

/// ` proto src:sport -> dst:dport` of tuple attribute `tuple` in `range`.
fn tuple_summary(
    rec: &Record,
    data: &[u8],
    range: std::ops::Range<usize>,
    tuple: u16,
    out: &mut String,
) {
    let Some(t) = rec.find(range, tuple) else {
        return;
    };
    let order = rec.order.unwrap_or(Endian::Little);
    let tr = rec.child_range(t);
    let addr = |a: &[u16]| {
        a.iter()
            .find_map(|&n| rec.find_path(tr.clone(), &[1, n]))
            .and_then(|i| rec.nodes.get(i))
            .map(|n| value_repr(n, data, order))
    };
    let proto = rec.find_path(tr.clone(), &[2, 1]).and_then(|i| rec.uint(i));
    if let Some(p) = proto {
        match enums::IP_PROTO.name_of(p) {
            Some(n) => {
                let _ = write!(out, " {n}");
            }
            None => {
                let _ = write!(out, " proto-{p}");
            }
        }
    }
    let port = |n: u16| rec.find_path(tr.clone(), &[2, n]).and_then(|i| rec.uint(i));
    let one = |out: &mut String, r: Option<Repr<'_>>, p: Option<u64>| {
        match r {
            Some(Repr::V4(a)) => push_ipv4(out, a),
            Some(Repr::V6(a)) => {
                let _ = write!(out, "[{a}]");
            }
            _ => out.push('?'),
        }
        if let Some(p) = p {
            out.push(':');
            push_u64(out, p);
        }
    };
    out.push(' ');
    one(out, addr(&[1, 3]), port(2));
    out.push_str(" -> ");
    one(out, addr(&[2, 4]), port(3));
    if let Some(t) = rec.find_path(tr.clone(), &[2, 5]).and_then(|i| rec.uint(i)) {
        let _ = write!(out, " type={t}");
    }
    if let Some(t) = rec.find_path(tr, &[2, 8]).and_then(|i| rec.uint(i)) {
        let _ = write!(out, " type={t}");
    }
}
