//! Exchanges: a request, its replies (one, or a dump's parts up to NLMSG_DONE) and its
//! ack or error, grouped across records by sequence number and the requesting
//! socket's port id; extended ACKs resolved to the offending attribute's path.
//!
//! Matching: the kernel answers a request to the socket's port id (whatever the
//! request's nlmsg_pid says), so an open exchange is matched by `seq` and, once its
//! first answer arrived, by that port id too. Among requests with the same seq not
//! yet bound to a socket (conntrack uses the time in seconds as seq, so concurrent
//! processes collide), the one whose content the answer identifies wins (the echoed
//! request, a capped echo's header, a reply's original tuple), else the most recent:
//! the kernel answers a request while processing it, before the next one arrives. At
//! most [`MAX_OPEN`] are kept open; older ones are closed as unanswered, so memory
//! stays bounded on any capture.
//!
//! This module reads messages through the view layer and formats nothing: the
//! renderers print exchanges.

use crate::capture::FrameMeta;
use crate::decode::{self, flags, Decoder};
use crate::model::{Body, Direction, EventKind, Extack, Kind, Record};
use crate::schema::{messages, paths};
use crate::verdict::{self, Answer, Verdict};
use crate::view::Msg;
use crate::wire::{Endian, NlMsgHdr};
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

/// Most exchanges kept open at once.
pub const MAX_OPEN: usize = 4096;
/// Largest request kept to resolve extended ACK offsets of capped errors.
pub const MAX_KEPT_REQUEST: usize = 64 * 1024;

/// How an exchange ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Still waiting (only inside the tracker).
    Open,
    /// Acknowledged (NLMSG_ERROR 0).
    Ok,
    /// Answered by a reply, no ack requested.
    Reply,
    /// Refused: NLMSG_ERROR with this errno, or a dump whose NLMSG_DONE carries it.
    Error(i32),
    /// A dump that ended with NLMSG_DONE.
    Dump,
    /// A dump whose parts carried NLM_F_DUMP_INTR (the table changed meanwhile).
    DumpIntr,
    /// No answer in the capture.
    NoAnswer,
    /// A dump cut by the end of the capture (parts, no NLMSG_DONE).
    DumpCut,
    /// An answer whose request is not in the capture.
    Unsolicited,
    /// A batch begin/end marker without ack requested (nothing to answer).
    Batch,
    /// A batch member without NLM_F_ACK that got no error: the kernel answers
    /// only the members it refuses (`nfnetlink_rcv_batch`), so it was applied
    /// (unless the whole batch was aborted, which an error of another member says).
    Batched,
    /// A multicast event (stands on its own).
    Event(EventKind),
    /// A packet handed to a listener (NFQUEUE, NFLOG), or the NLMSG_DONE that
    /// closes an NFLOG batch of them (stands on its own).
    Packet,
}

impl Outcome {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Open => "open",
            Outcome::Ok => "ok",
            Outcome::Reply => "reply",
            Outcome::Error(_) => "error",
            Outcome::Dump => "dump",
            Outcome::DumpIntr => "dump-intr",
            Outcome::NoAnswer => "no-answer",
            Outcome::DumpCut => "dump-cut",
            Outcome::Unsolicited => "unsolicited",
            Outcome::Batch => "batch",
            Outcome::Batched => "batched",
            Outcome::Packet => "packet",
            Outcome::Event(EventKind::New) => "event-new",
            Outcome::Event(EventKind::Update) => "event-update",
            Outcome::Event(EventKind::Destroy) => "event-destroy",
        }
    }
}

/// The message that opened an exchange.
#[derive(Debug, Clone)]
pub struct Opener {
    /// Frame number.
    pub frame: u64,
    /// Capture time.
    pub ts: Duration,
    /// Message name (`ctnetlink get`).
    pub name: String,
    /// Its kind.
    pub kind: Kind,
    /// nlmsg_flags.
    pub flags: u16,
    /// nlmsg_pid as sent.
    pub portid: u32,
}

