//! The decoding engine: record bytes -> messages -> schema-driven attribute tree.
//!
//! Contract: [`Decoder::decode_record`] never panics and never stops early because of
//! bad input. Every violation becomes a [`Finding`] and decoding continues with the
//! next attribute, message or record. Recursion is bounded by [`MAX_DEPTH`]; all
//! length arithmetic is checked or saturating; memory grows only with the record.

use crate::finding::{Code, Finding, KernelAction};
use crate::model::{
    Body, Direction, Echo, EventKind, Extack, Kind, Message, NfInfo, Node, Record, Value,
};
use crate::schema::enums::{self, FILTER_FLAGS};
use crate::schema::messages::{self, Discriminator, Events};
use crate::schema::{
    compiled, netlink, AttrDef, AttrSet, Display, ForeignPad, Order, StructDef, SubMessage, Type,
    UNKNOWN_SET,
};
use crate::verdict::{self, Judgement, Request};
use crate::wire::field::{done, nlmsgerr, nlmsghdr};
use crate::wire::{
    align4, plausible_messages, read_i32, read_uint, Endian, NfGenMsg, NlAttrHdr, NlMsgHdr,
    NFGENMSG_LEN, NLA_HDRLEN, NLMSG_HDRLEN,
};
use std::fmt::Write as _;
use std::ops::Range;

/// Deepest nesting decoded (message attributes are depth 0). Real conntrack traffic
/// nests 4 deep at most (expect -> nat -> tuple -> tuple-ip).
pub const MAX_DEPTH: usize = 16;

/// `NETLINK_NETFILTER`.
pub const NETLINK_NETFILTER: u16 = 12;

/// Netlink message types below `NLMSG_MIN_TYPE`.
pub mod nlmsg {
    /// NLMSG_NOOP.
    pub const NOOP: u16 = 1;
    /// NLMSG_ERROR.
    pub const ERROR: u16 = 2;
    /// NLMSG_DONE.
    pub const DONE: u16 = 3;
    /// NLMSG_OVERRUN.
    pub const OVERRUN: u16 = 4;
    /// NLMSG_MIN_TYPE; also NFNL_MSG_BATCH_BEGIN.
    pub const MIN_TYPE: u16 = 0x10;
    /// NFNL_MSG_BATCH_END.
    pub const BATCH_END: u16 = 0x11;
}

/// nlmsg_flags bits.
pub mod flags {
    /// NLM_F_REQUEST.
    pub const REQUEST: u16 = 0x1;
    /// NLM_F_MULTI.
    pub const MULTI: u16 = 0x2;
    /// NLM_F_ACK.
    pub const ACK: u16 = 0x4;
    /// NLM_F_ECHO.
    pub const ECHO: u16 = 0x8;
    /// NLM_F_DUMP_INTR.
    pub const DUMP_INTR: u16 = 0x10;
    /// NLM_F_DUMP_FILTERED.
    pub const DUMP_FILTERED: u16 = 0x20;
    /// NLM_F_ROOT | NLM_F_MATCH.
    pub const DUMP: u16 = 0x300;
    /// NLM_F_CREATE.
    pub const CREATE: u16 = 0x400;
    /// NLM_F_EXCL.
    pub const EXCL: u16 = 0x200;
    /// NLM_F_CAPPED.
    pub const CAPPED: u16 = 0x100;
    /// NLM_F_ACK_TLVS.
    pub const ACK_TLVS: u16 = 0x200;
}

pub use crate::schema::messages::Op;

/// Names of nlmsg flag bits for an operation (lowest bit first).
pub fn flag_names(op: Op, flags: u16) -> impl Iterator<Item = FlagName> {
    (0..16u16).filter_map(move |bit| {
        let mask = 1u16 << bit;
        if flags & mask == 0 {
            return None;
        }
        let name = match (mask, op) {
            (0x1, _) => "request",
            (0x2, _) => "multi",
            (0x4, _) => "ack",
            (0x8, _) => "echo",
            (0x10, _) => "dump-intr",
            (0x20, _) => "dump-filtered",
            (0x100, Op::Get) => "root",
            (0x200, Op::Get) => "match",
            (0x400, Op::Get) => "atomic",
            (0x100, Op::New) => "replace",
            (0x200, Op::New) => "excl",
            (0x400, Op::New) => "create",
            (0x800, Op::New) => "append",
            (0x100, Op::Delete) => "nonrec",
            (0x200, Op::Delete) => "bulk",
            (0x100, Op::Ack) => "capped",
            (0x200, Op::Ack) => "ack-tlvs",
            _ => return Some(FlagName::Unknown(mask)),
        };
        Some(FlagName::Known(name))
    })
}

/// A flag bit's name, or the bit itself when it has none for the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagName {
    /// Named bit.
    Known(&'static str),
    /// Unnamed bit (its mask).
    Unknown(u16),
}

/// nfnetlink subsystem names (`NFNL_SUBSYS_*`), from the message table.
pub fn subsys_name(subsys: u8) -> Option<&'static str> {
    messages::subsys_name(subsys)
}

/// Message names of an nfnetlink subsystem, from the message table.
pub fn nf_msg_name(subsys: u8, msg: u8) -> Option<&'static str> {
    messages::msg_name(subsys, msg)
}

/// The operation of an nfnetlink message (decides flag names), from the message table.
pub fn nf_op(subsys: u8, msg: u8) -> Op {
    messages::op(subsys, msg)
}

/// The operation a message's flags are named by.
pub fn message_op(msg: &Message) -> Op {
    match (&msg.body, msg.header.ty) {
        (_, nlmsg::ERROR | nlmsg::DONE) => Op::Ack,
        (Body::Nf(nf), _) => nf_op(nf.subsys, nf.msg),
        // rtnetlink: RTM_NEW* / RTM_DEL* / RTM_GET* in groups of four from 16.
        (_, t) if msg.protocol == 0 && t >= nlmsg::MIN_TYPE => match t % 4 {
            0 => Op::New,
            1 => Op::Delete,
            2 => Op::Get,
            _ => Op::Other,
        },
        // sock_diag requests are all GET-like.
        (_, t) if msg.protocol == 4 && t >= nlmsg::MIN_TYPE => Op::Get,
        _ => Op::Other,
    }
}

/// Decoder settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Byte order of netlink headers; `None` = detect per record.
    pub endian: Option<Endian>,
    /// Validate only: a message whose attributes the compiled schema
    /// ([`crate::schema::compiled`]) finds clean gets no nodes (`attrs` is empty);
    /// the others are decoded in full. Findings, verdicts and message headers are
    /// the same either way. For consumers that read no attribute (`-f none`).
    pub validate_only: bool,
}

/// The decoding engine. Cheap to create; holds only settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct Decoder {
    opts: Options,
}

#[derive(Clone, Copy)]
enum PathElem {
    Name(&'static str),
    Num(u16),
}

struct Ctx<'d, 'r> {
    data: &'d [u8],
    order: Endian,
    rec: &'r mut Record,
    path: [PathElem; MAX_DEPTH + 1],
    direction: Direction,
    /// nfgenmsg family that addresses must match (2 or 10); 0: not checked.
    family: u8,
    /// [`Options::validate_only`].
    validate_only: bool,
    /// Walk every message in full, without the compiled schema's fast path (the
    /// reference the fast path is tested against).
    reference: bool,
}

impl Decoder {
    /// A decoder with the given options.
    pub fn new(opts: Options) -> Decoder {
        Decoder { opts }
    }

    /// Decodes the netlink bytes of one record (after the link-layer header) into
    /// `rec`, which is cleared first. `protocol` is the netlink family from the
    /// cooked header (12 = NETLINK_NETFILTER).
    pub fn decode_record(&self, data: &[u8], protocol: u16, rec: &mut Record) {
        self.decode_record_with(data, protocol, rec, false);
    }

    /// [`Decoder::decode_record`] with every attribute through the full walk, none
    /// through the compiled schema's fast path: the same result, slower. The
    /// reference the fast path is tested against (tests, fuzz targets).
    #[doc(hidden)]
    pub fn decode_record_reference(&self, data: &[u8], protocol: u16, rec: &mut Record) {
        self.decode_record_with(data, protocol, rec, true);
    }

