//! Verdicts: what the kernel does with a request, computed offline.
//!
//! [`judge`] runs a message to the kernel through the model of the kernel's receive
//! path: `nfnetlink_rcv` / `netlink_rcv_skb` framing, `nfnetlink_rcv_msg` (payload,
//! subsystem, message number, the callback's top-level policy), then the handler's
//! [`Step`]s from [`crate::schema::kernel`]. The first failing check, in the kernel's
//! order, decides the verdict. The model then goes on past failures so that every
//! violation is known (each becomes a finding) and so that every attribute can be
//! told what the kernel does with it ([`KernelAction`]).
//!
//! A request that refers to an entry (get, delete, update) is judged as if that
//! entry exists: ENOENT and EEXIST are the table's answers, not verdicts.

pub mod nla;

use crate::finding::{Code, KernelAction};
use crate::schema::enums::FILTER_FLAGS;
use crate::schema::kernel::{
    self, errno, Check, Cond, Fail, FilterFamily, Handler, Mode, Policy, Slot, Step, TupleFlags,
    ZoneArg, TUPLE_BODY, TUPLE_POLICY,
};
use crate::schema::messages::{self, MsgDef};
use crate::schema::AttrSet;
use crate::wire::field::nlmsghdr;
use crate::wire::{
    read_uint, Endian, NfGenMsg, NlMsgHdr, NFGENMSG_LEN, NLA_F_NESTED, NLMSG_HDRLEN,
};
use nla::{Attr, Parsed, Tb, Violated, Violation};
use serde::Serialize;
use std::borrow::Cow;

/// What the kernel does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Outcome {
    /// It processes the request (its answer, if any, comes from the table).
    Accept,
    /// It refuses it with an errno.
    Reject,
    /// It discards the buffer without an answer.
    Drop,
    /// The outcome depends on state the capture does not show (`reason` says which).
    Depends,
}

impl Outcome {
    /// The verb of a sentence about the kernel: `accepts`, `rejects`, `drops`, `depends`.
    pub fn verb(self) -> &'static str {
        match self {
            Outcome::Accept => "accepts",
            Outcome::Reject => "rejects",
            Outcome::Drop => "drops",
            Outcome::Depends => "depends",
        }
    }

    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accept => "accept",
            Outcome::Reject => "reject",
            Outcome::Drop => "drop",
            Outcome::Depends => "depends",
        }
    }
}

/// The verdict on one message to the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// What the kernel does.
    pub kernel: Outcome,
    /// The errno of a rejection (positive, e.g. 22 for EINVAL).
    pub errno: Option<i32>,
    /// Path of the deciding attribute (kernel names, dotted); empty when none.
    pub path: String,
    /// Record offset of the deciding attribute (or of the nest it is missing from).
    pub offset: Option<usize>,
    /// Why, in a few words.
    pub reason: Cow<'static, str>,
    /// The kernel function that decides.
    pub cite: &'static str,
    /// Record offset the kernel's extended ACK points at (NLMSGERR_ATTR_OFFS plus
    /// the message's offset): top-level policy failures only.
    pub extack_offset: Option<usize>,
    /// The deciding check comes after a table lookup: the table's ENOENT / EEXIST
    /// can come first.
    pub after_lookup: bool,
    /// Errnos beyond ENOENT and EEXIST that the table's state can answer instead
    /// (cttimeout's EBUSY for a name that exists or a policy in use).
    pub table: &'static [i32],
}

impl Verdict {
    fn accept(reason: impl Into<Cow<'static, str>>, cite: &'static str) -> Verdict {
        Verdict {
            kernel: Outcome::Accept,
            errno: None,
            path: String::new(),
            offset: None,
            reason: reason.into(),
            cite,
            extack_offset: None,
            after_lookup: false,
            table: &[],
        }
    }

    /// A buffer the kernel discards.
    pub fn drop(
        reason: impl Into<Cow<'static, str>>,
        offset: usize,
        cite: &'static str,
    ) -> Verdict {
        Verdict {
            kernel: Outcome::Drop,
            errno: None,
            path: String::new(),
            offset: Some(offset),
            reason: reason.into(),
            cite,
            extack_offset: None,
            after_lookup: false,
            table: &[],
        }
    }

    fn reject(
        errno: i32,
        reason: impl Into<Cow<'static, str>>,
        offset: usize,
        cite: &'static str,
    ) -> Verdict {
        Verdict {
            kernel: Outcome::Reject,
            errno: Some(errno),
            path: String::new(),
            offset: Some(offset),
            reason: reason.into(),
            cite,
            extack_offset: None,
            after_lookup: false,
            table: &[],
        }
    }

    /// The errno's name (`EINVAL`).
    pub fn errno_name(&self) -> Option<&'static str> {
        self.errno.and_then(errno_name)
    }
}

impl Serialize for Verdict {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("kernel", self.kernel.as_str())?;
        match self.errno {
            Some(e) => match errno_name(e) {
                Some(n) => m.serialize_entry("errno", n)?,
                None => m.serialize_entry("errno", &e)?,
            },
            None => m.serialize_entry("errno", &None::<()>)?,
        }
        if self.path.is_empty() {
            m.serialize_entry("path", &None::<()>)?;
        } else {
            m.serialize_entry("path", &self.path)?;
        }
        m.serialize_entry("offset", &self.offset)?;
        m.serialize_entry("reason", &self.reason)?;
        m.serialize_entry("cite", self.cite)?;
        if !self.table.is_empty() {
            let names: Vec<&str> = self
                .table
                .iter()
                .map(|&e| errno_name(e).unwrap_or("?"))
                .collect();
            m.serialize_entry("table", &names)?;
        }
        m.end()
    }
}

impl std::fmt::Display for Verdict {
    /// `rejects EINVAL, tuple-orig.tuple-proto.proto-num missing`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kernel {
            Outcome::Accept => f.write_str("accepts"),
            Outcome::Reject => {
                f.write_str("rejects")?;
                match self.errno_name() {
                    Some(n) => write!(f, " {n}")?,
                    None => write!(f, " errno {}", self.errno.unwrap_or(0))?,
                }
                write!(f, ", {}", self.reason)
            }
            Outcome::Drop => write!(f, "drops the buffer, {}", self.reason),
            Outcome::Depends => write!(f, "depends {}", self.reason),
        }
    }
}

/// What the kernel answered to a request (from a capture or a live socket).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// An ack (NLMSG_ERROR 0).
    Ack,
    /// A reply or a dump, without ack.
    Replied,
    /// NLMSG_ERROR with this errno (positive).
    Error(i32),
    /// Nothing.
    Silent,
}

/// Whether verdict `v` says what the kernel did, given its `answer` to a request
/// with nlmsg_flags `flags`. The table's answers (ENOENT, EEXIST, and those of
/// [`Verdict::table`]) agree with an
/// accept, and with a rejection whose check comes after the table lookup; silence
/// agrees with a drop, and with an accept of a request that asked for no ack;
/// `depends` agrees with anything.
pub fn agrees(v: &Verdict, answer: Answer, flags: u16) -> bool {
    const ACK: u16 = 0x4;
    let table = |e: i32| is_table_answer(v, e);
    match v.kernel {
        Outcome::Accept => match answer {
            Answer::Ack | Answer::Replied => true,
            Answer::Error(e) => table(e),
            Answer::Silent => flags & ACK == 0,
        },
        Outcome::Reject => match answer {
            Answer::Error(e) if table(e) => v.after_lookup || v.errno == Some(e),
            Answer::Error(_) => true,
            _ => false,
        },
        Outcome::Drop => answer == Answer::Silent,
        Outcome::Depends => true,
    }
}