/// One exchange.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// 1-based number in order of opening.
    pub id: u64,
    /// The request, `None` when the answer's request is not in the capture.
    pub request: Option<Opener>,
    /// Sequence number.
    pub seq: u32,
    /// The socket's port id as the kernel named it in its answers.
    pub portid: Option<u32>,
    /// Frame numbers of every message of the exchange (a frame appears once).
    pub frames: Vec<u64>,
    /// Time of the first message.
    pub first: Duration,
    /// Time of the last message.
    pub last: Duration,
    /// Replies received (dump parts count one each).
    pub replies: u64,
    /// The outcome.
    pub outcome: Outcome,
    /// Resolved extended ACK of the error or ack, if any.
    pub extack: Option<Extack>,
    /// Name of the first answer when there is no request.
    pub answer_name: Option<String>,
    /// Whether any of its messages passed the run's filter.
    pub matched: bool,
    /// The decoder's verdict on the request (`crate::verdict`).
    pub verdict: Option<Verdict>,
    dump: bool,
    ack: bool,
    intr: bool,
    /// The record of the batch it is a member of (no ack asked): it is closed as
    /// `Batched` at the first later record that is not an error answering it.
    batch_frame: Option<u64>,
    request_bytes: Option<Vec<u8>>,
    request_protocol: u16,
    /// Byte order of the request's record (to read its header again).
    request_order: Endian,
    tuple_key: Option<u64>,
}

impl Exchange {
    fn push_frame(&mut self, frame: u64, ts: Duration) {
        if self.frames.last() != Some(&frame) {
            self.frames.push(frame);
        }
        self.last = ts;
    }

    /// Time from the first to the last message.
    pub fn duration(&self) -> Duration {
        self.last.saturating_sub(self.first)
    }

    /// The kernel's answer, as verdicts are compared with it (`None`: no request,
    /// or an event).
    pub fn answer(&self) -> Option<Answer> {
        self.request.as_ref()?;
        Some(match self.outcome {
            Outcome::Ok => Answer::Ack,
            Outcome::Reply | Outcome::Dump | Outcome::DumpIntr | Outcome::DumpCut => {
                Answer::Replied
            }
            Outcome::Error(e) => Answer::Error(e.saturating_neg()),
            Outcome::NoAnswer | Outcome::Batch | Outcome::Batched => Answer::Silent,
            Outcome::Open | Outcome::Unsolicited | Outcome::Event(_) | Outcome::Packet => {
                return None
            }
        })
    }

    /// Whether the request's verdict agrees with the kernel's real answer.
    pub fn verdict_agrees(&self) -> Option<bool> {
        let v = self.verdict.as_ref()?;
        let flags = self.request.as_ref()?.flags;
        Some(verdict::agrees(v, self.answer()?, flags))
    }
}

/// Groups messages into exchanges.
#[derive(Debug, Default)]
pub struct Tracker {
    open: VecDeque<Exchange>,
    /// Closed exchanges by id, released in id order (chronological by request).
    closed: BTreeMap<u64, Exchange>,
    next_id: u64,
    /// Decodes kept requests (capped extended ACKs) with the run's own options.
    decoder: Decoder,
    /// The record of the batch being read (after its batch-begin, before its end).
    in_batch: Option<u64>,
    /// Whether open batch members wait for their possible errors.
    batch_waiting: bool,
    /// The record of the last packet for a listener (an NFLOG batch ends with an
    /// NLMSG_DONE in the same record).
    packets_in: Option<u64>,
    scratch: Record,
}

impl Tracker {
    /// An empty tracker whose kept requests are decoded by `decoder` (the run's).
    pub fn new(decoder: Decoder) -> Tracker {
        Tracker {
            decoder,
            ..Tracker::default()
        }
    }

    fn new_exchange(&mut self, frame: &FrameMeta, msg: &Msg<'_>) -> Exchange {
        self.next_id += 1;
        Exchange {
            id: self.next_id,
            request: None,
            seq: msg.header().seq,
            portid: None,
            frames: vec![frame.number],
            first: frame.ts,
            last: frame.ts,
            replies: 0,
            outcome: Outcome::Open,
            extack: None,
            answer_name: None,
            matched: false,
            verdict: None,
            dump: false,
            ack: false,
            intr: false,
            batch_frame: None,
            request_bytes: None,
            request_protocol: msg.protocol(),
            request_order: msg.order(),
            tuple_key: None,
        }
    }