    fn decode_record_with(&self, data: &[u8], protocol: u16, rec: &mut Record, reference: bool) {
        rec.clear();
        let order = match self.opts.endian {
            Some(o) => o,
            None => {
                let le = plausible_messages(data, Endian::Little);
                let be = plausible_messages(data, Endian::Big);
                if be > le {
                    Endian::Big
                } else {
                    Endian::Little
                }
            }
        };
        rec.order = Some(order);
        if self.opts.endian.is_none() && order == Endian::Big {
            let f = Finding::new(
                Code::HostBigEndian,
                0,
                "netlink headers only make sense in big-endian order: read as a big-endian host's capture",
            );
            push_record_finding(rec, f);
        }
        let mut ctx = Ctx {
            data,
            order,
            rec,
            path: [PathElem::Num(0); MAX_DEPTH + 1],
            direction: Direction::ToKernel,
            family: 0,
            validate_only: self.opts.validate_only && !reference,
            reference,
        };
        let mut off = 0usize;
        while off < data.len() {
            let rest = data.get(off..).unwrap_or(&[]);
            let unreadable = match NlMsgHdr::parse(rest, order) {
                None => true,
                Some(h) => (h.len as usize) < NLMSG_HDRLEN,
            };
            if unreadable && off == 0 && protocol == NETLINK_NETFILTER {
                ctx.rec.verdict = Some(verdict::Verdict::drop(
                    "the first nlmsghdr cannot be read (fewer than 16 bytes, or nlmsg_len below 16): the kernel drops the buffer without an answer",
                    0,
                    "nfnetlink_rcv",
                ));
            }
            let Some(hdr) = NlMsgHdr::parse(rest, order) else {
                if rest.iter().all(|&b| b == 0) {
                    tail_finding(
                        ctx.rec,
                        Code::TrailingBytes,
                        off,
                        format!(
                            "{} zero bytes after the last message (ignored by the kernel)",
                            rest.len()
                        ),
                    );
                } else {
                    tail_finding(
                        ctx.rec,
                        Code::NlmsgTruncated,
                        off,
                        format!("{} bytes left, fewer than a 16-byte nlmsghdr", rest.len()),
                    );
                }
                break;
            };
            let len = hdr.len as usize;
            if len < NLMSG_HDRLEN {
                if rest.iter().all(|&b| b == 0) {
                    tail_finding(
                        ctx.rec,
                        Code::TrailingBytes,
                        off,
                        format!(
                            "{} zero bytes after the last message (ignored by the kernel)",
                            rest.len()
                        ),
                    );
                } else {
                    tail_finding(ctx.rec, Code::NlmsgLenTooSmall, off, format!("nlmsg_len {len} is smaller than the 16-byte header; the kernel stops here ({} bytes not decoded)", rest.len()));
                }
                break;
            }
            let avail = if len > rest.len() {
                let f = Finding::new(
                    Code::NlmsgLenPastEnd,
                    off,
                    format!("nlmsg_len {len} runs past the end of the record ({} bytes left); decoded what is there", rest.len()),
                );
                ctx.rec.findings.push(f);
                rest.len()
            } else {
                len
            };
            decode_message(&mut ctx, off, avail, hdr, protocol, false);
            off = off.saturating_add(align4(len));
        }
    }
}

impl Decoder {
    /// Decodes `payload` as the attributes of one message of set `set` (no netlink
    /// or nfnetlink header), as if sent in `direction`, with host-order attributes
    /// in `order`. The nodes and findings land in `rec` (cleared first); returns the
    /// range of top-level nodes. Used by the per-set fuzz targets and snapshot tests.
    pub fn decode_set(
        &self,
        payload: &[u8],
        set: &'static AttrSet,
        direction: Direction,
        order: Endian,
        rec: &mut Record,
    ) -> Range<usize> {
        rec.clear();
        rec.order = Some(order);
        let mut ctx = Ctx {
            data: payload,
            order,
            rec,
            path: [PathElem::Num(0); MAX_DEPTH + 1],
            direction,
            family: 0,
            validate_only: self.opts.validate_only,
            reference: false,
        };
        walk_top(&mut ctx, 0, payload.len(), Some(set))
    }
}

fn push_record_finding(rec: &mut Record, f: Finding) {
    rec.record_findings.push(rec.findings.len());
    rec.findings.push(f);
}

/// A finding about the bytes after the last message: it belongs to the last message
/// when there is one, else to the record.
fn tail_finding(rec: &mut Record, code: Code, off: usize, msg: String) {
    let f = Finding::new(code, off, msg);
    if let Some(last) = rec.messages.last_mut() {
        if last.findings.end == rec.findings.len() {
            rec.findings.push(f);
            last.findings.end = rec.findings.len();
            return;
        }
    }
    push_record_finding(rec, f);
}

/// Decodes one message of `avail` bytes at `off`; pushes it to `rec.messages` unless
/// `echo` (then returns it for embedding).
fn decode_message(
    ctx: &mut Ctx<'_, '_>,
    off: usize,
    avail: usize,
    hdr: NlMsgHdr,
    protocol: u16,
    echo: bool,
) -> Option<Message> {
    // Findings pushed before this point (nlmsg_len past end) belong to this message.
    let findings_start = if !echo {
        let mut s = ctx.rec.findings.len();
        while s > 0
            && ctx
                .rec
                .findings
                .get(s - 1)
                .is_some_and(|f| f.code == Code::NlmsgLenPastEnd && f.offset == off)
        {
            s -= 1;
        }
        s
    } else {
        ctx.rec.findings.len()
    };
    let direction = if hdr.flags & flags::REQUEST != 0 {
        Direction::ToKernel
    } else {
        Direction::FromKernel
    };
    ctx.direction = direction;
    let end = off.saturating_add(avail);
    let payload_start = off.saturating_add(NLMSG_HDRLEN).min(end);
    let mut msg = Message {
        offset: off,
        header: hdr,
        protocol,
        direction,
        kind: Kind::Other,
        body: Body::Raw,
        attrs: 0..0,
        payload: payload_start..end,
        findings: 0..0,
        verdict: None,
        extack: None,
    };
    match hdr.ty {
        nlmsg::NOOP => msg.kind = Kind::Noop,
        nlmsg::OVERRUN => msg.kind = Kind::Overrun,
        nlmsg::ERROR => {
            if !echo {
                decode_error(ctx, &mut msg, protocol);
            }
        }
        nlmsg::DONE => decode_done(ctx, &mut msg),
        t if t < nlmsg::MIN_TYPE => msg.kind = Kind::Other,
        _ if protocol == NETLINK_NETFILTER => decode_nf(ctx, &mut msg),
        _ => {
            msg.kind = match direction {
                Direction::ToKernel if hdr.flags & flags::DUMP != 0 => Kind::DumpRequest,
                Direction::ToKernel => Kind::Request,
                Direction::FromKernel if hdr.flags & flags::MULTI != 0 => Kind::DumpReply,
                Direction::FromKernel if hdr.seq != 0 => Kind::Reply,
                Direction::FromKernel => Kind::Other,
            };
        }
    }
    if protocol == NETLINK_NETFILTER {
        check_nlmsg_flags(ctx, &msg);
    }
    msg.findings = findings_start..ctx.rec.findings.len();
    if protocol == NETLINK_NETFILTER && direction == Direction::ToKernel && !echo {
        judge_request(ctx, &mut msg, hdr);
    }
    if echo {
        Some(msg)
    } else {
        ctx.rec.messages.push(msg);
        None
    }
}

fn check_nlmsg_flags(ctx: &mut Ctx<'_, '_>, msg: &Message) {
    let allowed: u16 = 0x3f
        | match message_op(msg) {
            Op::Get => 0x700,
            Op::New => 0xf00,
            Op::Delete | Op::Ack => 0x300,
            Op::Other => return,
        };
    let unknown = msg.header.flags & !allowed;
    if unknown != 0 {
        ctx.rec.findings.push(Finding::new(
            Code::UnknownNlmsgFlags,
            msg.offset + nlmsghdr::FLAGS.start,
            format!("nlmsg_flags bits {unknown:#x} have no meaning for this message type"),
        ));
    }
}

fn decode_done(ctx: &mut Ctx<'_, '_>, msg: &mut Message) {
    msg.kind = Kind::Done;
    let payload = ctx.data.get(msg.payload.clone()).unwrap_or(&[]);
    // `__nfulnl_send` ends a batch of NFLOG packets (NFULNL_MSG_PACKET, seq 0, no
    // NLM_F_MULTI) with a DONE whose payload is an nfgenmsg.
    let nflog_batch = msg.direction == Direction::FromKernel
        && msg.header.flags & flags::MULTI == 0
        && ctx.rec.messages.iter().any(|m| {
            m.kind == Kind::Packet
                && matches!(m.body, Body::Nf(nf) if nf.subsys == messages::ULOG.id)
        });
    if nflog_batch {
        if let Some(nfgen) = NfGenMsg::parse(payload) {
            msg.body = Body::Done {
                status: None,
                nfgen: Some(nfgen),
            };
            return;
        }
    }
    let status = read_i32(payload, ctx.order);
    msg.body = Body::Done {
        status,
        nfgen: None,
    };
    if msg.header.flags & flags::ACK_TLVS != 0 && status.is_some() {
        let start = msg.payload.start + done::STATUS.end;
        let end = msg.payload.end;
        // The extended ACK is resolved against the nodes of its TLVs.
        let validate_only = std::mem::replace(&mut ctx.validate_only, false);
        msg.attrs = walk_top(ctx, start, end, Some(&netlink::EXTACK));
        msg.extack = Some(Box::new(resolve_extack(ctx.rec, ctx.data, msg, None)));
        ctx.validate_only = validate_only;
    }
}

fn decode_error(ctx: &mut Ctx<'_, '_>, msg: &mut Message, protocol: u16) {
    let payload = ctx.data.get(msg.payload.clone()).unwrap_or(&[]);
    let Some(error) = read_i32(payload, ctx.order) else {
        msg.kind = Kind::Error;
        msg.body = Body::Truncated;
        ctx.rec.findings.push(Finding::new(
            Code::PayloadTooShort,
            msg.payload.start,
            format!(
                "NLMSG_ERROR payload of {} bytes is shorter than its 4-byte error code",
                payload.len()
            ),
        ));
        return;
    };
    msg.kind = if error == 0 { Kind::Ack } else { Kind::Error };
    let capped = msg.header.flags & flags::CAPPED != 0;
    let echo_off = msg.payload.start + nlmsgerr::MSG;
    let echo_bytes = ctx.data.get(echo_off..msg.payload.end).unwrap_or(&[]);
    let Some(ehdr) = NlMsgHdr::parse(echo_bytes, ctx.order) else {
        ctx.rec.findings.push(Finding::new(
            Code::ErrorEchoTruncated,
            echo_off,
            format!(
                "NLMSG_ERROR echoes {} bytes of the request header, 16 expected",
                echo_bytes.len()
            ),
        ));
        msg.body = Body::Error { error, echo: None };
        return;
    };
    let mut echo = Echo {
        offset: echo_off,
        header: ehdr,
        capped,
        nf: None,
        attrs: 0..0,
        raw: 0..0,
    };
    let mut tlv_start = echo_off + NLMSG_HDRLEN;
    // The extended ACK is resolved against the nodes of the echo and of the TLVs:
    // both are built even when validating only.
    let validate_only = std::mem::replace(&mut ctx.validate_only, false);
    if !capped {
        let elen = ehdr.len as usize;
        let eavail = elen.min(echo_bytes.len());
        if elen > echo_bytes.len() || elen < NLMSG_HDRLEN {
            ctx.rec.findings.push(Finding::new(
                Code::ErrorEchoTruncated,
                echo_off,
                format!(
                    "echoed request claims nlmsg_len {elen} but {} bytes are echoed",
                    echo_bytes.len()
                ),
            ));
        }
        if eavail >= NLMSG_HDRLEN && ehdr.ty != nlmsg::ERROR {
            let saved = ctx.direction;
            if let Some(inner) = decode_message(ctx, echo_off, eavail, ehdr, protocol, true) {
                if let Body::Nf(nf) = inner.body {
                    echo.nf = Some(nf);
                }
                echo.attrs = inner.attrs;
                echo.raw = inner.payload;
            }
            ctx.direction = saved;
        }
        tlv_start = echo_off.saturating_add(align4(elen.max(NLMSG_HDRLEN)));
    }
    msg.body = Body::Error {
        error,
        echo: Some(echo),
    };
    if msg.header.flags & flags::ACK_TLVS != 0 && tlv_start < msg.payload.end {
        ctx.direction = Direction::FromKernel;
        msg.attrs = walk_top(ctx, tlv_start, msg.payload.end, Some(&netlink::EXTACK));
        msg.extack = Some(Box::new(resolve_extack(ctx.rec, ctx.data, msg, None)));
    }
    ctx.validate_only = validate_only;
}

/// The attribute set of an nfnetlink message: its row's request or reply set, or a
/// quirk row's when the content says so.
fn nf_set(ctx: &mut Ctx<'_, '_>, msg: &Message, subsys: u8, m: u8) -> Option<&'static AttrSet> {
    let from_kernel = msg.direction == Direction::FromKernel;
    for q in messages::quirks(msg.header.ty) {
        if q.from_kernel && !from_kernel {
            continue;
        }
        let Discriminator::ScalarAttrsWithin { min, max } = q.when;
        if scalar_attrs_within(ctx, msg, min, max) {
            ctx.rec.findings.push(Finding::new(
                q.code,
                msg.offset + nlmsghdr::TYPE.start,
                q.note,
            ));
            return Some(q.set);
        }
    }
    let def = messages::message(subsys, m)?;
    if from_kernel {
        def.reply
    } else {
        def.request
    }
}