/// Whether the errno of a rejection equals the kernel's (`None` when either is no
/// rejection with an errno of the request's own: the table's ENOENT / EEXIST).
pub fn errno_agrees(v: &Verdict, answer: Answer) -> Option<bool> {
    match (v.kernel, answer) {
        (Outcome::Reject, Answer::Error(e)) if !is_table_answer(v, e) => Some(v.errno == Some(e)),
        _ => None,
    }
}

/// Whether errno `e` can be the table's answer to the request of verdict `v`:
/// ENOENT, EEXIST, and the errnos of the verdict's [`Verdict::table`].
pub fn is_table_answer(v: &Verdict, e: i32) -> bool {
    e == errno::ENOENT || e == errno::EEXIST || v.table.contains(&e)
}

/// Names of the errnos the kernel answers requests with.
pub fn errno_name(e: i32) -> Option<&'static str> {
    Some(match e {
        1 => "EPERM",
        2 => "ENOENT",
        12 => "ENOMEM",
        16 => "EBUSY",
        17 => "EEXIST",
        22 => "EINVAL",
        28 => "ENOSPC",
        34 => "ERANGE",
        62 => "ETIME",
        95 => "EOPNOTSUPP",
        _ => return None,
    })
}

/// One failed check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The errno.
    pub errno: i32,
    /// The finding code.
    pub code: Code,
    /// Path of the attribute (or the missing one).
    pub path: String,
    /// Record offset of the attribute (or of the nest it is missing from).
    pub offset: usize,
    /// What failed.
    pub why: Cow<'static, str>,
    /// The kernel function.
    pub cite: &'static str,
    /// Whether the kernel's extended ACK points at it (top-level policy).
    pub extack: bool,
    /// Whether the attribute exists (false: it is missing).
    pub present: bool,
    /// Whether a table lookup comes before it.
    pub after_lookup: bool,
}

/// A nest (or the top level) the kernel parsed for this request.
#[derive(Debug, Clone, Copy)]
pub struct Region {
    /// First byte of the attributes.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// Where the walk stopped.
    pub stop: usize,
    /// The policy the attributes were checked with.
    pub policy: &'static Policy,
}

/// Everything the model found about one request.
#[derive(Debug, Clone)]
pub struct Judgement {
    /// The verdict.
    pub verdict: Verdict,
    /// Every failed check, in the kernel's order (the first decided).
    pub failures: Vec<Failure>,
    /// The nests the kernel parsed.
    pub regions: Vec<Region>,
    /// What the kernel does that the user would not expect (findings, not failures).
    pub notes: Vec<Failure>,
}

impl Judgement {
    fn only(verdict: Verdict) -> Judgement {
        Judgement {
            verdict,
            failures: Vec::new(),
            regions: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// What the kernel does with the attribute whose header is at `offset` (a
    /// finding's offset), given the finding's `code` and `path`.
    pub fn action(&self, offset: usize, code: Code, path: &str) -> KernelAction {
        if self.verdict.kernel == Outcome::Drop {
            return KernelAction::NotReached;
        }
        let hit = self.failures.iter().position(|f| {
            f.offset == offset
                && (f.code == code && f.path == path || f.present && code != Code::MissingAttr)
        });
        if let Some(i) = hit {
            return if i == 0 || self.verdict.kernel != Outcome::Reject {
                KernelAction::Rejects
            } else {
                KernelAction::NotReached
            };
        }
        if matches!(code, Code::AttrLenTooSmall | Code::AttrLenPastEnd) {
            return KernelAction::IgnoresRest;
        }
        // The innermost parsed level holding the offset.
        let region = self
            .regions
            .iter()
            .filter(|r| r.start <= offset && offset < r.end.max(r.start + 1))
            .max_by_key(|r| r.start);
        let Some(region) = region else {
            return match code {
                Code::LeftoverBytes | Code::TrailingBytes | Code::NonzeroPadding => {
                    KernelAction::Accepts
                }
                _ => KernelAction::IgnoresAttribute,
            };
        };
        if offset >= region.stop {
            return KernelAction::IgnoresRest;
        }
        match code {
            Code::UnknownAttr => KernelAction::IgnoresAttribute,
            Code::LeftoverBytes => KernelAction::Accepts,
            _ => {
                // An attribute the policy has no entry for is not looked at.
                KernelAction::Accepts
            }
        }
    }
}

/// The message to judge.
#[derive(Debug, Clone, Copy)]
pub struct Request<'d> {
    /// The record's bytes.
    pub data: &'d [u8],
    /// The message's offset in the record.
    pub offset: usize,
    /// Its header.
    pub header: NlMsgHdr,
    /// Byte order of the headers.
    pub order: Endian,
    /// Its nfgenmsg, when the payload holds one.
    pub nfgen: Option<NfGenMsg>,
    /// Its row of the message table (`None`: not a known message).
    pub def: Option<&'static MsgDef>,
    /// Whether it is the record's first message (`nfnetlink_rcv` checks that one).
    pub first: bool,
    /// Whether the record's first message is a batch begin: the messages after it
    /// belong to the batch (`nfnetlink_rcv_batch`), which the model does not cover.
    pub in_batch: bool,
}

/// NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg)).
const NFNL_HDRLEN: usize = NLMSG_HDRLEN + NFGENMSG_LEN;

/// Judges one nfnetlink message sent to the kernel, or `None` when the model does
/// not cover it (a subsystem whose handlers are not modelled).
pub fn judge(req: &Request<'_>) -> Option<Judgement> {
    let h = &req.header;
    let len = h.len as usize;
    let avail = req.data.len().saturating_sub(req.offset);
    // nfnetlink_rcv: the first message's length must fit the buffer.
    if len < NLMSG_HDRLEN || len > avail {
        let cite = if req.first {
            "nfnetlink_rcv"
        } else {
            "netlink_rcv_skb"
        };
        return Some(Judgement::only(Verdict::drop(
            "nlmsg_len runs past the end of the buffer: the kernel stops here without an answer",
            req.offset,
            cite,
        )));
    }
    if req.in_batch {
        return None;
    }
    if h.ty < 0x10 {
        return Some(Judgement::only(Verdict::accept(
            "control message: skipped (acknowledged with NLM_F_ACK)",
            "netlink_rcv_skb",
        )));
    }
    if h.ty == 0x10 && req.first {
        // nfnetlink_rcv_skb_batch: only subsystems with commit/abort take batches.
        let res_id = req.nfgen.map(|g| g.res_id).unwrap_or(0);
        if res_id >= u16::from(messages::SUBSYS_COUNT) {
            return Some(Judgement::only(Verdict::reject(
                errno::EINVAL,
                format!("a batch for subsystem {res_id}, which does not exist"),
                req.offset,
                "nfnetlink_rcv_batch",
            )));
        }
        return match u8::try_from(res_id).ok().and_then(messages::subsystem) {
            Some(ss) if !ss.batches => Some(Judgement::only(Verdict::reject(
                errno::EOPNOTSUPP,
                format!("{} takes no batches", ss.name),
                req.offset,
                "nfnetlink_rcv_batch",
            ))),
            _ => None,
        };
    }
    if len - NLMSG_HDRLEN < NFGENMSG_LEN {
        return Some(Judgement::only(Verdict::accept(
            "payload shorter than nfgenmsg: ignored (acknowledged with NLM_F_ACK)",
            "nfnetlink_rcv_msg",
        )));
    }
    let subsys = (h.ty >> 8) as u8;
    if subsys == 0 || subsys >= messages::SUBSYS_COUNT {
        return Some(Judgement::only(Verdict::reject(
            errno::EINVAL,
            format!("no nfnetlink subsystem {subsys}"),
            req.offset + nlmsghdr::type_high_byte(req.order),
            "nfnetlink_rcv_msg",
        )));
    }
    // Only subsystems whose handlers are modelled get a verdict from here on.
    let modelled = messages::subsystem(subsys)
        .is_some_and(|ss| ss.messages.iter().any(|m| m.handler.is_some()));
    if !modelled {
        return None;
    }
    let Some(def) = req.def else {
        return Some(Judgement::only(Verdict::reject(
            errno::EINVAL,
            format!("no message {} in subsystem {subsys}", h.ty & 0xff),
            req.offset + nlmsghdr::type_low_byte(req.order),
            "nfnetlink_find_client",
        )));
    };
    let handler = def.handler?;
    let nfgen = req.nfgen.unwrap_or(NfGenMsg {
        family: 0,
        version: 0,
        res_id: 0,
    });
    let mut m = Machine {
        data: req.data,
        order: req.order,
        flags: h.flags,
        family: nfgen.family,
        version: nfgen.version,
        zone_set: false,
        filter_family: nfgen.family,
        filter_orig: 0,
        filter_reply: 0,
        tuple_flags: kernel::FILTER_F_ALL,
        tuple_family: nfgen.family,
        zone_arg: ZoneArg::Ptr,
        protonum: [None; 3],
        cur_proto: None,
        failures: Vec::new(),
        regions: Vec::new(),
        notes: Vec::new(),
        depends: None,
        accepted: None,
        path: Vec::new(),
        top_offset: req.offset,
        handler: handler.name,
        lookup: false,
        table: (&[], ""),
        forced_depends: None,
    };
    Some(m.run_handler(handler, req.offset, req.offset + len))
}

struct Level {
    tb: Tb,
    /// The attribute whose broken nla_len ended the walk.
    broken: Option<Attr>,
    set: &'static AttrSet,
    /// The nest's header offset (the message's offset at the top level).
    at: usize,
    /// The nest attribute (`None` at the top level).
    nest: Option<Attr>,
}

enum Flow {
    Go,
    Stop,
}

#[derive(Clone)]
struct Machine<'d> {
    data: &'d [u8],
    order: Endian,
    flags: u16,
    family: u8,
    version: u8,
    zone_set: bool,
    filter_family: u8,
    filter_orig: u32,
    filter_reply: u32,
    tuple_flags: u32,
    tuple_family: u8,
    zone_arg: ZoneArg,
    protonum: [Option<u8>; 3],
    cur_proto: Option<u8>,
    failures: Vec<Failure>,
    regions: Vec<Region>,
    notes: Vec<Failure>,
    depends: Option<(Cow<'static, str>, &'static str)>,
    accepted: Option<(&'static str, &'static str)>,
    path: Vec<&'static str>,
    top_offset: usize,
    handler: &'static str,
    lookup: bool,
    table: (&'static [i32], &'static str),
    forced_depends: Option<(Cow<'static, str>, &'static str)>,
}