    /// Takes one decoded message into account. `matched`: whether the message
    /// passed the run's filter (an exchange is shown when any of its messages did).
    pub fn observe(&mut self, frame: &FrameMeta, msg: &Msg<'_>, matched: bool) {
        let refusal = msg.direction() == Direction::FromKernel && msg.kind() == Kind::Error;
        if self.batch_waiting && !refusal {
            self.close_batched(frame.number);
        }
        if self.in_batch.is_some_and(|f| f != frame.number) {
            // A batch is one record: a begin without an end in it ends there.
            self.in_batch = None;
        }
        if msg.direction() == Direction::ToKernel {
            self.request(frame, msg, matched);
        } else if let Some(outcome) = standalone(msg, self.packets_in == Some(frame.number)) {
            if msg.kind() == Kind::Packet {
                self.packets_in = Some(frame.number);
            }
            let mut ex = self.new_exchange(frame, msg);
            ex.matched = matched;
            ex.outcome = outcome;
            ex.portid = Some(msg.header().portid);
            ex.answer_name = Some(msg.name().to_string());
            self.closed.insert(ex.id, ex);
        } else {
            self.answer(frame, msg, matched);
        }
    }

    /// A request opens an exchange.
    fn request(&mut self, frame: &FrameMeta, msg: &Msg<'_>, matched: bool) {
        let mut ex = self.new_exchange(frame, msg);
        let h = msg.header();
        ex.matched = matched;
        // A dump request to a handler that answers once is no dump.
        let once = msg
            .nf()
            .and_then(|nf| messages::message(nf.subsys, nf.msg))
            .is_some_and(|d| d.one_multipart_reply);
        ex.dump = msg.kind() == Kind::DumpRequest && !once;
        ex.ack = h.flags & flags::ACK != 0;
        ex.request = Some(Opener {
            frame: frame.number,
            ts: frame.ts,
            name: msg.name().to_string(),
            kind: msg.kind(),
            flags: h.flags,
            portid: h.portid,
        });
        // nlmsg_pid of a request is whatever the sender wrote (pyroute2 writes its
        // process id); the kernel answers the socket's port id, which the first
        // answer tells.
        let end = msg.offset().saturating_add(h.len as usize);
        ex.request_bytes = msg
            .data()
            .get(msg.offset()..end)
            .filter(|b| b.len() <= MAX_KEPT_REQUEST)
            .map(<[u8]>::to_vec);
        ex.tuple_key = tuple_key(msg);
        ex.verdict = msg.verdict().cloned();
        match msg.kind() {
            Kind::BatchBegin => self.in_batch = Some(frame.number),
            Kind::BatchEnd => self.in_batch = None,
            _ if !ex.ack && self.in_batch == Some(frame.number) => {
                ex.batch_frame = Some(frame.number);
                self.batch_waiting = true;
            }
            _ => {}
        }
        if matches!(msg.kind(), Kind::BatchBegin | Kind::BatchEnd) && !ex.ack {
            ex.outcome = Outcome::Batch;
            self.closed.insert(ex.id, ex);
            return;
        }
        self.open.push_back(ex);
        if self.open.len() > MAX_OPEN {
            if let Some(old) = self.open.pop_front() {
                let old = give_up(old);
                self.closed.insert(old.id, old);
            }
        }
    }

    /// The open exchange an answer belongs to: one already bound to this socket,
    /// else the unbound one with this seq whose content the answer identifies, else
    /// the most recent unbound one.
    fn find_open(&self, msg: &Msg<'_>) -> Option<usize> {
        let seq = msg.header().seq;
        let portid = msg.header().portid;
        self.open
            .iter()
            .rposition(|e| e.seq == seq && e.portid == Some(portid))
            .or_else(|| {
                let unbound = |e: &Exchange| e.seq == seq && e.portid.is_none();
                if self.open.iter().filter(|e| unbound(e)).count() > 1 {
                    let key = AnswerKey::of(msg);
                    if let Some(p) = self
                        .open
                        .iter()
                        .rposition(|e| unbound(e) && key.identifies(e))
                    {
                        return Some(p);
                    }
                }
                self.open.iter().rposition(unbound)
            })
    }