/// Whether every top-level attribute is a scalar numbered within `min..=max`
/// (and there is one).
fn scalar_attrs_within(ctx: &Ctx<'_, '_>, msg: &Message, min: u16, max: u16) -> bool {
    // Called after decode_nf moved `payload` past the nfgenmsg.
    let mut off = msg.payload.start;
    let mut any = false;
    while let Some(rest) = ctx.data.get(off..msg.payload.end) {
        let Some(h) = NlAttrHdr::parse(rest, ctx.order) else {
            break;
        };
        if h.nested() || !(min..=max).contains(&h.num()) || usize::from(h.len) < NLA_HDRLEN {
            return false;
        }
        any = true;
        off = off.saturating_add(align4(usize::from(h.len)));
    }
    any
}

fn decode_nf(ctx: &mut Ctx<'_, '_>, msg: &mut Message) {
    let payload = ctx.data.get(msg.payload.clone()).unwrap_or(&[]);
    let Some(nfgen) = NfGenMsg::parse(payload) else {
        msg.body = Body::Truncated;
        msg.kind = kind_by_flags(msg, false);
        ctx.rec.findings.push(Finding::new(
            Code::PayloadTooShort,
            msg.payload.start,
            format!(
                "nfnetlink payload of {} bytes is shorter than the 4-byte nfgenmsg",
                payload.len()
            ),
        ));
        return;
    };
    if nfgen.version != 0 {
        ctx.rec.findings.push(Finding::new(
            Code::NfgenVersion,
            msg.payload.start + 1,
            format!(
                "nfgenmsg version {} (NFNETLINK_V0 = 0 expected)",
                nfgen.version
            ),
        ));
    }
    let subsys = (msg.header.ty >> 8) as u8;
    let m = (msg.header.ty & 0xff) as u8;
    let attrs_start = msg.payload.start + NFGENMSG_LEN;
    msg.payload = attrs_start..msg.payload.end;
    if msg.header.ty == nlmsg::MIN_TYPE || msg.header.ty == nlmsg::BATCH_END {
        msg.kind = if msg.header.ty == nlmsg::MIN_TYPE {
            Kind::BatchBegin
        } else {
            Kind::BatchEnd
        };
        msg.body = Body::Nf(NfInfo {
            nfgen,
            subsys: 0,
            msg: m,
            set: None,
        });
        return;
    }
    if subsys_name(subsys).is_none() {
        ctx.rec.findings.push(Finding::new(
            Code::UnknownSubsystem,
            msg.offset + nlmsghdr::type_high_byte(ctx.order),
            format!("nfnetlink subsystem {subsys} is unknown"),
        ));
    } else if nf_msg_name(subsys, m).is_none() {
        ctx.rec.findings.push(Finding::new(
            Code::UnknownMessageType,
            msg.offset + nlmsghdr::type_low_byte(ctx.order),
            format!(
                "message {m} is unknown in subsystem {}",
                subsys_name(subsys).unwrap_or("?")
            ),
        ));
    }
    let set = nf_set(ctx, msg, subsys, m);
    let def = messages::message(subsys, m);
    let is_get = def.is_some_and(|d| d.op == Op::Get);
    msg.kind = kind_by_flags(msg, is_get);
    let from_kernel_unasked = matches!(msg.kind, Kind::Reply | Kind::DumpReply)
        && msg.header.seq == 0
        && msg.direction == Direction::FromKernel;
    if from_kernel_unasked && def.is_some_and(|d| d.events == Events::Packet) {
        msg.kind = Kind::Packet;
    }
    if msg.kind == Kind::Reply && msg.header.seq == 0 {
        match def.map(|d| d.events) {
            Some(Events::NewOrUpdate) => {
                msg.kind = Kind::Event(if msg.header.flags & (flags::CREATE | flags::EXCL) != 0 {
                    EventKind::New
                } else {
                    EventKind::Update
                });
            }
            Some(Events::Destroy) => msg.kind = Kind::Event(EventKind::Destroy),
            _ => {}
        }
    }
    msg.body = Body::Nf(NfInfo {
        nfgen,
        subsys,
        msg: m,
        set,
    });
    if let Some(set) = set {
        // Addresses must be of nfgenmsg's family in conntrack and expectation
        // messages (checked as each address is decoded).
        if messages::subsystem(subsys).is_some_and(|ss| ss.tuples_follow_family) {
            ctx.family = nfgen.family;
        }
        msg.attrs = walk_top(ctx, attrs_start, msg.payload.end, Some(set));
        ctx.family = 0;
    }
}