fn slot_index(s: Slot) -> usize {
    match s {
        Slot::Orig => 0,
        Slot::Reply => 1,
        Slot::Other => 2,
    }
}

impl Machine<'_> {
    fn run_handler(&mut self, handler: &'static Handler, off: usize, end: usize) -> Judgement {
        let start = off + NFNL_HDRLEN;
        let top = match handler.policy {
            Some(policy) => {
                let parsed = nla::parse(self.data, start, end, policy, Mode::Liberal, self.order);
                self.regions.push(Region {
                    start,
                    end,
                    stop: parsed.stop,
                    policy,
                });
                self.violations(&parsed, policy, None, "nfnetlink_rcv_msg", true);
                Some(Level {
                    broken: parsed.broken,
                    tb: parsed.tb,
                    set: policy.set,
                    at: off,
                    nest: None,
                })
            }
            None => None,
        };
        match &top {
            Some(level) => {
                self.steps(handler.steps, level);
            }
            None => {
                let level = Level {
                    broken: None,
                    tb: Tb::default(),
                    set: &crate::schema::UNKNOWN_SET,
                    at: off,
                    nest: None,
                };
                self.steps(handler.steps, &level);
            }
        }
        let mut verdict = if let Some((why, cite)) = self.forced_depends.clone() {
            Verdict {
                kernel: Outcome::Depends,
                errno: None,
                path: String::new(),
                offset: None,
                reason: why,
                cite,
                extack_offset: None,
                after_lookup: false,
                table: &[],
            }
        } else if let Some(f) = self.failures.first() {
            Verdict {
                kernel: Outcome::Reject,
                errno: Some(f.errno),
                path: f.path.clone(),
                offset: Some(f.offset),
                reason: f.why.clone(),
                cite: f.cite,
                extack_offset: f.extack.then_some(f.offset),
                after_lookup: f.after_lookup,
                table: &[],
            }
        } else if let Some((why, cite)) = self.depends.clone() {
            Verdict {
                kernel: Outcome::Depends,
                errno: None,
                path: String::new(),
                offset: None,
                reason: why,
                cite,
                extack_offset: None,
                after_lookup: false,
                table: &[],
            }
        } else {
            let (why, cite) = self.accepted.unwrap_or(("accepted", handler.name));
            Verdict::accept(why, cite)
        };
        let (table, table_why) = self.table;
        verdict.table = table;
        if verdict.kernel == Outcome::Accept && !table_why.is_empty() {
            verdict.reason = Cow::Owned(format!("{}; {table_why}", verdict.reason));
        }
        Judgement {
            verdict,
            failures: std::mem::take(&mut self.failures),
            regions: std::mem::take(&mut self.regions),
            notes: std::mem::take(&mut self.notes),
        }
    }

    fn path_of(&self, leaf: &str) -> String {
        let mut s = String::new();
        for p in &self.path {
            s.push_str(p);
            s.push('.');
        }
        if leaf.is_empty() {
            s.pop();
        } else {
            s.push_str(leaf);
        }
        s
    }

    fn name_of(set: &'static AttrSet, num: u16) -> Cow<'static, str> {
        match set.get(num) {
            Some(d) => Cow::Borrowed(d.name),
            None => Cow::Owned(format!("attr-{num}")),
        }
    }

    /// Records the policy violations of one parse.
    fn violations(
        &mut self,
        parsed: &Parsed,
        policy: &'static Policy,
        nest: Option<Attr>,
        cite: &'static str,
        extack: bool,
    ) {
        for v in &parsed.violations {
            self.violation(v, policy, nest, cite, extack);
        }
    }

    fn violation(
        &mut self,
        v: &Violation,
        policy: &'static Policy,
        nest: Option<Attr>,
        cite: &'static str,
        extack: bool,
    ) {
        let check = v
            .attr
            .map(|a| policy.check(a.num()))
            .unwrap_or(Check::Unspec);
        let len = v.attr.map(|a| a.value_len()).unwrap_or(0);
        let value = v.attr.map(|a| a.value(self.data)).unwrap_or(&[]);
        let pname = policy.name;
        let (code, why): (Code, String) = match v.what {
            Violated::TooShort => (
                if matches!(check, Check::MinLen(_)) {
                    Code::BelowMinLen
                } else {
                    Code::ValueTooShort
                },
                format!(
                    "{len} bytes, {pname} wants at least {} ({})",
                    min_len(check),
                    check_name(check)
                ),
            ),
            Violated::NestTooShort => (
                Code::NestTooShort,
                format!("a nest of {len} bytes, {pname} wants none or at least 4"),
            ),
            Violated::NoNul => (
                Code::StringWithoutNul,
                format!("no NUL where {pname} wants one ({})", check_name(check)),
            ),
            Violated::TooLong => (
                Code::AboveMaxLen,
                format!("{len} bytes, {pname} allows at most {}", max_len(check)),
            ),
            Violated::Rejected => (Code::RejectedInRequest, format!("NLA_REJECT in {pname}")),
            Violated::AboveMax => {
                let (v, max) = match check {
                    Check::U8Max(m) => {
                        (u64::from(value.first().copied().unwrap_or(0)), u64::from(m))
                    }
                    Check::Be32Max(m) => {
                        (read_uint(value, 4, Endian::Big).unwrap_or(0), u64::from(m))
                    }
                    _ => (0, 0),
                };
                (
                    Code::ValueOutOfRange,
                    format!("{v} is above the maximum {max} of {pname}"),
                )
            }
            Violated::ReservedBits => {
                let (v, mask) = match check {
                    Check::U32Mask(m) => {
                        (read_uint(value, 4, self.order).unwrap_or(0), u64::from(m))
                    }
                    Check::Be32Mask(m) => {
                        (read_uint(value, 4, Endian::Big).unwrap_or(0), u64::from(m))
                    }
                    _ => (0, 0),
                };
                (
                    if std::ptr::eq(policy, &kernel::FILTER_POLICY) {
                        Code::UnknownFilterFlags
                    } else {
                        Code::ReservedBits
                    },
                    format!(
                        "bits {:#x} outside the mask {mask:#x} of {pname}",
                        v & !mask
                    ),
                )
            }
            Violated::StrictUnknown => (
                Code::StrictParse,
                format!("an attribute type {pname} does not have, in a strict parse"),
            ),
            Violated::StrictLength => (
                Code::StrictParse,
                format!(
                    "{len} bytes where the strict parse of {pname} wants exactly {}",
                    min_len(check)
                ),
            ),
            Violated::StrictNestedFlag => (
                Code::StrictParse,
                format!(
                    "NLA_F_NESTED on a {} in the strict parse of {pname}",
                    check_name(check)
                ),
            ),
            Violated::StrictNoNestedFlag => (
                Code::StrictParse,
                "NLA_F_NESTED missing on a nest parsed strictly (nla_parse_nested)".to_string(),
            ),
            Violated::StrictTrailing => (
                Code::StrictParse,
                format!("bytes after the last attribute, in the strict parse of {pname}"),
            ),
        };
        let (path, offset, present) = match v.attr {
            Some(a) => (
                self.path_of(&Self::name_of(policy.set, a.num())),
                a.off,
                true,
            ),
            None => (
                self.path_of(""),
                nest.map(|n| n.off).unwrap_or(self.top_offset),
                true,
            ),
        };
        let name = path.rsplit('.').next().unwrap_or("").to_string();
        self.failures.push(Failure {
            errno: v.errno,
            code,
            path,
            offset,
            why: Cow::Owned(if name.is_empty() {
                why
            } else {
                format!("{name}: {why}")
            }),
            cite,
            extack,
            present,
            after_lookup: self.lookup,
        });
    }

    fn fail(&mut self, f: &Fail, level: &Level) {
        let (offset, present) = match self.attr(level, f.at) {
            Some(a) => (a.off, true),
            None => (level.at, f.at.is_empty()),
        };
        let path = self.path_of(f.at);
        let why: Cow<'static, str> = if f.at.is_empty() || present {
            Cow::Borrowed(f.why)
        } else if f.why == "missing" {
            Cow::Owned(format!("{path} missing"))
        } else {
            Cow::Owned(format!("{path} missing: {}", f.why))
        };
        self.failures.push(Failure {
            errno: f.errno,
            code: f.code,
            path,
            offset,
            why,
            cite: f.cite,
            extack: false,
            present,
            after_lookup: self.lookup,
        });
    }

    fn attr(&self, level: &Level, name: &str) -> Option<Attr> {
        if name.is_empty() {
            return level.nest;
        }
        let def = level.set.by_name(name)?;
        level.tb.get(def.num)
    }

    fn be(&self, level: &Level, name: &str, size: usize) -> Option<u64> {
        let a = self.attr(level, name)?;
        read_uint(a.value(self.data), size, Endian::Big)
    }

    fn text(&self, level: &Level, name: &str) -> Option<&[u8]> {
        let a = self.attr(level, name)?;
        let v = a.value(self.data);
        Some(v.split(|&b| b == 0).next().unwrap_or(&[]))
    }

    fn cond(&self, c: &Cond, level: &Level) -> bool {
        match c {
            Cond::Has(n) => self.attr(level, n).is_some(),
            Cond::Flags(f) => self.flags & f != 0,
            Cond::Family(fams) => fams.contains(&self.tuple_family),
            Cond::TupleFlag(n) => FILTER_FLAGS
                .value_of(n)
                .is_some_and(|bit| u64::from(self.tuple_flags) & bit != 0),
            Cond::ZoneNull => self.zone_arg == ZoneArg::Null,
            Cond::ZoneSet => self.zone_set,
            Cond::FilterOrig => self.filter_orig != 0,
            Cond::FilterReply => self.filter_reply != 0,
            Cond::NeedsFilter => {
                self.filter_family != 0
                    || ["mark", "filter", "status", "zone"]
                        .iter()
                        .any(|n| self.attr(level, n).is_some())
            }
            Cond::Be32Is(n, v) => self.be(level, n, 4) == Some(u64::from(*v)),
            Cond::ProtoDiffers => matches!(
                (self.protonum[0], self.protonum[1]),
                (Some(o), Some(r)) if o != r
            ),
            Cond::StrIn(n, list) => self
                .text(level, n)
                .is_some_and(|t| list.iter().any(|s| s.as_bytes() == t)),
            Cond::U8In(n, list) => self
                .attr(level, n)
                .and_then(|a| a.value(self.data).first().copied())
                .is_some_and(|v| list.contains(&v)),
            Cond::Hidden(n) => match (level.broken, level.set.by_name(n)) {
                (Some(b), Some(d)) => b.num() == d.num,
                _ => false,
            },
            Cond::FilterFamilyIs(f) => f.contains(&self.filter_family),
            Cond::FilterFlag(names) => names.iter().any(|n| {
                FILTER_FLAGS
                    .value_of(n)
                    .is_some_and(|b| u64::from(self.filter_orig | self.filter_reply) & b != 0)
            }),
            Cond::Not(c) => !self.cond(c, level),
            Cond::All(cs) => cs.iter().all(|c| self.cond(c, level)),
            Cond::Any(cs) => cs.iter().any(|c| self.cond(c, level)),
        }
    }

    fn steps(&mut self, steps: &'static [Step], level: &Level) -> Flow {
        for s in steps {
            if let Flow::Stop = self.step(s, level) {
                return Flow::Stop;
            }
        }
        Flow::Go
    }

    fn step(&mut self, s: &'static Step, level: &Level) -> Flow {
        match s {
            Step::Parse {
                attr,
                policy,
                mode,
                body,
                cite,
            } => {
                let Some(a) = self.attr(level, attr) else {
                    return Flow::Go;
                };
                self.enter(a, attr, policy, *mode, cite, |m, inner| {
                    m.steps(body, inner)
                })
            }
            Step::ParseBy {
                attr,
                selector,
                cases,
                mode,
                cite,
            } => {
                let Some(a) = self.attr(level, attr) else {
                    return Flow::Go;
                };
                let Some(v) = self
                    .attr(level, selector)
                    .and_then(|s| s.value(self.data).first().copied())
                else {
                    return Flow::Go;
                };
                let cases: &'static [(u8, &'static Policy)] = cases;
                let Some(&(_, policy)) = cases.iter().find(|(n, _)| *n == v) else {
                    return Flow::Go;
                };
                self.enter(a, attr, policy, *mode, cite, |_, _| Flow::Go)
            }
            Step::FailIf(c, f) => {
                if self.cond(c, level) {
                    self.fail(f, level);
                }
                Flow::Go
            }
            Step::Need(f) => {
                if self.attr(level, f.at).is_none() {
                    self.fail(f, level);
                }
                Flow::Go
            }
            Step::Fail(f) => {
                self.fail(f, level);
                Flow::Go
            }
            Step::Note(c, code, at, text, cite) => {
                if self.cond(c, level) {
                    self.note(level, *code, at, text, cite);
                }
                Flow::Go
            }
            Step::If(c, then, otherwise) => {
                if self.cond(c, level) {
                    self.steps(then, level)
                } else {
                    self.steps(otherwise, level)
                }
            }
            Step::Tuple {
                attr,
                zone,
                flags,
                slot,
            } => self.tuple(level, attr, *zone, *flags, *slot),
            Step::L4Tuple => {
                self.l4_tuple(level);
                Flow::Go
            }
            Step::L4Protoinfo => {
                self.l4_protoinfo(level);
                Flow::Go
            }
            Step::Zone(attr) => {
                if let Some(z) = self.be(level, attr, 2) {
                    self.zone_set = z != 0;
                }
                Flow::Go
            }
            Step::TupleZone => {
                if let Some(z) = self.be(level, "tuple-zone", 2) {
                    self.zone_set = z != 0;
                }
                Flow::Go
            }
            Step::FilterFlags => {
                self.filter_flags(level);
                Flow::Go
            }
            Step::FilterFamily(f) => {
                self.filter_family = self.filter_family_of(level, *f);
                Flow::Go
            }
            Step::Status { create } => {
                self.status(level, *create);
                Flow::Go
            }
            Step::Labels => {
                self.labels(level);
                Flow::Go
            }
            Step::Helper { create } => {
                self.helper(level, *create);
                Flow::Go
            }
            Step::Either {
                absent,
                present,
                words,
                cite,
            } => self.either(absent, present, words, cite, level),
            Step::Lookup(_) => {
                self.lookup = true;
                Flow::Go
            }
            Step::Table(errnos, why) => {
                self.table = (errnos, why);
                Flow::Go
            }
            Step::Depends(c, why, cite) => {
                if self.cond(c, level) && self.depends.is_none() {
                    self.depends = Some((Cow::Borrowed(why), cite));
                }
                Flow::Go
            }
            Step::Accept(why) => {
                if self.accepted.is_none() {
                    self.accepted = Some((why, self.handler));
                }
                Flow::Stop
            }
        }
    }

    /// A note (`Step::Note`): a finding the kernel accepts, at `at` (or at the
    /// broken attribute of the level).
    fn note(
        &mut self,
        level: &Level,
        code: Code,
        at: &'static str,
        text: &'static str,
        cite: &'static str,
    ) {
        let a = self
            .attr(level, at)
            .or(level.broken.filter(|_| at.is_empty()));
        let path = match (at.is_empty(), a) {
            (true, Some(b)) => self.path_of(&Self::name_of(level.set, b.num())),
            _ => self.path_of(at),
        };
        self.notes.push(Failure {
            errno: 0,
            code,
            path,
            offset: a.map(|a| a.off).unwrap_or(level.at),
            why: Cow::Borrowed(text),
            cite,
            extack: false,
            present: a.is_some(),
            after_lookup: self.lookup,
        });
    }

    /// `ctnetlink_parse_tuple_filter` of tuple `attr` (`Step::Tuple`): the flags
    /// and family it is parsed with, the zone argument, and where its protocol
    /// number is kept.
    fn tuple(
        &mut self,
        level: &Level,
        attr: &'static str,
        zone: ZoneArg,
        flags: TupleFlags,
        slot: Slot,
    ) -> Flow {
        let Some(a) = self.attr(level, attr) else {
            return Flow::Go;
        };
        let saved = (
            self.tuple_flags,
            self.tuple_family,
            self.zone_arg,
            self.cur_proto,
        );
        let (tf, fam) = match flags {
            TupleFlags::All => (kernel::FILTER_F_ALL, self.family),
            TupleFlags::FilterOrig => (self.filter_orig, self.filter_family),
            TupleFlags::FilterReply => (self.filter_reply, self.filter_family),
        };
        self.tuple_flags = tf;
        self.tuple_family = fam;
        self.zone_arg = zone;
        self.cur_proto = None;
        let flow = self.enter(
            a,
            attr,
            &TUPLE_POLICY,
            Mode::Liberal,
            "ctnetlink_parse_tuple_filter",
            |m, inner| m.steps(TUPLE_BODY, inner),
        );
        if let Some(p) = self.protonum.get_mut(slot_index(slot)) {
            *p = self.cur_proto;
        }
        (
            self.tuple_flags,
            self.tuple_family,
            self.zone_arg,
            self.cur_proto,
        ) = saved;
        flow
    }

    /// CTA_FILTER_ORIG_FLAGS / CTA_FILTER_REPLY_FLAGS (host order; 0 when absent).
    fn filter_flags(&mut self, level: &Level) {
        let host = |m: &Self, n: &str| {
            m.attr(level, n)
                .and_then(|a| read_uint(a.value(m.data), 4, m.order))
                .unwrap_or(0) as u32
        };
        self.filter_orig = host(self, "orig-flags");
        self.filter_reply = host(self, "reply-flags");
    }

    /// The family a filter's tuples are parsed with.
    fn filter_family_of(&self, level: &Level, f: FilterFamily) -> u8 {
        match f {
            FilterFamily::Nfgen => self.family,
            FilterFamily::Flush => {
                if self.version != 0 || self.attr(level, "filter").is_some() {
                    self.family
                } else {
                    0
                }
            }
        }
    }

    /// Runs both branches of a table-decided choice and keeps their common verdict.
    fn either(
        &mut self,
        absent: &'static [Step],
        present: &'static [Step],
        words: &'static [&'static str; 3],
        cite: &'static str,
        level: &Level,
    ) -> Flow {
        let n0 = self.failures.len();
        let mut a = self.clone();
        a.steps(absent, level);
        let mut b = self.clone();
        b.steps(present, level);
        let first = |m: &Machine<'_>| m.failures.get(n0).map(|f| f.errno);
        let (ea, eb) = (first(&a), first(&b));
        let outcome = |e: Option<i32>, m: &Machine<'_>| match (e, &m.depends) {
            (Some(e), _) => verdict_word(Some(e)),
            (None, Some(_)) => "depends".to_string(),
            (None, None) => "accepts".to_string(),
        };
        let same = ea == eb && a.depends.is_none() == b.depends.is_none();
        // A failure before the choice decides already.
        if !same && self.forced_depends.is_none() && n0 == 0 {
            self.forced_depends = Some((
                Cow::Owned(format!(
                    "on whether {} exists: absent, the kernel {} ({}); present, it {} ({})",
                    words[0],
                    words[1],
                    outcome(ea, &a),
                    words[2],
                    outcome(eb, &b)
                )),
                cite,
            ));
        }
        let keep_forced = self.forced_depends.clone();
        *self = a;
        if self.forced_depends.is_none() {
            self.forced_depends = keep_forced;
        }
        Flow::Stop
    }

    /// Parses nest `a` and runs `body` inside it.
    fn enter(
        &mut self,
        a: Attr,
        name: &'static str,
        policy: &'static Policy,
        mode: Mode,
        cite: &'static str,
        body: impl FnOnce(&mut Self, &Level) -> Flow,
    ) -> Flow {
        self.path.push(name);
        if mode == Mode::Strict && a.ty & NLA_F_NESTED == 0 {
            let v = Violation {
                errno: errno::EINVAL,
                attr: None,
                what: Violated::StrictNoNestedFlag,
            };
            self.violation(&v, policy, Some(a), cite, false);
        }
        let start = a.value_off();
        let end = start + a.value_len();
        let parsed = nla::parse(self.data, start, end, policy, mode, self.order);
        self.regions.push(Region {
            start,
            end,
            stop: parsed.stop,
            policy,
        });
        self.violations(&parsed, policy, Some(a), cite, false);
        let level = Level {
            broken: parsed.broken,
            tb: parsed.tb,
            set: policy.set,
            at: a.off,
            nest: Some(a),
        };
        let flow = body(self, &level);
        self.path.pop();
        flow
    }

    /// `ctnetlink_parse_tuple_proto` after proto-num: the l4 protocol's policy and
    /// `nlattr_to_tuple`.
    fn l4_tuple(&mut self, level: &Level) {
        let Some(pn) = self
            .attr(level, "proto-num")
            .and_then(|a| a.value(self.data).first().copied())
        else {
            return;
        };
        self.cur_proto = Some(pn);
        let Some(l4) = kernel::l4(pn) else {
            return;
        };
        let Some(policy) = l4.tuple_policy else {
            return;
        };
        if let Some(nest) = level.nest {
            let start = nest.value_off();
            let parsed = nla::parse(
                self.data,
                start,
                start + nest.value_len(),
                policy,
                Mode::Liberal,
                self.order,
            );
            self.violations(
                &parsed,
                policy,
                Some(nest),
                "nla_validate_nested_deprecated",
                false,
            );
        }
        for (member, flag) in l4.members {
            let wanted = FILTER_FLAGS
                .value_of(flag)
                .is_some_and(|b| u64::from(self.tuple_flags) & b != 0);
            if !wanted {
                continue;
            }
            let cite = match l4.name {
                "icmp" => "icmp_nlattr_to_tuple",
                "icmpv6" => "icmpv6_nlattr_to_tuple",
                _ => "nf_ct_port_nlattr_to_tuple",
            };
            let Some(a) = self.attr(level, member) else {
                self.fail(&kernel_need(member, cite), level);
                continue;
            };
            if let Some((ty, ok)) = l4.inverse {
                if ty == *member {
                    let v = a.value(self.data).first().copied().unwrap_or(0);
                    if !ok.contains(&v) {
                        self.failures.push(Failure {
                            errno: errno::EINVAL,
                            code: Code::IcmpTypeWithoutInverse,
                            path: self.path_of(member),
                            offset: a.off,
                            why: Cow::Owned(format!(
                                "{} type {v} has no inverse type: the kernel cannot build the reply tuple",
                                l4.name
                            )),
                            cite,
                            extack: false,
                            present: true,
                            after_lookup: self.lookup,
                        });
                    }
                }
            }
        }
    }

    /// `l4proto->from_nlattr` on the protoinfo nest.
    fn l4_protoinfo(&mut self, level: &Level) {
        let proto = self.protonum[0].or(self.protonum[1]);
        let Some(l4) = proto.and_then(kernel::l4) else {
            return;
        };
        let Some((nest_name, policy, required)) = l4.protoinfo else {
            return;
        };
        let Some(a) = self.attr(level, nest_name) else {
            return;
        };
        let cite = if l4.name == "tcp" {
            "nlattr_to_tcp"
        } else {
            "nlattr_to_sctp"
        };
        self.enter(a, nest_name, policy, Mode::Liberal, cite, |m, inner| {
            for r in required {
                if m.attr(inner, r).is_none() {
                    let mut f = kernel_need(r, cite);
                    f.code = Code::MissingMember;
                    m.fail(&f, inner);
                }
            }
            Flow::Go
        });
    }

    /// `nf_ct_change_status_common`.
    fn status(&mut self, level: &Level, create: bool) {
        let Some(s) = self.be(level, "status", 4) else {
            return;
        };
        const EXPECTED: u64 = 1;
        const SEEN_REPLY: u64 = 1 << 1;
        const ASSURED: u64 = 1 << 2;
        const CONFIRMED: u64 = 1 << 3;
        const DYING: u64 = 1 << 9;
        let why = if s & CONFIRMED == 0 {
            Some("the status clears confirmed, which cannot change")
        } else if s & EXPECTED != 0 {
            Some("the status sets expected, which cannot change (the entry is not an expected one)")
        } else if s & DYING != 0 {
            Some("the status sets dying, which cannot change")
        } else {
            None
        };
        if let Some(why) = why {
            let a = self.attr(level, "status");
            self.failures.push(Failure {
                errno: errno::EBUSY,
                code: Code::StatusChangeRefused,
                path: self.path_of("status"),
                offset: a.map(|a| a.off).unwrap_or(level.at),
                why: Cow::Borrowed(why),
                cite: "nf_ct_change_status_common",
                extack: false,
                present: a.is_some(),
                after_lookup: self.lookup,
            });
            return;
        }
        if !create && (s & SEEN_REPLY == 0 || s & ASSURED == 0) && self.depends.is_none() {
            self.depends = Some((
                Cow::Borrowed(
                    "EBUSY if the entry has seen-reply or assured, which this status would clear",
                ),
                "nf_ct_change_status_common",
            ));
        }
    }

    /// `ctnetlink_attach_labels` on an existing entry.
    fn labels(&mut self, level: &Level) {
        let Some(l) = self.attr(level, "labels") else {
            return;
        };
        let len = l.value_len();
        let mask = self.attr(level, "labels-mask");
        let bad = if len % 4 != 0 {
            Some((l, "labels of a length that is not a multiple of 4"))
        } else {
            match mask {
                Some(m) if m.value_len() == 0 || m.value_len() != len => {
                    Some((m, "labels-mask empty or of another length than labels"))
                }
                _ => None,
            }
        };
        if let Some((a, why)) = bad {
            self.failures.push(Failure {
                errno: errno::EINVAL,
                code: Code::LabelsMaskLenMismatch,
                path: self.path_of(if a == l { "labels" } else { "labels-mask" }),
                offset: a.off,
                why: Cow::Borrowed(why),
                cite: "ctnetlink_attach_labels",
                extack: false,
                present: true,
                after_lookup: self.lookup,
            });
        } else if self.depends.is_none() {
            self.depends = Some((
                Cow::Borrowed("ENOSPC unless the entry has a labels extension (labels in use in its namespace)"),
                "nf_connlabels_replace",
            ));
        }
    }

    /// The helper lookups of a create and an update.
    fn helper(&mut self, level: &Level, create: bool) {
        let Some(name) = self.text(level, "help-name") else {
            return;
        };
        let name = String::from_utf8_lossy(name).into_owned();
        if !create {
            if !name.is_empty() && self.depends.is_none() {
                self.depends = Some((
                    Cow::Owned(format!(
                        "on the entry's helper: the same ({name}) updates it, another is EBUSY, none is EOPNOTSUPP"
                    )),
                    "ctnetlink_change_helper",
                ));
            }
            return;
        }
        let proto = self.protonum[0].unwrap_or(0);
        let known = kernel::HELPERS
            .iter()
            .any(|(n, fams, p)| *n == name && fams.contains(&self.family) && *p == proto);
        if known {
            return;
        }
        if name.is_empty() {
            let a = self.attr(level, "help-name");
            self.failures.push(Failure {
                errno: errno::EOPNOTSUPP,
                code: Code::UnknownHelper,
                path: self.path_of("help-name"),
                offset: a.map(|a| a.off).unwrap_or(level.at),
                why: Cow::Borrowed("no helper has an empty name"),
                cite: "ctnetlink_create_conntrack",
                extack: false,
                present: true,
                after_lookup: self.lookup,
            });
        } else if self.depends.is_none() {
            self.depends = Some((
                Cow::Owned(format!(
                    "on a helper named {name:?} for this family and protocol being registered (a userspace cthelper or a module): EOPNOTSUPP otherwise"
                )),
                "ctnetlink_create_conntrack",
            ));
        }
    }
}

