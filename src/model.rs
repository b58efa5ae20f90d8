//! The decoded form of one capture record: messages, a flat attribute tree and
//! findings.
//!
//! A [`Record`] owns three vectors that the decoder clears and refills for every
//! record, so decoding a capture allocates only while the vectors grow to the size of
//! the largest record. Nodes hold offsets into the record's bytes instead of slices:
//! the record bytes are handed to the renderers beside the `Record`.
//!
//! The attribute tree is stored in pre-order: a node is followed by its descendants,
//! and `Node::end` is the index one past its last descendant.

use crate::finding::Finding;
use crate::schema::{AttrDef, AttrSet};
use crate::wire::{Endian, NfGenMsg, NlMsgHdr};
use std::fmt::Write as _;
use std::ops::Range;

/// A decoded attribute value (its bytes stay in the record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// A nest: the children follow this node.
    Nest,
    /// An integer read in the schema's byte order.
    Uint(u64),
    /// Bytes interpreted through the attribute's display (addresses, tcp flags,
    /// labels, hex).
    Bytes,
    /// Text (strings; a trailing NUL is not part of it).
    Text,
    /// A padding attribute.
    Pad,
    /// A value that cannot be read as its type (wrong length): raw bytes.
    Invalid,
    /// An attribute the set does not define: raw bytes (walked when NLA_F_NESTED).
    Unknown,
}

/// One attribute.
#[derive(Debug, Clone, Copy)]
pub struct Node {
    /// The schema entry, `None` for unknown attribute numbers.
    pub def: Option<&'static AttrDef>,
    /// The set this attribute was decoded in.
    pub set: &'static AttrSet,
    /// nla_type with the flag bits.
    pub nla_type: u16,
    /// nla_len.
    pub nla_len: u16,
    /// Offset of the attribute header within the record.
    pub offset: u32,
    /// Depth: 0 for attributes of the message itself.
    pub depth: u16,
    /// Index one past this node's last descendant.
    pub end: u32,
    /// The decoded value.
    pub value: Value,
}

impl Node {
    /// The attribute number without flag bits.
    pub fn num(&self) -> u16 {
        self.nla_type & crate::wire::NLA_TYPE_MASK
    }

    /// Range of the value bytes within the record (clamped to nla_len).
    pub fn value_range(&self) -> Range<usize> {
        let start = self.offset as usize + crate::wire::NLA_HDRLEN;
        let len = usize::from(self.nla_len).saturating_sub(crate::wire::NLA_HDRLEN);
        start..start + len
    }

    /// The value bytes within `data` (empty when out of range).
    pub fn bytes<'d>(&self, data: &'d [u8]) -> &'d [u8] {
        data.get(self.value_range()).unwrap_or(&[])
    }

    /// Kernel name; `None` for attribute numbers the set does not define
    /// (renderers show those as `attr-N`).
    pub fn name(&self) -> Option<&'static str> {
        self.def.map(|d| d.name)
    }
}

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// From a userspace socket to the kernel (NLM_F_REQUEST set).
    ToKernel,
    /// From the kernel to userspace.
    FromKernel,
}

impl Direction {
    /// Short arrow-free name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::ToKernel => "to-kernel",
            Direction::FromKernel => "from-kernel",
        }
    }
}

/// Event kinds as `conntrack -E` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// NEW with NLM_F_CREATE|NLM_F_EXCL.
    New,
    /// NEW without them.
    Update,
    /// DELETE.
    Destroy,
}

/// What role a message plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A request (NLM_F_REQUEST), not a dump.
    Request,
    /// A dump request (NLM_F_DUMP).
    DumpRequest,
    /// A unicast reply to a request.
    Reply,
    /// One part of a dump (NLM_F_MULTI).
    DumpReply,
    /// A multicast event.
    Event(EventKind),
    /// A packet the kernel hands to a listening socket (NFQUEUE, NFLOG): it answers
    /// no request and expects none (a verdict is a request of its own).
    Packet,
    /// NLMSG_ERROR with error 0.
    Ack,
    /// NLMSG_ERROR with a negative errno.
    Error,
    /// NLMSG_DONE.
    Done,
    /// NLMSG_NOOP.
    Noop,
    /// NLMSG_OVERRUN.
    Overrun,
    /// NFNL_MSG_BATCH_BEGIN.
    BatchBegin,
    /// NFNL_MSG_BATCH_END.
    BatchEnd,
    /// Anything else (other families' messages).
    Other,
}

