//! Zero-copy parsers of the netlink wire formats, written with nom's complete parsers.
//!
//! Invariant: nothing here panics or allocates; every function takes a byte slice and
//! returns either a parsed header (a small `Copy` struct) or `None` when the slice is
//! too short. `nom::Err` never leaves this module: callers turn `None` into a finding
//! in exactly one place each.

use nom::number::complete::u8 as nom_u8;
use nom::number::Endianness;
use nom::IResult;
use nom::Parser;

/// Byte order of the capturing host (netlink headers and host-order attributes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Endian {
    /// Little-endian (x86, arm64, ...).
    Little,
    /// Big-endian (s390x, ...).
    Big,
}

impl Endian {
    fn nom(self) -> Endianness {
        match self {
            Endian::Little => Endianness::Little,
            Endian::Big => Endianness::Big,
        }
    }
}

/// Where each field of the fixed headers lies, as byte ranges from the start of
/// its header (smoltcp's `mod field`): code names an offset (`msg.offset +
/// nlmsghdr::FLAGS.start`) instead of writing `msg.offset + 6`. Multi-byte fields
/// are in the byte order their header says; where the byte that matters depends
/// on the order (the subsystem byte of nlmsg_type), a function takes the order.
pub mod field {
    use super::Endian;

    /// A byte range within a header.
    pub type Field = core::ops::Range<usize>;

    /// `struct nlmsghdr` (host byte order).
    pub mod nlmsghdr {
        use super::{Endian, Field};
        /// nlmsg_len.
        pub const LEN: Field = 0..4;
        /// nlmsg_type (nfnetlink: subsystem << 8 | message).
        pub const TYPE: Field = 4..6;
        /// nlmsg_flags.
        pub const FLAGS: Field = 6..8;
        /// nlmsg_seq.
        pub const SEQ: Field = 8..12;
        /// nlmsg_pid.
        pub const PORTID: Field = 12..16;
        /// NLMSG_HDRLEN.
        pub const SIZE: usize = PORTID.end;

        /// The byte of nlmsg_type holding its high 8 bits (the nfnetlink subsystem).
        pub fn type_high_byte(order: Endian) -> usize {
            match order {
                Endian::Little => TYPE.start + 1,
                Endian::Big => TYPE.start,
            }
        }

        /// The byte of nlmsg_type holding its low 8 bits (the nfnetlink message).
        pub fn type_low_byte(order: Endian) -> usize {
            match order {
                Endian::Little => TYPE.start,
                Endian::Big => TYPE.start + 1,
            }
        }
    }

    /// `struct nfgenmsg`, right after the nlmsghdr of nfnetlink messages.
    pub mod nfgenmsg {
        use super::Field;
        /// nfgen_family.
        pub const FAMILY: usize = 0;
        /// version.
        pub const VERSION: usize = 1;
        /// res_id (big-endian).
        pub const RES_ID: Field = 2..4;
        /// sizeof(struct nfgenmsg).
        pub const SIZE: usize = RES_ID.end;
    }

    /// `struct nlmsgerr`, the payload of NLMSG_ERROR: the error, then the echoed
    /// request (its header only when NLM_F_CAPPED), then extended-ACK TLVs.
    pub mod nlmsgerr {
        use super::Field;
        /// error (host order, negative errno; 0 for an ack).
        pub const ERROR: Field = 0..4;
        /// Start of the echoed request's nlmsghdr.
        pub const MSG: usize = ERROR.end;
    }

    /// The payload of NLMSG_DONE: a status, then extended-ACK TLVs.
    pub mod done {
        use super::Field;
        /// The dump's status (host order int).
        pub const STATUS: Field = 0..4;
    }

    /// `struct nlattr` (host byte order).
    pub mod nlattr {
        use super::Field;
        /// nla_len.
        pub const LEN: Field = 0..2;
        /// nla_type (with NLA_F_NESTED and NLA_F_NET_BYTEORDER).
        pub const TYPE: Field = 2..4;
        /// NLA_HDRLEN.
        pub const SIZE: usize = TYPE.end;
    }
}