/// The minimum length a policy check wants.
fn min_len(c: Check) -> usize {
    match c {
        Check::U8 | Check::U8Max(_) => 1,
        Check::U16 => 2,
        Check::U32 | Check::U32Mask(_) | Check::Be32Max(_) | Check::Be32Mask(_) => 4,
        Check::U64 => 8,
        Check::MinLen(n) => usize::from(n),
        _ => 0,
    }
}

fn max_len(c: Check) -> usize {
    match c {
        Check::NulString(n) | Check::Binary(n) => usize::from(n),
        _ => 0,
    }
}

/// The kernel's name of a policy check's type.
fn check_name(c: Check) -> &'static str {
    match c {
        Check::Unspec | Check::MinLen(_) => "NLA_UNSPEC",
        Check::U8 | Check::U8Max(_) => "NLA_U8",
        Check::U16 => "NLA_U16",
        Check::U32 | Check::U32Mask(_) => "NLA_U32",
        Check::U64 => "NLA_U64",
        Check::Be32Max(_) | Check::Be32Mask(_) => "NLA_BE32",
        Check::Nested => "NLA_NESTED",
        Check::NulString(_) => "NLA_NUL_STRING",
        Check::Binary(_) => "NLA_BINARY",
        Check::Reject => "NLA_REJECT",
    }
}