fn kind_by_flags(msg: &Message, is_get: bool) -> Kind {
    match msg.direction {
        Direction::ToKernel if is_get && msg.header.flags & flags::DUMP != 0 => Kind::DumpRequest,
        Direction::ToKernel => Kind::Request,
        Direction::FromKernel if msg.header.flags & flags::MULTI != 0 => Kind::DumpReply,
        Direction::FromKernel => Kind::Reply,
    }
}

/// Walks the attributes of a message payload; returns the node range.
fn walk_top(
    ctx: &mut Ctx<'_, '_>,
    start: usize,
    end: usize,
    set: Option<&'static AttrSet>,
) -> Range<usize> {
    let first = ctx.rec.nodes.len();
    if !ctx.reference {
        if let Some(clean) = fast_walk(ctx, start, end, set) {
            return first..first + clean;
        }
        // Something to report: the full walk says what.
        ctx.rec.nodes.truncate(first);
    }
    walk(ctx, start, end, set, 0);
    first..ctx.rec.nodes.len()
}

/// The common case, clean attributes, through the compiled schema
/// ([`compiled::Compiled::walk`]): the nodes the full walk would build (none when
/// validating only), and their number; `None` when the full walk has something
/// to report (then some nodes may have been pushed).
fn fast_walk(
    ctx: &mut Ctx<'_, '_>,
    start: usize,
    end: usize,
    set: Option<&'static AttrSet>,
) -> Option<usize> {
    let c = compiled::compiled();
    let i = set.and_then(|s| c.find(s))?;
    let scope = compiled::Scope {
        data: ctx.data,
        order: ctx.order,
        family: ctx.family,
        to_kernel: ctx.direction == Direction::ToKernel,
        max_depth: MAX_DEPTH,
    };
    if ctx.validate_only {
        return c.clean(&scope, i, start, end, 0).then_some(0);
    }
    let first = ctx.rec.nodes.len();
    let mut b = Builder {
        nodes: &mut ctx.rec.nodes,
        open: [0; MAX_DEPTH + 1],
        depth: 0,
    };
    let ok = c.walk(&scope, i, start, end, 0, &mut b);
    ok.then(|| ctx.rec.nodes.len() - first)
}

/// Pushes the nodes of clean attributes, as [`walk`] would.
struct Builder<'n> {
    nodes: &'n mut Vec<Node>,
    /// The nests whose `end` is not known yet (their node indices).
    open: [usize; MAX_DEPTH + 1],
    depth: usize,
}

impl compiled::Visitor for Builder<'_> {
    const VALUES: bool = true;

    #[inline]
    fn attr(&mut self, a: &compiled::Clean) {
        let idx = self.nodes.len();
        self.nodes.push(Node {
            def: Some(a.def),
            set: a.set,
            nla_type: a.ty,
            nla_len: a.len,
            offset: a.offset as u32,
            depth: a.depth as u16,
            end: idx as u32 + 1,
            value: match a.value {
                compiled::Leaf::Nest => Value::Nest,
                compiled::Leaf::Uint(v) => Value::Uint(v),
                compiled::Leaf::Bytes => Value::Bytes,
                compiled::Leaf::Text => Value::Text,
                compiled::Leaf::Pad => Value::Pad,
            },
        });
        if a.value == compiled::Leaf::Nest {
            if let Some(slot) = self.open.get_mut(self.depth) {
                *slot = idx;
            }
            self.depth += 1;
        }
    }

    #[inline]
    fn end_nest(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        let end = self.nodes.len() as u32;
        if let Some(n) = self
            .open
            .get(self.depth)
            .and_then(|&i| self.nodes.get_mut(i))
        {
            n.end = end;
        }
    }
}

#[cold]
fn path_string(ctx: &Ctx<'_, '_>, depth: usize) -> String {
    let mut s = String::new();
    for (i, e) in ctx.path.iter().take(depth + 1).enumerate() {
        if i > 0 {
            s.push('.');
        }
        match e {
            PathElem::Name(n) => s.push_str(n),
            PathElem::Num(n) => {
                let _ = write!(s, "attr-{n}");
            }
        }
    }
    s
}

/// Where a finding about an attribute goes: its nesting depth (for the path),
/// the offset of its header, and its node (for inline rendering).
#[derive(Clone, Copy)]
struct Site {
    depth: usize,
    off: usize,
    node: Option<usize>,
    /// The nest the attribute is in: its set and the byte range of its
    /// attributes (a sub-message looks up its selector among its siblings there).
    level: Option<&'static AttrSet>,
    level_start: usize,
    level_end: usize,
}

impl Site {
    /// The same attribute, a finding at another offset (its padding).
    fn at(self, off: usize) -> Site {
        Site { off, ..self }
    }
}

#[cold]
#[inline(never)]
fn report(ctx: &mut Ctx<'_, '_>, site: Site, code: Code, msg: String) {
    let mut f = Finding::at(code, path_string(ctx, site.depth), site.off, msg);
    f.node = site.node;
    ctx.rec.findings.push(f);
}