    /// An answer: attached to its exchange (or an unsolicited one), which it may
    /// close.
    fn answer(&mut self, frame: &FrameMeta, msg: &Msg<'_>, matched: bool) {
        let mut ex = match self.find_open(msg).and_then(|p| self.open.remove(p)) {
            Some(mut ex) => {
                ex.push_frame(frame.number, frame.ts);
                ex
            }
            None => {
                let mut ex = self.new_exchange(frame, msg);
                ex.outcome = Outcome::Unsolicited;
                ex.answer_name = Some(msg.name().to_string());
                ex.dump = msg.header().flags & flags::MULTI != 0;
                ex
            }
        };
        ex.portid = Some(msg.header().portid);
        ex.matched |= matched;
        if msg.header().flags & flags::DUMP_INTR != 0 {
            ex.intr = true;
        }
        match self.closes(&mut ex, msg) {
            Some(o) => {
                if ex.outcome != Outcome::Unsolicited {
                    ex.outcome = o;
                }
                self.closed.insert(ex.id, ex);
            }
            None => self.open.push_back(ex),
        }
    }

    /// Whether answer `msg` closes exchange `ex`, and how.
    fn closes(&mut self, ex: &mut Exchange, msg: &Msg<'_>) -> Option<Outcome> {
        match (msg.kind(), &msg.message().body) {
            (Kind::DumpReply | Kind::Reply, _) => {
                ex.replies += 1;
                // A request that is no dump and wants no ack is done at its reply
                // (NLM_F_MULTI or not: see MsgDef::one_multipart_reply); dumps
                // and acked requests wait for NLMSG_DONE / the ack.
                (!ex.dump && !ex.ack).then_some(Outcome::Reply)
            }
            (Kind::Done, Body::Done { status, .. }) => Some(match status {
                Some(s) if *s < 0 => Outcome::Error(*s),
                _ if ex.intr => Outcome::DumpIntr,
                _ => Outcome::Dump,
            }),
            (Kind::Ack, _) => {
                ex.extack = self.resolve(msg, ex);
                Some(Outcome::Ok)
            }
            (Kind::Error, Body::Error { error, .. }) => {
                ex.extack = self.resolve(msg, ex);
                Some(Outcome::Error(*error))
            }
            _ => Some(Outcome::Reply),
        }
    }

    /// Closes the batch members of records before `frame` that no error answered:
    /// the kernel sends a batch's errors while it processes the batch, so they
    /// follow its record at once (another process's record in between would close
    /// them early; its error then shows as unsolicited).
    fn close_batched(&mut self, frame: u64) {
        let mut k = 0;
        while let Some(ex) = self.open.get(k) {
            if ex.batch_frame.is_some_and(|f| f < frame) {
                if let Some(mut ex) = self.open.remove(k) {
                    ex.outcome = Outcome::Batched;
                    self.closed.insert(ex.id, ex);
                }
            } else {
                k += 1;
            }
        }
        self.batch_waiting = self.open.iter().any(|e| e.batch_frame.is_some());
    }

    /// Closes every open exchange (end of the input).
    pub fn finish(&mut self) {
        while let Some(ex) = self.open.pop_front() {
            let ex = give_up(ex);
            self.closed.insert(ex.id, ex);
        }
    }

    /// Takes the next closed exchange in order of opening, once every exchange
    /// opened before it is closed too (so output stays chronological; an
    /// unanswered request holds the ones after it until the end of the input or
    /// until [`MAX_OPEN`] newer ones are open).
    pub fn pop_closed(&mut self) -> Option<Exchange> {
        // Bounded memory: when too many closed exchanges wait behind an old open
        // one, that one is given up on (closed as unanswered).
        if self.closed.len() > MAX_OPEN {
            let oldest = self
                .open
                .iter()
                .enumerate()
                .min_by_key(|(_, e)| e.id)
                .map(|(p, _)| p);
            if let Some(ex) = oldest.and_then(|p| self.open.remove(p)) {
                let ex = give_up(ex);
                self.closed.insert(ex.id, ex);
            }
        }
        let first_open = self.open.iter().map(|e| e.id).min().unwrap_or(u64::MAX);
        let (&id, _) = self.closed.first_key_value()?;
        if id < first_open {
            self.closed.remove(&id)
        } else {
            None
        }
    }