fn verdict_word(e: Option<i32>) -> String {
    match e {
        Some(e) => format!("rejects {}", errno_name(e).unwrap_or("it")),
        None => "accepts".to_string(),
    }
}

fn kernel_need(member: &'static str, cite: &'static str) -> Fail {
    Fail {
        errno: errno::EINVAL,
        code: Code::MissingAttr,
        at: member,
        why: "missing",
        cite,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::nla::{self, Violated};
    use super::*;
    use crate::schema::enums::FILTER_FLAGS;
    use crate::schema::kernel::{
        Cond, Policy, Step, CT_POLICY, FILTER_POLICY, L4_PROTOS, TUPLE_POLICY,
    };
    use crate::schema::messages::SUBSYSTEMS;
    use crate::schema::{ct, AttrSet};

    /// Every attribute name of the rule tables is an attribute of the set it is
    /// looked up in (so no rule can silently never apply).
    #[test]
    fn every_name_in_the_tables_resolves() {
        fn set_has(set: &AttrSet, n: &str, ctx: &str) {
            assert!(
                n.is_empty() || set.by_name(n).is_some(),
                "{ctx}: {n} not in {}",
                set.name
            );
        }
        fn cond(c: &Cond, set: &'static AttrSet, ctx: &str) {
            match c {
                Cond::Has(n)
                | Cond::Be32Is(n, _)
                | Cond::StrIn(n, _)
                | Cond::U8In(n, _)
                | Cond::Hidden(n) => set_has(set, n, ctx),
                Cond::TupleFlag(n) => assert!(FILTER_FLAGS.value_of(n).is_some(), "{ctx}: {n}"),
                Cond::FilterFlag(ns) => {
                    for n in *ns {
                        assert!(FILTER_FLAGS.value_of(n).is_some(), "{ctx}: {n}");
                    }
                }
                Cond::Not(c) => cond(c, set, ctx),
                Cond::All(cs) | Cond::Any(cs) => cs.iter().for_each(|c| cond(c, set, ctx)),
                _ => {}
            }
        }
        fn steps(ss: &[Step], set: &'static AttrSet, ctx: &str) -> usize {
            let mut n = 0;
            for s in ss {
                n += 1;
                match s {
                    Step::Parse {
                        attr, policy, body, ..
                    } => {
                        set_has(set, attr, ctx);
                        n += steps(body, policy.set, ctx);
                    }
                    Step::ParseBy {
                        attr,
                        selector,
                        cases,
                        ..
                    } => {
                        set_has(set, attr, ctx);
                        set_has(set, selector, ctx);
                        assert!(!cases.is_empty(), "{ctx}: {attr} has no case");
                    }
                    Step::FailIf(c, f) => {
                        cond(c, set, ctx);
                        set_has(set, f.at, ctx);
                    }
                    Step::Need(f) | Step::Fail(f) => set_has(set, f.at, ctx),
                    Step::Note(c, _, at, _, _) => {
                        cond(c, set, ctx);
                        set_has(set, at, ctx);
                    }
                    Step::If(c, a, b) => {
                        cond(c, set, ctx);
                        n += steps(a, set, ctx) + steps(b, set, ctx);
                    }
                    Step::Either {
                        absent, present, ..
                    } => {
                        n += steps(absent, set, ctx) + steps(present, set, ctx);
                    }
                    Step::Tuple { attr, .. } => {
                        set_has(set, attr, ctx);
                        n += steps(kernel::TUPLE_BODY, &ct::TUPLE, ctx);
                    }
                    Step::Zone(attr) => set_has(set, attr, ctx),
                    Step::Depends(c, _, _) => cond(c, set, ctx),
                    _ => {}
                }
            }
            n
        }
        let mut total = 0;
        for ss in SUBSYSTEMS {
            for m in ss.messages {
                if let Some(h) = m.handler {
                    let set = h
                        .policy
                        .map(|p| p.set)
                        .unwrap_or(&crate::schema::UNKNOWN_SET);
                    total += steps(h.steps, set, h.name);
                }
            }
        }
        assert!(total > 150, "{total} steps");
        let policies: &[&Policy] = &[
            &CT_POLICY,
            &TUPLE_POLICY,
            &kernel::IP_POLICY,
            &kernel::PROTO_POLICY,
            &kernel::PORT_POLICY,
            &kernel::ICMP_POLICY,
            &kernel::ICMPV6_POLICY,
            &FILTER_POLICY,
            &kernel::HELP_POLICY,
            &kernel::PROTOINFO_POLICY,
            &kernel::TCP_POLICY,
            &kernel::SCTP_POLICY,
            &kernel::SEQADJ_POLICY,
            &kernel::SYNPROXY_POLICY,
            &kernel::NAT_POLICY,
            &kernel::PROTONAT_POLICY,
            &kernel::EXP_POLICY,
            &kernel::EXP_NAT_POLICY,
            &kernel::timeout::TIMEOUT_POLICY,
            &kernel::timeout::TCP_POLICY,
            &kernel::timeout::UDP_POLICY,
            &kernel::timeout::ICMP_POLICY,
            &kernel::timeout::ICMPV6_POLICY,
            &kernel::timeout::SCTP_POLICY,
            &kernel::timeout::GRE_POLICY,
            &kernel::timeout::GENERIC_POLICY,
        ];
        for p in policies {
            for r in p.rules {
                set_has(p.set, r.attr, p.name);
            }
        }
        for l in L4_PROTOS {
            for (m, f) in l.members {
                set_has(&ct::TUPLE_PROTO, m, l.name);
                assert!(FILTER_FLAGS.value_of(f).is_some());
            }
            if let Some((nest, policy, required)) = l.protoinfo {
                set_has(&ct::PROTOINFO, nest, l.name);
                for r in required {
                    set_has(policy.set, r, l.name);
                }
            }
        }
    }

    /// The kernel's maxtypes are the sets' highest numbers (CTA_MAX 27,
    /// CTA_TUPLE_MAX 3, CTA_FILTER_MAX 2, CTA_EXPECT_MAX 11).
    #[test]
    fn maxtypes() {
        assert_eq!(CT_POLICY.maxtype(), 27);
        assert_eq!(TUPLE_POLICY.maxtype(), 3);
        assert_eq!(FILTER_POLICY.maxtype(), 2);
        assert_eq!(kernel::EXP_POLICY.maxtype(), 11);
    }

    /// `nla_for_each_attr` stops at a broken nla_len and the walk reports the
    /// leftover; the last of duplicates wins; unknown numbers are skipped.
    #[test]
    fn liberal_walk() {
        let data = [
            0x08, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01, // status = 1
            0x08, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x02, // status = 2 (wins)
            0x08, 0x00, 0x63, 0x00, 0xaa, 0xbb, 0xcc, 0xdd, // attr 99: above CTA_MAX
            0x20, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x05, // mark, nla_len 32 > 8 left
        ];
        let p = nla::parse(
            &data,
            0,
            data.len(),
            &CT_POLICY,
            Mode::Liberal,
            Endian::Little,
        );
        assert!(p.violations.is_empty());
        assert_eq!(p.tb.get(3).unwrap().off, 8);
        assert!(p.tb.get(8).is_none());
        assert_eq!((p.stop, p.leftover), (24, 8));
        assert_eq!(p.broken.unwrap().off, 24);
    }

    /// Policy checks: a 2-byte u32 is -ERANGE, a 1-3 byte nest is -ERANGE,
    /// NLA_REJECT is -EINVAL; a longer u32 only warns.
    #[test]
    fn policy_checks() {
        let data = [
            0x06, 0x00, 0x03, 0x00, 0x00, 0x08, 0x00, 0x00, // status of 2 bytes
            0x06, 0x00, 0x01, 0x80, 0x00, 0x00, 0x00, 0x00, // tuple-orig of 2 bytes
            0x0c, 0x00, 0x1b, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, // timestamp-event
            0x0c, 0x00, 0x08, 0x00, 0, 0, 0, 1, 0, 0, 0, 0, // mark of 8 bytes
        ];
        let p = nla::parse(
            &data,
            0,
            data.len(),
            &CT_POLICY,
            Mode::Liberal,
            Endian::Little,
        );
        let v: Vec<(i32, usize, Violated)> = p
            .violations
            .iter()
            .map(|v| (v.errno, v.attr.unwrap().off, v.what))
            .collect();
        assert_eq!(
            v,
            vec![
                (errno::ERANGE, 0, Violated::TooShort),
                (errno::ERANGE, 8, Violated::NestTooShort),
                (errno::EINVAL, 16, Violated::Rejected),
            ]
        );
    }

    /// The strict parse of CTA_FILTER: exact lengths, no NLA_F_NESTED on scalars,
    /// no unknown types, no trailing bytes, flags within CTA_FILTER_F_ALL.
    #[test]
    fn strict_walk() {
        let data = [
            0x08, 0x00, 0x01, 0x80, 0x09, 0x00, 0x00, 0x00, // orig-flags with NLA_F_NESTED
            0x08, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, // type 3: above CTA_FILTER_MAX
            0x08, 0x00, 0x02, 0x00, 0x00, 0x10, 0x00, 0x00, // reply-flags 0x1000
            0x01, 0x02, // trailing
        ];
        let p = nla::parse(
            &data,
            0,
            data.len(),
            &FILTER_POLICY,
            Mode::Strict,
            Endian::Little,
        );
        let v: Vec<Violated> = p.violations.iter().map(|v| v.what).collect();
        assert_eq!(
            v,
            vec![
                Violated::StrictNestedFlag,
                Violated::StrictUnknown,
                Violated::ReservedBits,
                Violated::StrictTrailing,
            ]
        );
        assert!(p.violations.iter().all(|v| v.errno == errno::EINVAL));
    }

    fn judge_bytes(bytes: &[u8]) -> Verdict {
        let mut rec = crate::model::Record::default();
        crate::decode::Decoder::default().decode_record(bytes, 12, &mut rec);
        rec.messages
            .first()
            .and_then(|m| m.verdict.clone())
            .or(rec.verdict.clone())
            .unwrap()
    }

    /// A create without NLM_F_EXCL creates an absent entry and updates a present
    /// one: when the two branches differ, the table decides (`depends`).
    #[test]
    fn create_or_update_depends_when_the_branches_differ() {
        use crate::encode::MsgBuilder;
        let mut b = MsgBuilder::new(0x0100, 0x0405, 1, 0, &ct::CONNTRACK).nfgen(2, 0, 0);
        for (name, s, d) in [("tuple-orig", 1u64, 2u64), ("tuple-reply", 2, 1)] {
            b.nest(name)
                .nest("tuple-ip")
                .uint("ip-v4-src", s)
                .uint("ip-v4-dst", d);
            b.end().nest("tuple-proto").uint("proto-num", 17);
            b.uint("proto-src-port", 1)
                .uint("proto-dst-port", 2)
                .end()
                .end();
        }
        b.uint("timeout", 10);
        let plain = judge_bytes(&b.clone().finish());
        assert_eq!(plain.kernel, Outcome::Accept);
        // NAT: a create takes it, an update refuses it (-EOPNOTSUPP).
        b.nest("nat-src").uint("nat-v4-minip", 3).end();
        let v = judge_bytes(&b.finish());
        assert_eq!(v.kernel, Outcome::Depends, "{v}");
        assert!(
            v.reason
                .contains("present, it updates it (rejects EOPNOTSUPP)"),
            "{v}"
        );
    }

    /// Message numbers beyond the subsystem's callbacks: -EINVAL from
    /// nfnetlink_find_client, not from a handler.
    #[test]
    fn unknown_message_number() {
        let bytes = [
            0x14, 0, 0, 0, 0x08, 0x01, 0x05, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
        ];
        let v = judge_bytes(&bytes);
        assert_eq!(
            (v.kernel, v.errno, v.cite),
            (Outcome::Reject, Some(22), "nfnetlink_find_client")
        );
    }
}