/// Walks the attributes in `start..end` at `depth` with `set` (`None`: generic TLV
/// walk without schema findings).
fn walk(
    ctx: &mut Ctx<'_, '_>,
    start: usize,
    end: usize,
    set: Option<&'static AttrSet>,
    depth: usize,
) {
    let mut off = start;
    let mut seen: u64 = 0;
    while off < end {
        let rest = ctx.data.get(off..end).unwrap_or(&[]);
        let Some(h) = NlAttrHdr::parse(rest, ctx.order) else {
            leftover(ctx, set, depth, off, rest.len());
            return;
        };
        let len = usize::from(h.len);
        let num = h.num();
        let pad = foreign_pad(ctx, set, num, len, off, end);
        let def = pad.map(|p| p.def).or_else(|| set.and_then(|s| s.get(num)));
        if let Some(slot) = ctx.path.get_mut(depth) {
            *slot = match def {
                Some(d) => PathElem::Name(d.name),
                None => PathElem::Num(num),
            };
        }
        let mut site = Site {
            depth,
            off,
            node: None,
            level: set,
            level_start: start,
            level_end: end,
        };
        if len < NLA_HDRLEN {
            let set_name = set.map(|s| s.name).unwrap_or("(unknown)");
            report(ctx, site, Code::AttrLenTooSmall, format!("nla_len {len} is smaller than the 4-byte attribute header; the rest of {set_name} cannot be walked"));
            return;
        }
        let past_end = len > rest.len();
        let clamped = len.min(rest.len());
        let idx = ctx.rec.nodes.len();
        site.node = Some(idx);
        ctx.rec.nodes.push(Node {
            def,
            set: set.unwrap_or(&UNKNOWN_SET),
            nla_type: h.ty,
            nla_len: clamped as u16,
            offset: off as u32,
            depth: depth as u16,
            end: idx as u32 + 1,
            value: Value::Unknown,
        });
        if past_end {
            let msg = format!(
                "nla_len {len} runs past the end of its parent ({} bytes left)",
                rest.len()
            );
            report(ctx, site, Code::AttrLenPastEnd, msg);
        }
        match (set, pad) {
            (_, Some(p)) => {
                let msg = format!(
                    "a zero-length attribute {num} before {}: the kernel's alignment pad \
                     ({}), not a {}",
                    set.and_then(|s| s.get(p.before))
                        .map(|d| d.name)
                        .unwrap_or("?"),
                    p.cite,
                    set.and_then(|s| s.get(num)).map(|d| d.name).unwrap_or("?"),
                );
                report(ctx, site, Code::KernelAlignmentPad, msg);
            }
            (Some(s), None) => membership(ctx, s, def, num, &mut seen, site),
            (None, None) => {}
        }
        let (vstart, vend) = (off + NLA_HDRLEN, off + clamped);
        let value = match def {
            // The kernel never looks inside an attribute that runs past its
            // parent (its walk stops there): neither do we.
            _ if past_end => Value::Invalid,
            Some(d) => decode_value(ctx, d, h, vstart, vend, site),
            None if h.nested() => {
                nest(ctx, vstart, vend, None, site);
                Value::Nest
            }
            None => Value::Unknown,
        };
        let nodes_end = ctx.rec.nodes.len() as u32;
        if let Some(n) = ctx.rec.nodes.get_mut(idx) {
            n.value = value;
            n.end = nodes_end;
        }
        if past_end {
            return;
        }
        // off + len <= end <= data.len() here, and len < 2^16: the aligned size
        // cannot overflow.
        let next = off + align4(len);
        padding(ctx, site, off + len, next.min(end));
        off = next;
    }
}

/// A zero-length attribute at `off` that the kernel writes as alignment padding of
/// the attribute after it in a set where its number means something else.
fn foreign_pad(
    ctx: &Ctx<'_, '_>,
    set: Option<&'static AttrSet>,
    num: u16,
    len: usize,
    off: usize,
    end: usize,
) -> Option<&'static ForeignPad> {
    if len != NLA_HDRLEN {
        return None;
    }
    let next = ctx
        .data
        .get(off + NLA_HDRLEN..end)
        .and_then(|rest| NlAttrHdr::parse(rest, ctx.order))
        .map(|h| h.num());
    ForeignPad::find(set?, num, next)
}

/// Fewer than 4 bytes after the last attribute: no room for another header.
#[cold]
fn leftover(
    ctx: &mut Ctx<'_, '_>,
    set: Option<&'static AttrSet>,
    depth: usize,
    off: usize,
    n: usize,
) {
    let set_name = set.map(|s| s.name).unwrap_or("(unknown)");
    let mut f = Finding::new(
        Code::LeftoverBytes,
        off,
        format!(
            "{n} bytes left after the last attribute of {set_name} (the kernel warns: \"bytes leftover after parsing attributes\")"
        ),
    );
    if depth > 0 {
        f.path = path_string(ctx, depth - 1);
    }
    ctx.rec.findings.push(f);
}

/// An attribute of `set`: a duplicate of an earlier one, or a number it lacks.
fn membership(
    ctx: &mut Ctx<'_, '_>,
    set: &AttrSet,
    def: Option<&AttrDef>,
    num: u16,
    seen: &mut u64,
    site: Site,
) {
    if num < 64 {
        if *seen & (1u64 << num) != 0 {
            let msg = format!("attribute {num} appears more than once in {}", set.name);
            report(ctx, site, Code::DuplicateAttr, msg);
        }
        *seen |= 1u64 << num;
    }
    if def.is_none() {
        let msg = format!("attribute {num} is not defined in set {}", set.name);
        report(ctx, site, Code::UnknownAttr, msg);
    }
}

/// The alignment padding in `start..end` after an attribute must be zero.
fn padding(ctx: &mut Ctx<'_, '_>, site: Site, start: usize, end: usize) {
    let Some(pad) = ctx.data.get(start..end).filter(|p| !p.is_empty()) else {
        return;
    };
    if pad.iter().any(|&b| b != 0) {
        let msg = format!(
            "{} padding bytes after the attribute are not zero",
            pad.len()
        );
        report(ctx, site.at(start), Code::NonzeroPadding, msg);
    }
}

/// Walks a nest's value one level deeper; `false` at the depth cap.
fn nest(
    ctx: &mut Ctx<'_, '_>,
    vstart: usize,
    vend: usize,
    set: Option<&'static AttrSet>,
    site: Site,
) -> bool {
    if site.depth + 1 > MAX_DEPTH {
        let msg = format!("nesting deeper than {MAX_DEPTH} levels: shown raw");
        report(ctx, site, Code::NestTooDeep, msg);
        return false;
    }
    walk(ctx, vstart, vend, set, site.depth + 1);
    true
}

/// The value of an attribute its set defines, checked against its entry.
fn decode_value(
    ctx: &mut Ctx<'_, '_>,
    d: &'static AttrDef,
    h: NlAttrHdr,
    vstart: usize,
    vend: usize,
    site: Site,
) -> Value {
    let bytes = ctx.data.get(vstart..vend).unwrap_or(&[]);
    header_flags(ctx, d, h, site);
    match d.ty {
        Type::Nest(set) => {
            if nest(ctx, vstart, vend, Some(set), site) {
                Value::Nest
            } else {
                Value::Invalid
            }
        }
        Type::Sub(sm) => {
            let set = selected_set(ctx, sm, site);
            if nest(ctx, vstart, vend, set, site) {
                Value::Nest
            } else {
                Value::Invalid
            }
        }
        Type::Struct(st) => struct_value(ctx, st, bytes.len(), site),
        Type::Pad => Value::Pad,
        Type::U8 | Type::U16 | Type::U32 | Type::U64 => uint_value(ctx, d, bytes, site),
        Type::Binary => binary_value(ctx, d, bytes.len(), site),
        Type::String | Type::NulString => text_value(ctx, d, bytes, site),
    }
}

/// The set a sub-message's value selects: the value of its selector sibling
/// (wherever it is in the nest, before or after), through the table. Without the
/// selector, or a set for its value, the nest is walked without a schema and a
/// finding says why.
fn selected_set(
    ctx: &mut Ctx<'_, '_>,
    sm: &'static SubMessage,
    site: Site,
) -> Option<&'static AttrSet> {
    let sel = site.level.and_then(|s| s.by_name(sm.selector));
    let value = sel.and_then(|d| sibling_uint(ctx, d, site.level_start, site.level_end));
    match value {
        Some(v) => {
            let set = sm.set_for(v);
            if set.is_none() {
                let msg = format!(
                    "no {} set for {} {v}: walked without a schema",
                    sm.name, sm.selector
                );
                report(ctx, site, Code::SubMessageUnselected, msg);
            }
            set
        }
        None => {
            let msg = format!(
                "{} without its selector {}: walked without a schema",
                sm.name, sm.selector
            );
            report(ctx, site, Code::SubMessageUnselected, msg);
            None
        }
    }
}