    /// The extended ACK of an answer: the decoder resolved it against the echo;
    /// a capped echo is resolved here against the captured request, decoded with
    /// the run's options and the request's own netlink protocol.
    fn resolve(&mut self, msg: &Msg<'_>, ex: &Exchange) -> Option<Extack> {
        let x = msg.message().extack.as_deref()?;
        let capped = matches!(&msg.message().body, Body::Error { echo: Some(e), .. } if e.capped);
        if x.path.is_some() || !capped {
            return Some(x.clone());
        }
        let bytes = ex.request_bytes.as_deref()?;
        self.decoder
            .decode_record(bytes, ex.request_protocol, &mut self.scratch);
        let range = self.scratch.messages.first().map(|m| m.attrs.clone())?;
        Some(decode::resolve_extack(
            msg.record(),
            msg.data(),
            msg.message(),
            Some((&self.scratch, range)),
        ))
    }
}

/// The outcome of a message that is its own exchange: an event, a packet for a
/// listener, or the NLMSG_DONE after packets in their record (`after_packets`:
/// `__nfulnl_flush` closes a batch of NFLOG messages with one, seq 0, flags 0).
fn standalone(msg: &Msg<'_>, after_packets: bool) -> Option<Outcome> {
    match msg.kind() {
        Kind::Event(k) => Some(Outcome::Event(k)),
        Kind::Packet => Some(Outcome::Packet),
        Kind::Done if after_packets && msg.header().seq == 0 => Some(Outcome::Packet),
        _ => None,
    }
}

/// The outcome of an exchange that will get no more answers.
fn give_up(mut ex: Exchange) -> Exchange {
    if ex.outcome == Outcome::Open {
        ex.outcome = if ex.replies > 0 && ex.dump {
            Outcome::DumpCut
        } else if ex.replies > 0 {
            Outcome::Reply
        } else if ex.batch_frame.is_some() {
            // The capture ends right after the batch.
            Outcome::Batched
        } else {
            Outcome::NoAnswer
        };
    }
    ex
}

/// What an answer says about the request it answers.
enum AnswerKey<'a> {
    /// The full echoed request (uncapped ack or error).
    Echo(&'a [u8]),
    /// Only the echoed header (capped): (len, type, flags).
    Header(u32, u16, u16),
    /// The original tuple of a reply.
    Tuple(u64),
    None,
}

impl<'a> AnswerKey<'a> {
    fn of(msg: &Msg<'a>) -> AnswerKey<'a> {
        match &msg.message().body {
            Body::Error { echo: Some(e), .. } if !e.capped => {
                let end = e.offset.saturating_add(e.header.len as usize);
                msg.data()
                    .get(e.offset..end)
                    .map(AnswerKey::Echo)
                    .unwrap_or(AnswerKey::None)
            }
            Body::Error { echo: Some(e), .. } => {
                AnswerKey::Header(e.header.len, e.header.ty, e.header.flags)
            }
            _ => tuple_key(msg)
                .map(AnswerKey::Tuple)
                .unwrap_or(AnswerKey::None),
        }
    }

    fn identifies(&self, ex: &Exchange) -> bool {
        let req = ex.request_bytes.as_deref();
        match self {
            AnswerKey::Echo(b) => req == Some(*b),
            // The kept request is read in its record's byte order (the first
            // wave tried little-endian first, which always parses).
            AnswerKey::Header(len, ty, flags) => req.is_some_and(|r| {
                NlMsgHdr::parse(r, ex.request_order)
                    .is_some_and(|h| (h.len, h.ty, h.flags) == (*len, *ty, *flags))
            }),
            AnswerKey::Tuple(k) => ex.tuple_key == Some(*k),
            AnswerKey::None => false,
        }
    }
}

/// A hash of the decoded original tuple of a conntrack message (addresses,
/// protocol, ports / icmp fields), comparable between a request and its reply
/// whatever their padding bytes.
fn tuple_key(msg: &Msg<'_>) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let t = msg.at(&paths::TUPLE_ORIG)?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut stack = vec![t.children()];
    while let Some(it) = stack.last_mut() {
        match it.next() {
            Some(a) if a.is_nest() => stack.push(a.children()),
            Some(a) => (a.depth(), a.num(), a.bytes()).hash(&mut h),
            None => {
                stack.pop();
            }
        }
    }
    Some(h.finish())
}