impl Kind {
    /// Stable name used in text and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Request => "request",
            Kind::DumpRequest => "dump-request",
            Kind::Reply => "reply",
            Kind::DumpReply => "dump-reply",
            Kind::Event(EventKind::New) => "event-new",
            Kind::Event(EventKind::Update) => "event-update",
            Kind::Event(EventKind::Destroy) => "event-destroy",
            Kind::Ack => "ack",
            Kind::Error => "error",
            Kind::Done => "done",
            Kind::Noop => "noop",
            Kind::Overrun => "overrun",
            Kind::BatchBegin => "batch-begin",
            Kind::BatchEnd => "batch-end",
            Kind::Other => "other",
            Kind::Packet => "packet",
        }
    }
}

/// The nfnetlink part of a message.
#[derive(Debug, Clone, Copy)]
pub struct NfInfo {
    /// The nfgenmsg header.
    pub nfgen: NfGenMsg,
    /// Subsystem (high byte of nlmsg_type).
    pub subsys: u8,
    /// Message number (low byte).
    pub msg: u8,
    /// The attribute set the payload was decoded with (`None`: shown raw).
    pub set: Option<&'static AttrSet>,
}

/// A request header echoed in an NLMSG_ERROR.
#[derive(Debug, Clone)]
pub struct Echo {
    /// Offset of the echoed nlmsghdr within the record.
    pub offset: usize,
    /// The echoed header.
    pub header: NlMsgHdr,
    /// NLM_F_CAPPED: only the header was echoed.
    pub capped: bool,
    /// The echoed request's nfnetlink part, when echoed and nfnetlink.
    pub nf: Option<NfInfo>,
    /// The echoed request's attributes.
    pub attrs: Range<usize>,
    /// Raw payload of an echoed non-nfnetlink request.
    pub raw: Range<usize>,
}

/// The parts specific to each message type.
#[derive(Debug, Clone)]
pub enum Body {
    /// An nfnetlink message.
    Nf(NfInfo),
    /// NLMSG_ERROR: error code, echoed request.
    Error {
        /// The error (0 = ack, else a negative errno).
        error: i32,
        /// The echoed request, if its header is there.
        echo: Option<Echo>,
    },
    /// NLMSG_DONE with its status.
    Done {
        /// The dump's status (0, or a negative errno), if present.
        status: Option<i32>,
        /// The DONE that closes an NFLOG batch carries no status but an nfgenmsg
        /// (`__nfulnl_send`: family unspec, version 0, res_id the log group,
        /// big-endian); `status` is then `None`.
        nfgen: Option<NfGenMsg>,
    },
    /// Shown as header plus raw payload (other families, NOOP, OVERRUN, unknown).
    Raw,
    /// The payload is too short for the message's fixed header.
    Truncated,
}

/// One decoded netlink message.
#[derive(Debug, Clone)]
pub struct Message {
    /// Offset of the nlmsghdr within the record.
    pub offset: usize,
    /// The header.
    pub header: NlMsgHdr,
    /// Netlink protocol family (from the cooked header: 12 = NETLINK_NETFILTER).
    pub protocol: u16,
    /// Direction.
    pub direction: Direction,
    /// Role.
    pub kind: Kind,
    /// Type-specific parts.
    pub body: Body,
    /// Top-level attributes (nfnetlink attributes, or extended-ACK TLVs).
    pub attrs: Range<usize>,
    /// Payload bytes after the fixed headers (for raw display).
    pub payload: Range<usize>,
    /// This message's findings (indices into `Record::findings`).
    pub findings: Range<usize>,
    /// What the kernel does with it (messages to the kernel of modelled
    /// subsystems; [`crate::verdict`]).
    pub verdict: Option<crate::verdict::Verdict>,
    /// An NLMSG_ERROR's or NLMSG_DONE's extended ACK, resolved against the echoed
    /// request (`None` without TLVs; a capped echo leaves `path` empty: the
    /// exchange tracker resolves it from the captured request).
    pub extack: Option<Box<Extack>>,
}

/// An extended ACK, resolved against the request it answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extack {
    /// NLMSGERR_ATTR_MSG: its bytes up to the NUL, as the kernel sent them
    /// (escaped for terminals by the renderers; not necessarily UTF-8).
    pub msg: Option<Vec<u8>>,
    /// NLMSGERR_ATTR_OFFS.
    pub offset: Option<u64>,
    /// Path of the attribute at `offset` in the request.
    pub path: Option<String>,
    /// Its type in our schema.
    pub attr_type: Option<&'static str>,
    /// NLMSGERR_ATTR_POLICY members, by name.
    pub policy: Vec<(String, String)>,
    /// NLMSGERR_ATTR_MISS_TYPE, named in the nest it is missing from when known.
    pub missing: Option<String>,
    /// Path of NLMSGERR_ATTR_MISS_NEST.
    pub missing_in: Option<String>,
    /// NLMSGERR_ATTR_MISS_NEST, the nest's offset in the request.
    pub missing_nest_offset: Option<u64>,
}