/// The integer value of the first attribute `d` among the attributes in
/// `start..end` (a sibling of the attribute being decoded).
fn sibling_uint(ctx: &Ctx<'_, '_>, d: &AttrDef, start: usize, end: usize) -> Option<u64> {
    let size = d.ty.fixed_size()?;
    let order = match d.order {
        Order::Big => Endian::Big,
        Order::Host => ctx.order,
    };
    let mut off = start;
    while off < end {
        let h = NlAttrHdr::parse(ctx.data.get(off..end)?, ctx.order)?;
        let len = usize::from(h.len);
        if len < NLA_HDRLEN || off + len > end {
            return None;
        }
        if h.num() == d.num {
            return read_uint(ctx.data.get(off + NLA_HDRLEN..off + len)?, size, order);
        }
        off += align4(len);
    }
    None
}

/// A C structure: at least its size (the kernel's `.len = sizeof`); longer values
/// are accepted (the kernel reads the structure and ignores the rest).
fn struct_value(ctx: &mut Ctx<'_, '_>, st: &StructDef, len: usize, site: Site) -> Value {
    if len < st.size {
        let msg = format!(
            "{len} bytes, struct {} has {} (the kernel's minimum)",
            st.name, st.size
        );
        report(ctx, site, Code::BelowMinLen, msg);
        return Value::Invalid;
    }
    Value::Bytes
}

/// The flag bits of nla_type against the entry, and attributes a request may not
/// carry.
fn header_flags(ctx: &mut Ctx<'_, '_>, d: &AttrDef, h: NlAttrHdr, site: Site) {
    if h.net_byteorder() {
        report(ctx, site, Code::UnexpectedNetByteorder, "NLA_F_NET_BYTEORDER is set; the kernel never sets it on this attribute and reads the value in its schema byte order".into());
    }
    if d.ty.is_nest() {
        if !h.nested() {
            let msg = "nest without NLA_F_NESTED (kernels before 5.2 did not set it)";
            report(ctx, site, Code::NestWithoutFlag, msg.into());
        }
        return;
    }
    if h.nested() {
        let msg = format!("NLA_F_NESTED is set on a {} attribute", d.ty.name());
        report(ctx, site, Code::ScalarWithNestedFlag, msg);
    }
    if d.reject_in_request && ctx.direction == Direction::ToKernel {
        let msg = format!(
            "{} is the kernel's to send (events only): NLA_REJECT in its request policy",
            d.cname
        );
        report(ctx, site, Code::RejectedInRequest, msg);
    }
}

/// A fixed-size integer: exactly its size, in the entry's byte order.
fn uint_value(ctx: &mut Ctx<'_, '_>, d: &'static AttrDef, bytes: &[u8], site: Site) -> Value {
    let (len, size) = (bytes.len(), d.ty.fixed_size().unwrap_or(0));
    if len < size {
        let msg = format!("{len} bytes for a {}", d.ty.name());
        report(ctx, site, Code::ValueTooShort, msg);
        return Value::Invalid;
    }
    if len > size {
        let msg = format!(
            "{len} bytes for a {}: only the first {size} are read",
            d.ty.name()
        );
        report(ctx, site, Code::ValueTooLong, msg);
    }
    let order = match d.order {
        Order::Big => Endian::Big,
        Order::Host => ctx.order,
    };
    let Some(v) = read_uint(bytes, size, order) else {
        return Value::Invalid;
    };
    check_uint(ctx, d, v, site);
    if matches!(d.display, Display::Ipv4) {
        check_family(ctx, d, false, site);
    }
    Value::Uint(v)
}

/// Opaque bytes: the kernel's minimum and maximum lengths, address family,
/// labels words.
fn binary_value(ctx: &mut Ctx<'_, '_>, d: &AttrDef, len: usize, site: Site) -> Value {
    if d.min_len > 0 && len < usize::from(d.min_len) {
        let msg = format!("{len} bytes, the kernel's minimum is {}", d.min_len);
        report(ctx, site, Code::BelowMinLen, msg);
        return Value::Invalid;
    }
    if d.max_len > 0 && len > usize::from(d.max_len) {
        let msg = format!("{len} bytes, the kernel's maximum is {}", d.max_len);
        report(ctx, site, Code::AboveMaxLen, msg);
    }
    if matches!(d.display, Display::Ipv6) {
        check_family(ctx, d, true, site);
    }
    if matches!(d.display, Display::Labels) && len % 4 != 0 {
        let msg = format!("{len} bytes of labels: the kernel wants a multiple of 4");
        report(ctx, site, Code::LabelsLenNotMultipleOf4, msg);
    }
    Value::Bytes
}

/// Text: the NUL NLA_NUL_STRING requires, the kernel's maximum length, and UTF-8
/// (which the kernel does not check: the bytes are kept and shown escaped).
fn text_value(ctx: &mut Ctx<'_, '_>, d: &AttrDef, bytes: &[u8], site: Site) -> Value {
    let nul = bytes.iter().position(|&b| b == 0);
    let text = bytes.get(..nul.unwrap_or(bytes.len())).unwrap_or(&[]);
    if let Err(e) = std::str::from_utf8(text) {
        let msg = format!(
            "not UTF-8 from byte {} of the string: kept as bytes, shown escaped",
            e.valid_up_to()
        );
        report(ctx, site, Code::StringNotUtf8, msg);
    }
    if matches!(d.ty, Type::NulString) && nul.is_none() {
        let msg = "string without the NUL the kernel requires (NLA_NUL_STRING)";
        report(ctx, site, Code::StringWithoutNul, msg.into());
    }
    let text_len = nul.unwrap_or(bytes.len());
    if d.max_len > 0 && text_len >= usize::from(d.max_len) {
        let msg = format!(
            "{text_len} characters, the kernel's maximum is {}",
            d.max_len - 1
        );
        report(ctx, site, Code::AboveMaxLen, msg);
    }
    Value::Text
}

/// An integer's value against its enum or flags.
fn check_uint(ctx: &mut Ctx<'_, '_>, d: &'static AttrDef, v: u64, site: Site) {
    match d.display {
        Display::Enum(e) if !e.open && e.name_of(v).is_none() => {
            let msg = format!("{v} is not a known {} value", e.name);
            report(ctx, site, Code::EnumOutOfRange, msg);
        }
        Display::Flags(fl) => {
            let unknown = v & !fl.known_mask();
            if unknown == 0 {
                return;
            }
            if std::ptr::eq(fl, &FILTER_FLAGS) {
                report(ctx, site, Code::UnknownFilterFlags, format!("filter flag bits {unknown:#x} are outside CTA_FILTER_F_ALL (-EINVAL on 6.18, -EOPNOTSUPP before)"));
            } else {
                let msg = format!("bits {unknown:#x} are not known {} flags", fl.name);
                report(ctx, site, Code::UnknownFlagBits, msg);
            }
        }
        _ => {}
    }
}

/// Runs a message to the kernel through the kernel model ([`crate::verdict`]):
/// stores the verdict, adds a finding for each refused check the decoder did not
/// already report, and tells every finding what the kernel does with it.
fn judge_request(ctx: &mut Ctx<'_, '_>, msg: &mut Message, hdr: NlMsgHdr) {
    let (nfgen, subsys, m) = match &msg.body {
        Body::Nf(nf) => (Some(nf.nfgen), nf.subsys, nf.msg),
        _ => (None, (hdr.ty >> 8) as u8, (hdr.ty & 0xff) as u8),
    };
    let req =
        Request {
            data: ctx.data,
            offset: msg.offset,
            header: hdr,
            order: ctx.order,
            nfgen,
            def: messages::message(subsys, m),
            first: ctx.rec.messages.is_empty(),
            in_batch: ctx.rec.messages.first().is_some_and(|f| {
                f.header.ty == nlmsg::MIN_TYPE && f.direction == Direction::ToKernel
            }),
        };
    let Some(j) = verdict::judge(&req) else {
        return;
    };
    apply_judgement(ctx, msg, &j);
    msg.verdict = Some(j.verdict);
}