/// Size of `struct nlmsghdr`.
pub const NLMSG_HDRLEN: usize = field::nlmsghdr::SIZE;
/// Size of `struct nlattr`.
pub const NLA_HDRLEN: usize = field::nlattr::SIZE;
/// Size of `struct nfgenmsg`.
pub const NFGENMSG_LEN: usize = field::nfgenmsg::SIZE;

/// `NLA_F_NESTED`.
pub const NLA_F_NESTED: u16 = 0x8000;
/// `NLA_F_NET_BYTEORDER`.
pub const NLA_F_NET_BYTEORDER: u16 = 0x4000;
/// `NLA_TYPE_MASK`: the attribute number without the two flag bits.
pub const NLA_TYPE_MASK: u16 = !(NLA_F_NESTED | NLA_F_NET_BYTEORDER);

/// Rounds up to the 4-byte netlink alignment, saturating instead of overflowing.
#[inline]
pub fn align4(len: usize) -> usize {
    len.saturating_add(3) & !3
}

fn parse_nlmsghdr(input: &[u8], order: Endian) -> IResult<&[u8], NlMsgHdr> {
    // One parser per byte order, through the fixed-size readers (once per
    // message: nom's run-time `Endianness` readers fold byte by byte).
    let (rest, (len, ty, flags, seq, portid)) = match order {
        Endian::Little => (le_u32, le_u16, le_u16, le_u32, le_u32).parse(input)?,
        Endian::Big => (be_u32, be_u16_, be_u16_, be_u32, be_u32).parse(input)?,
    };
    Ok((
        rest,
        NlMsgHdr {
            len,
            ty,
            flags,
            seq,
            portid,
        },
    ))
}

/// `struct nlmsghdr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct NlMsgHdr {
    /// nlmsg_len: length of the message including this header.
    pub len: u32,
    /// nlmsg_type.
    #[serde(rename = "type")]
    pub ty: u16,
    /// nlmsg_flags.
    pub flags: u16,
    /// nlmsg_seq.
    pub seq: u32,
    /// nlmsg_pid: the sending socket's port id (0 = kernel).
    pub portid: u32,
}

impl NlMsgHdr {
    /// Parses a header from the start of `input` in byte order `order`.
    pub fn parse(input: &[u8], order: Endian) -> Option<NlMsgHdr> {
        parse_nlmsghdr(input, order).ok().map(|(_, h)| h)
    }
}

/// `struct nfgenmsg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NfGenMsg {
    /// nfgen_family (AF_*).
    pub family: u8,
    /// version (NFNETLINK_V0 = 0).
    pub version: u8,
    /// res_id, always big-endian (the CPU in per-CPU stats replies, the subsystem in
    /// batch messages).
    pub res_id: u16,
}

impl NfGenMsg {
    /// Parses an nfgenmsg from the start of `input`.
    pub fn parse(input: &[u8]) -> Option<NfGenMsg> {
        let r: IResult<&[u8], (u8, u8, u16)> = (nom_u8, nom_u8, be_u16_).parse(input);
        r.ok().map(|(_, (family, version, res_id))| NfGenMsg {
            family,
            version,
            res_id,
        })
    }
}

/// `struct nlattr` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NlAttrHdr {
    /// nla_len: header plus value, without padding.
    pub len: u16,
    /// nla_type with the flag bits.
    pub ty: u16,
}

impl NlAttrHdr {
    /// Parses an attribute header from the start of `input`.
    #[inline]
    pub fn parse(input: &[u8], order: Endian) -> Option<NlAttrHdr> {
        // One parser per byte order (not nom's run-time `Endianness`): this is
        // the innermost loop of the decoder.
        // nla_len and nla_type read as one 32-bit word.
        let r: IResult<&[u8], (u16, u16)> = match order {
            Endian::Little => le_u32.map(|w| (w as u16, (w >> 16) as u16)).parse(input),
            Endian::Big => be_u32.map(|w| ((w >> 16) as u16, w as u16)).parse(input),
        };
        r.ok().map(|(_, (len, ty))| NlAttrHdr { len, ty })
    }

    /// The attribute number (flags masked off).
    #[inline]
    pub fn num(self) -> u16 {
        self.ty & NLA_TYPE_MASK
    }

    /// NLA_F_NESTED is set.
    #[inline]
    pub fn nested(self) -> bool {
        self.ty & NLA_F_NESTED != 0
    }