/// Everything decoded from one record.
#[derive(Debug, Default)]
pub struct Record {
    /// Byte order the netlink headers were read in.
    pub order: Option<Endian>,
    /// Messages in order.
    pub messages: Vec<Message>,
    /// Attribute nodes of every message, in pre-order.
    pub nodes: Vec<Node>,
    /// Findings of every message, plus record-level findings.
    pub findings: Vec<Finding>,
    /// Findings about the record itself (not a message): indices into `findings`.
    pub record_findings: Vec<usize>,
    /// A buffer sent to the kernel whose first nlmsghdr cannot be read: the
    /// kernel drops it without an answer (`nfnetlink_rcv`).
    pub verdict: Option<crate::verdict::Verdict>,
}

impl Record {
    /// Clears everything, keeping the allocations.
    pub fn clear(&mut self) {
        self.order = None;
        self.messages.clear();
        self.nodes.clear();
        self.findings.clear();
        self.record_findings.clear();
        self.verdict = None;
    }

    /// Direct children of the node range `range` (e.g. a message's `attrs`).
    pub fn children(&self, range: Range<usize>) -> Children<'_> {
        Children {
            nodes: &self.nodes,
            next: range.start,
            end: range.end,
        }
    }

    /// The children range of node `idx`.
    pub fn child_range(&self, idx: usize) -> Range<usize> {
        match self.nodes.get(idx) {
            Some(n) => idx + 1..n.end as usize,
            None => 0..0,
        }
    }

    /// The first direct child of `range` with attribute number `num`.
    pub fn find(&self, range: Range<usize>, num: u16) -> Option<usize> {
        self.children(range).find(|&i| {
            self.nodes
                .get(i)
                .is_some_and(|n| n.num() == num && n.def.is_some())
        })
    }

    /// The set the children of nest node `idx` were decoded with: its entry's set,
    /// or for a sub-message the set its selector chose (the set of its first
    /// child; `None` without children).
    pub fn inner_set(&self, idx: usize) -> Option<&'static AttrSet> {
        let node = self.nodes.get(idx)?;
        match node.def?.ty {
            crate::schema::Type::Nest(set) => Some(set),
            crate::schema::Type::Sub(_) => {
                let child = self
                    .nodes
                    .get(idx + 1)
                    .filter(|_| node.end as usize > idx + 1)?;
                child.def.map(|_| child.set)
            }
            _ => None,
        }
    }

    /// Follows a path of attribute numbers from `range`.
    pub fn find_path(&self, range: Range<usize>, path: &[u16]) -> Option<usize> {
        let mut range = range;
        let mut found = None;
        for &num in path {
            let idx = self.find(range, num)?;
            found = Some(idx);
            range = self.child_range(idx);
        }
        found
    }

    /// The dotted kernel-name path of node `idx`: in pre-order the closest
    /// preceding node one level up is the parent.
    pub fn path(&self, idx: usize) -> String {
        let Some(node) = self.nodes.get(idx) else {
            return String::new();
        };
        let mut chain: Vec<usize> = vec![idx];
        let mut depth = node.depth;
        let mut i = idx;
        while depth > 0 && i > 0 {
            i -= 1;
            if self.nodes.get(i).is_some_and(|n| n.depth + 1 == depth) {
                chain.push(i);
                depth -= 1;
            }
        }
        let mut s = String::new();
        for (k, &i) in chain.iter().rev().enumerate() {
            if k > 0 {
                s.push('.');
            }
            match self.nodes.get(i) {
                Some(Node { def: Some(d), .. }) => s.push_str(d.name),
                Some(n) => {
                    let _ = write!(s, "attr-{}", n.num());
                }
                None => {}
            }
        }
        s
    }

    /// The integer value of node `idx`, if it decoded as one.
    pub fn uint(&self, idx: usize) -> Option<u64> {
        match self.nodes.get(idx)?.value {
            Value::Uint(v) => Some(v),
            _ => None,
        }
    }
}

/// Iterator over the indices of direct children.
pub struct Children<'r> {
    nodes: &'r [Node],
    next: usize,
    end: usize,
}

impl Iterator for Children<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if self.next >= self.end {
            return None;
        }
        let idx = self.next;
        let node = self.nodes.get(idx)?;
        // `end` always moves forward (it is at least idx + 1), so this terminates.
        self.next = (node.end as usize).max(idx + 1);
        Some(idx)
    }
}