fn apply_judgement(ctx: &mut Ctx<'_, '_>, msg: &mut Message, j: &Judgement) {
    let start = msg.findings.start;
    // The decoder's own findings of this message: a kernel check that refuses the
    // same bytes is not reported twice.
    let decoder_end = ctx.rec.findings.len();
    for f in &j.failures {
        let known = f.present
            && ctx
                .rec
                .findings
                .get(start..decoder_end)
                .unwrap_or(&[])
                .iter()
                .any(|g| g.offset == f.offset && same_problem(g.code, f.code));
        if known {
            continue;
        }
        let mut g = Finding::at(f.code, f.path.clone(), f.offset, f.why.to_string());
        // Under the attribute, or under the nest it is missing from.
        g.node = node_at(ctx.rec, msg.attrs.clone(), f.offset);
        ctx.rec.findings.push(g);
    }
    for n in &j.notes {
        let mut g = Finding::at(n.code, n.path.clone(), n.offset, n.why.to_string());
        if n.present {
            g.node = node_at(ctx.rec, msg.attrs.clone(), n.offset);
        }
        ctx.rec.findings.push(g);
    }
    let end = ctx.rec.findings.len();
    for f in ctx.rec.findings.get_mut(start..end).unwrap_or(&mut []) {
        f.kernel = Some(match f.code {
            Code::KernelIpv6FilterInverted | Code::DeleteFlushesTable => KernelAction::Accepts,
            c => j.action(f.offset, c, &f.path),
        });
    }
    msg.findings = start..end;
}

/// Whether a decoder finding already reports what a kernel check refused.
fn same_problem(decoder: Code, kernel: Code) -> bool {
    decoder == kernel
        || matches!(
            (decoder, kernel),
            (
                Code::ValueTooShort | Code::BelowMinLen,
                Code::ValueTooShort | Code::BelowMinLen
            ) | (Code::AboveMaxLen, Code::AboveMaxLen)
                | (Code::StringWithoutNul, Code::StringWithoutNul)
        )
}

/// The node whose attribute header is at `offset`.
fn node_at(rec: &Record, range: Range<usize>, offset: usize) -> Option<usize> {
    let end = rec.nodes.len();
    (range.start..end).find(|&i| {
        rec.nodes
            .get(i)
            .is_some_and(|n| n.offset as usize == offset)
    })
}

/// An address of the other family than nfgenmsg's.
fn check_family(ctx: &mut Ctx<'_, '_>, d: &AttrDef, is_v6: bool, site: Site) {
    let want_v6 = match ctx.family {
        2 => false,
        10 => true,
        _ => return,
    };
    if is_v6 != want_v6 {
        let fam = enums::FAMILY.name_of(u64::from(ctx.family)).unwrap_or("?");
        let msg = format!("{} in a message of family {fam}", d.name);
        report(ctx, site, Code::FamilyMismatch, msg);
    }
}

/// Resolves the extended ACK of NLMSG_ERROR / NLMSG_DONE `msg`: the offset (from the
/// start of the request's nlmsghdr) is looked up in the echoed request or, when the
/// echo is capped, in `request` (a decoded copy of the captured request: the
/// record, its bytes and the request's attribute range).
pub fn resolve_extack(
    rec: &Record,
    data: &[u8],
    msg: &Message,
    request: Option<(&Record, Range<usize>)>,
) -> Extack {
    use crate::schema::paths;
    let order = rec.order.unwrap_or(Endian::Little);
    let top = |p: &crate::schema::AttrPath| {
        p.nums()
            .first()
            .and_then(|&n| rec.find(msg.attrs.clone(), n))
    };
    let mut x = Extack::default();
    if let Some(n) = top(&paths::EXTACK_MSG).and_then(|i| rec.nodes.get(i)) {
        let b = n.bytes(data);
        let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        x.msg = Some(b.get(..end).unwrap_or(&[]).to_vec());
    }
    x.offset = top(&paths::EXTACK_OFFS).and_then(|i| rec.uint(i));
    let miss_type = top(&paths::EXTACK_MISS_TYPE).and_then(|i| rec.uint(i));
    let miss_nest = top(&paths::EXTACK_MISS_NEST).and_then(|i| rec.uint(i));
    if let Some(p) = top(&paths::EXTACK_POLICY) {
        for i in rec.children(rec.child_range(p)) {
            let Some(n) = rec.nodes.get(i) else { continue };
            let key = match n.def {
                Some(d) => d.name.to_string(),
                None => format!("attr-{}", n.num()),
            };
            let v = match rec.uint(i) {
                Some(v) => match n.def.map(|d| d.display) {
                    Some(Display::Enum(e)) => {
                        e.name_of(v).map(str::to_string).unwrap_or(v.to_string())
                    }
                    _ => v.to_string(),
                },
                None => String::new(),
            };
            x.policy.push((key, v));
        }
    }
    let _ = order;
    let (target, range, base): (&Record, Range<usize>, usize) = match (&msg.body, request) {
        (Body::Error { echo: Some(e), .. }, _) if !e.capped && !e.attrs.is_empty() => {
            (rec, e.attrs.clone(), e.offset)
        }
        (_, Some((r, range))) => (r, range, 0),
        _ => (rec, 0..0, 0),
    };
    let find = |off: u64| {
        let want = base.checked_add(usize::try_from(off).ok()?)?;
        (range.start..range.end).find(|&i| {
            target
                .nodes
                .get(i)
                .is_some_and(|n| n.offset as usize == want)
        })
    };
    if let Some(i) = x.offset.and_then(find) {
        x.path = Some(target.path(i));
        x.attr_type = target.nodes.get(i).and_then(|n| n.def).map(|d| d.ty.name());
    }
    x.missing_nest_offset = miss_nest;
    if let Some(i) = miss_nest.and_then(find) {
        x.missing_in = Some(target.path(i));
        let set = target
            .nodes
            .get(i)
            .and_then(|n| n.def)
            .and_then(|d| d.nested());
        if let (Some(t), Some(set)) = (miss_type, set) {
            x.missing = u16::try_from(t)
                .ok()
                .and_then(|t| set.get(t))
                .map(|d| d.name.to_string());
        }
    }
    if x.missing.is_none() {
        x.missing = miss_type.map(|t| format!("attr-{t}"));
    }
    x
}