    /// NLA_F_NET_BYTEORDER is set.
    #[inline]
    pub fn net_byteorder(self) -> bool {
        self.ty & NLA_F_NET_BYTEORDER != 0
    }
}

/// The first `N` bytes of `input` as an array: nom's `take`, then a fixed-size
/// copy. The integer readers of the inner loop go through this, not nom's
/// `le_u32` and friends, which fold the bytes one by one (with callgrind: 14% of
/// the instructions of the attribute walk); the compiler reads these in one load.
#[inline]
fn array<const N: usize>(input: &[u8]) -> IResult<&[u8], [u8; N]> {
    nom::bytes::complete::take(N)
        .map_opt(|b: &[u8]| <[u8; N]>::try_from(b).ok())
        .parse(input)
}

macro_rules! fixed_readers {
    ($($name:ident: $n:literal => $ty:ty, $from:ident;)*) => {$(
        #[inline]
        fn $name(input: &[u8]) -> IResult<&[u8], $ty> {
            array::<$n>.map(<$ty>::$from).parse(input)
        }
    )*};
}

fixed_readers! {
    le_u16: 2 => u16, from_le_bytes;
    be_u16_: 2 => u16, from_be_bytes;
    le_u32: 4 => u32, from_le_bytes;
    be_u32: 4 => u32, from_be_bytes;
    le_u64: 8 => u64, from_le_bytes;
    be_u64: 8 => u64, from_be_bytes;
}

/// Reads an unsigned integer of 1, 2, 4 or 8 bytes from the start of `input`.
#[inline]
pub fn read_uint(input: &[u8], size: usize, order: Endian) -> Option<u64> {
    let r: IResult<&[u8], u64> = match (size, order) {
        (1, _) => nom_u8.map(u64::from).parse(input),
        (2, Endian::Big) => be_u16_.map(u64::from).parse(input),
        (2, Endian::Little) => le_u16.map(u64::from).parse(input),
        (4, Endian::Big) => be_u32.map(u64::from).parse(input),
        (4, Endian::Little) => le_u32.map(u64::from).parse(input),
        (8, Endian::Big) => be_u64.parse(input),
        (8, Endian::Little) => le_u64.parse(input),
        _ => return None,
    };
    r.ok().map(|(_, v)| v)
}

/// Reads a host-order i32 (NLMSG_ERROR error, NLMSG_DONE status).
pub fn read_i32(input: &[u8], order: Endian) -> Option<i32> {
    let r: IResult<&[u8], i32> = nom::number::complete::i32(order.nom()).parse(input);
    r.ok().map(|(_, v)| v)
}

/// Whether `data` looks like a sequence of netlink messages in byte order `order`:
/// the first header's length is within the record and at least a header, and the
/// walk over all messages lands exactly at the end or at an ignorable tail.
/// Returns a plausibility score: the number of well-formed messages walked.
pub fn plausible_messages(data: &[u8], order: Endian) -> usize {
    let mut off = 0usize;
    let mut count = 0usize;
    while let Some(rest) = data.get(off..) {
        let Some(h) = NlMsgHdr::parse(rest, order) else {
            break;
        };
        let len = h.len as usize;
        if len < NLMSG_HDRLEN || len > rest.len() {
            break;
        }
        count += 1;
        off = off.saturating_add(align4(len));
        if count >= 4 {
            break;
        }
    }
    count
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// A CT GET dump request as conntrack -L sends it (list_empty.pcap, frame 1).
    const DUMP_REQ: [u8; 20] = [
        0x14, 0x00, 0x00, 0x00, // nlmsg_len = 20
        0x01, 0x01, // nlmsg_type = 0x0101 (CTNETLINK << 8 | IPCTNL_MSG_CT_GET)
        0x01, 0x03, // nlmsg_flags = REQUEST | ROOT | MATCH
        0x39, 0x59, 0x29, 0x69, // nlmsg_seq
        0x00, 0x00, 0x00, 0x00, // nlmsg_pid = 0 (assigned by the kernel)
        0x00, // nfgen_family = AF_UNSPEC
        0x00, // version = NFNETLINK_V0
        0x00, 0x00, // res_id = 0 (big-endian)
    ];

    #[test]
    fn nlmsghdr_little_endian() {
        let h = NlMsgHdr::parse(&DUMP_REQ, Endian::Little).unwrap();
        assert_eq!(h.len, 20);
        assert_eq!(h.ty, 0x0101);
        assert_eq!(h.flags, 0x0301);
        assert_eq!(h.seq, 0x6929_5939);
        assert_eq!(h.portid, 0);
    }

    #[test]
    fn nlmsghdr_too_short() {
        assert_eq!(NlMsgHdr::parse(&DUMP_REQ[..15], Endian::Little), None);
    }

    #[test]
    fn nfgenmsg_res_id_is_big_endian() {
        let g = NfGenMsg::parse(&[0x02, 0x00, 0x00, 0x01]).unwrap();
        assert_eq!(g.family, 2);
        assert_eq!(g.version, 0);
        assert_eq!(g.res_id, 1);
        assert_eq!(NfGenMsg::parse(&[0x02, 0x00, 0x00]), None);
    }

    #[test]
    fn nlattr_header_flags() {
        // nla_len = 0x0024, nla_type = NLA_F_NESTED | CTA_TUPLE_ORIG
        let a = NlAttrHdr::parse(&[0x24, 0x00, 0x01, 0x80], Endian::Little).unwrap();
        assert_eq!(a.len, 0x24);
        assert_eq!(a.num(), 1);
        assert!(a.nested());
        assert!(!a.net_byteorder());
        let b = NlAttrHdr::parse(&[0x00, 0x08, 0x40, 0x03], Endian::Big).unwrap();
        assert_eq!((b.len, b.num(), b.net_byteorder()), (8, 3, true));
    }

    #[test]
    fn uint_sizes_and_orders() {
        let v = [0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0];
        assert_eq!(read_uint(&v, 1, Endian::Big), Some(0x12));
        assert_eq!(read_uint(&v, 2, Endian::Big), Some(0x1234));
        assert_eq!(read_uint(&v, 2, Endian::Little), Some(0x3412));
        assert_eq!(read_uint(&v, 4, Endian::Big), Some(0x1234_5678));
        assert_eq!(read_uint(&v, 8, Endian::Big), Some(0x1234_5678_9abc_def0));
        assert_eq!(read_uint(&v[..3], 4, Endian::Big), None);
        assert_eq!(read_uint(&v, 3, Endian::Big), None);
    }

    #[test]
    fn plausibility_prefers_the_right_order() {
        assert_eq!(plausible_messages(&DUMP_REQ, Endian::Little), 1);
        assert_eq!(plausible_messages(&DUMP_REQ, Endian::Big), 0);
    }

    #[test]
    fn fields_tile_their_headers() {
        use field::*;
        let tiles = |fields: &[Field], size: usize| {
            let mut at = 0;
            for f in fields {
                assert_eq!(f.start, at, "{fields:?}");
                at = f.end;
            }
            assert_eq!(at, size);
        };
        tiles(
            &[
                nlmsghdr::LEN,
                nlmsghdr::TYPE,
                nlmsghdr::FLAGS,
                nlmsghdr::SEQ,
                nlmsghdr::PORTID,
            ],
            16,
        );
        tiles(
            &[nfgenmsg::FAMILY..1, nfgenmsg::VERSION..2, nfgenmsg::RES_ID],
            4,
        );
        tiles(&[nlattr::LEN, nlattr::TYPE], 4);
        // The subsystem byte of nlmsg_type 0x0101 in each order.
        let le = [0x14, 0, 0, 0, 0x01, 0x02];
        let be = [0, 0, 0, 0x14, 0x02, 0x01];
        assert_eq!(le[nlmsghdr::type_high_byte(Endian::Little)], 0x02);
        assert_eq!(be[nlmsghdr::type_high_byte(Endian::Big)], 0x02);
        assert_eq!(le[nlmsghdr::type_low_byte(Endian::Little)], 0x01);
        assert_eq!(be[nlmsghdr::type_low_byte(Endian::Big)], 0x01);
    }

    #[test]
    fn align() {
        assert_eq!(align4(0), 0);
        assert_eq!(align4(5), 8);
        assert_eq!(align4(8), 8);
        assert_eq!(align4(usize::MAX), usize::MAX & !3);
    }
}