/// The dotted kernel-name path of node `idx` ([`Record::path`]).
pub fn node_path(rec: &Record, idx: usize) -> String {
    rec.path(idx)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::encode::MsgBuilder;
    use crate::schema::ct;

    /// A CT GET of one entry, as `conntrack -G -p tcp -s 10.1.0.1 -d 10.1.0.2
    /// --sport 1234 --dport 80` sends it (trimmed to the original tuple).
    const GET_ONE: [u8; 72] = [
        0x48, 0x00, 0x00, 0x00, // nlmsg_len = 72
        0x01, 0x01, // nlmsg_type = CTNETLINK << 8 | IPCTNL_MSG_CT_GET
        0x05, 0x00, // nlmsg_flags = REQUEST | ACK
        0x4a, 0x59, 0x0a, 0x6b, // nlmsg_seq
        0x00, 0x00, 0x00, 0x00, // nlmsg_pid
        0x02, 0x00, 0x00, 0x00, // nfgenmsg: AF_INET, NFNETLINK_V0, res_id 0
        0x34, 0x00, 0x01, 0x80, // CTA_TUPLE_ORIG, len 52, NLA_F_NESTED
        0x14, 0x00, 0x01, 0x80, //   CTA_TUPLE_IP, len 20, nested
        0x08, 0x00, 0x01, 0x00, //     CTA_IP_V4_SRC, len 8
        0x0a, 0x01, 0x00, 0x01, //       10.1.0.1
        0x08, 0x00, 0x02, 0x00, //     CTA_IP_V4_DST, len 8
        0x0a, 0x01, 0x00, 0x02, //       10.1.0.2
        0x1c, 0x00, 0x02, 0x80, //   CTA_TUPLE_PROTO, len 28, nested
        0x05, 0x00, 0x01, 0x00, //     CTA_PROTO_NUM, len 5
        0x06, 0x00, 0x00, 0x00, //       IPPROTO_TCP + 3 bytes padding
        0x06, 0x00, 0x02, 0x00, //     CTA_PROTO_SRC_PORT, len 6
        0x04, 0xd2, 0x00, 0x00, //       1234 (big-endian) + padding
        0x06, 0x00, 0x03, 0x00, //     CTA_PROTO_DST_PORT, len 6
        0x00, 0x50, 0x00, 0x00, //       80 + padding
    ];

    fn decode(bytes: &[u8]) -> Record {
        let mut rec = Record::default();
        Decoder::default().decode_record(bytes, NETLINK_NETFILTER, &mut rec);
        rec
    }

    /// The node at dotted kernel names `path` among the attributes of `m`.
    fn named(rec: &Record, m: &Message, path: &str) -> usize {
        let set = match &m.body {
            Body::Nf(nf) => nf.set.unwrap(),
            _ => &netlink::EXTACK,
        };
        let (nums, len) = crate::schema::resolve(set, path).unwrap();
        rec.find_path(m.attrs.clone(), &nums[..len]).unwrap()
    }

    #[test]
    fn get_one_entry() {
        let rec = decode(&GET_ONE);
        assert_eq!(rec.messages.len(), 1);
        let m = &rec.messages[0];
        assert_eq!((m.kind, m.direction), (Kind::Request, Direction::ToKernel));
        assert!(rec.findings.is_empty(), "{:?}", rec.findings);
        let src = named(&rec, m, "tuple-orig.tuple-ip.ip-v4-src");
        assert_eq!(rec.uint(src), Some(0x0a01_0001));
        assert_eq!(rec.nodes[src].offset, 28);
        let sport = named(&rec, m, "tuple-orig.tuple-proto.proto-src-port");
        assert_eq!(rec.uint(sport), Some(1234));
        let dport = named(&rec, m, "tuple-orig.tuple-proto.proto-dst-port");
        assert_eq!(rec.uint(dport), Some(80));
        assert_eq!(
            node_path(&rec, dport),
            "tuple-orig.tuple-proto.proto-dst-port"
        );
        // Pre-order: tuple-orig spans everything after it.
        assert_eq!(rec.nodes[m.attrs.start].end as usize, rec.nodes.len());
    }

    #[test]
    fn type_byte_offsets_follow_the_byte_order() {
        // Subsystem 0x30 is unknown; subsystem 1 has no message 0x30. The finding
        // points at the byte of nlmsg_type that holds the bad number, which is
        // offset 5 (subsystem) / 4 (message) little-endian and 4 / 5 big-endian.
        for (order, subsys_at, msg_at) in [(Endian::Little, 5, 4), (Endian::Big, 4, 5)] {
            for (ty, code, at) in [
                (0x3000u16, Code::UnknownSubsystem, subsys_at),
                (0x0130, Code::UnknownMessageType, msg_at),
            ] {
                let bytes = MsgBuilder::new(ty, 0x0001, 1, 0, &ct::CONNTRACK)
                    .with_order(order)
                    .nfgen(2, 0, 0)
                    .finish();
                // Two copies, so the byte order is detected from the walk.
                let two = [bytes.clone(), bytes.clone()].concat();
                let rec = decode(&two);
                assert_eq!(rec.order, Some(order));
                let f = rec.findings.iter().find(|f| f.code == code).unwrap();
                assert_eq!(f.offset, at, "{order:?} {ty:#06x}");
                assert_eq!(two[at], 0x30, "the byte holding the unknown number");
            }
        }
    }

    #[test]
    fn big_endian_capture_is_detected() {
        // A dump filtered by mark: no kernel-model findings either.
        let mut b = MsgBuilder::new(0x0101, 0x0305, 9, 0, &ct::CONNTRACK)
            .with_order(Endian::Big)
            .nfgen(2, 0, 0);
        b.uint("mark", 7);
        let bytes = b.finish();
        let rec = decode(&bytes);
        assert_eq!(rec.order, Some(Endian::Big));
        assert_eq!(rec.messages[0].header.ty, 0x0101);
        let mark = named(&rec, &rec.messages[0], "mark");
        assert_eq!(rec.uint(mark), Some(7));
        let codes: Vec<Code> = rec.findings.iter().map(|f| f.code).collect();
        assert_eq!(codes, vec![Code::HostBigEndian]);
        // Forced little-endian, the same bytes make no sense.
        let mut forced = Record::default();
        Decoder::new(Options {
            endian: Some(Endian::Little),
            ..Options::default()
        })
        .decode_record(&bytes, NETLINK_NETFILTER, &mut forced);
        assert_eq!(forced.findings[0].code, Code::NlmsgLenPastEnd);
    }

    #[test]
    fn filter_flags_are_host_order() {
        for order in [Endian::Little, Endian::Big] {
            let mut b = MsgBuilder::new(0x0101, 0x0301, 1, 0, &ct::CONNTRACK)
                .with_order(order)
                .nfgen(2, 0, 0);
            b.nest("filter").uint("orig-flags", 0x9).end();
            let rec = decode(&b.finish());
            let f = named(&rec, &rec.messages[0], "filter.orig-flags");
            assert_eq!(rec.uint(f), Some(0x9), "{order:?}");
        }
    }

    #[test]
    fn depth_is_capped() {
        // 40 nested unknown attributes (type 30 | NLA_F_NESTED) in a CT NEW.
        let mut b = MsgBuilder::new(0x0100, 0x0001, 1, 0, &ct::CONNTRACK).nfgen(2, 0, 0);
        for _ in 0..40 {
            b.open(30 | 0x8000, &UNKNOWN_SET);
        }
        let rec = decode(&b.finish());
        let deep: Vec<&Finding> = rec
            .findings
            .iter()
            .filter(|f| f.code == Code::NestTooDeep)
            .collect();
        assert_eq!(deep.len(), 1);
        assert!(rec.nodes.len() <= MAX_DEPTH + 1);
    }

    #[test]
    fn error_with_extack_offset() {
        // NLMSG_ERROR -ERANGE, capped echo, ACK_TLVS with MSG and OFFS.
        let mut b = MsgBuilder::new(2, 0x0300, 5, 77, &netlink::EXTACK);
        b.raw(&(-34i32).to_le_bytes());
        b.raw(&[
            0x8c, 0, 0, 0, 0x00, 0x01, 0x05, 0x06, 5, 0, 0, 0, 0, 0, 0, 0,
        ]);
        b.string("msg", "Attribute failed policy validation");
        b.uint("offs", 124);
        let rec = decode(&b.finish());
        let m = &rec.messages[0];
        assert_eq!(m.kind, Kind::Error);
        let Body::Error {
            error,
            echo: Some(e),
        } = &m.body
        else {
            panic!("{:?}", m.body)
        };
        assert_eq!(*error, -34);
        assert!(e.capped);
        assert_eq!((e.header.len, e.header.ty, e.header.seq), (140, 0x0100, 5));
        let offs = named(&rec, m, "offs");
        assert_eq!(rec.uint(offs), Some(124));
        assert!(rec.findings.is_empty(), "{:?}", rec.findings);
    }

    #[test]
    fn flag_names_depend_on_operation() {
        let names = |op, f| {
            flag_names(op, f)
                .map(|n| match n {
                    FlagName::Known(s) => s.to_string(),
                    FlagName::Unknown(b) => format!("{b:#x}"),
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(names(Op::Get, 0x0301), ["request", "root", "match"]);
        assert_eq!(names(Op::New, 0x0605), ["request", "ack", "excl", "create"]);
        assert_eq!(names(Op::Delete, 0x0101), ["request", "nonrec"]);
        assert_eq!(names(Op::Ack, 0x0300), ["capped", "ack-tlvs"]);
        assert_eq!(names(Op::Other, 0x0100), ["0x100"]);
    }
}
