//! Where a traced command's messages are in a decoded capture.
//!
//! * Commands are walked in the transcript's order ([`Walk`]); each takes the next
//!   message at or after the cursor that is its primary request
//!   ([`Cmd::request`]). A dump's window then extends to its NLMSG_DONE, and the
//!   next command searches after that window (requests sent by `-U` / `-D` inside
//!   their dump are thus skipped); after a plain request it searches after the
//!   request.
//! * A dump's replies are the NLM_F_MULTI messages carrying the portid of the first
//!   kernel dump part (or DONE) after the request (conntrack uses one socket per
//!   dump; sequence numbers are reused by every conntrack process, portids are
//!   not), up to the NLMSG_DONE with that portid.
//! * The reply (answer, ack or error) to a request is the next kernel message that
//!   is not an event.
//!
//! The locator reads only a message's [`Head`]; each test keeps its own owned
//! summary of a message next to it (`AsRef<Head>`).

use super::transcript::Cmd;
use nfct_decode::model::{Direction, EventKind, Kind};
use nfct_decode::view::Msg;
use nfct_decode::FrameMeta;
use std::ops::Range;

/// NLM_F_DUMP (NLM_F_ROOT | NLM_F_MATCH).
pub const NLM_F_DUMP: u16 = 0x300;

/// A request a command sends: nfnetlink subsystem and message, and whether it is a
/// dump (both NLM_F_DUMP bits set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    pub subsys: u8,
    pub msg: u8,
    pub dump: bool,
}

/// What the locator reads of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// Record number (1-based, as tshark counts).
    pub frame: u64,
    /// Index of the message within its record.
    pub index: usize,
    pub to_kernel: bool,
    pub kind: Kind,
    /// nfnetlink (subsystem, message); None for other messages.
    pub nf: Option<(u8, u8)>,
    pub flags: u16,
    pub seq: u32,
    pub portid: u32,
}

impl Head {
    /// The head of message `index` of the record `frame`.
    pub fn of(frame: &FrameMeta, index: usize, m: &Msg<'_>) -> Head {
        let h = m.header();
        Head {
            frame: frame.number,
            index,
            to_kernel: m.direction() == Direction::ToKernel,
            kind: m.kind(),
            nf: m.nf().map(|n| (n.subsys, n.msg)),
            flags: h.flags,
            seq: h.seq,
            portid: h.portid,
        }
    }

    /// An nfnetlink message `msg` of subsystem `subsys`.
    pub fn is(&self, subsys: u8, msg: u8) -> bool {
        self.nf == Some((subsys, msg))
    }

    pub fn subsys(&self) -> Option<u8> {
        self.nf.map(|(s, _)| s)
    }

    pub fn is_event(&self) -> bool {
        matches!(self.kind, Kind::Event(_))
    }

    /// Whether it is request `r`.
    pub fn sends(&self, r: Request) -> bool {
        self.to_kernel
            && self.is(r.subsys, r.msg)
            && (self.flags & NLM_F_DUMP == NLM_F_DUMP) == r.dump
    }

    /// `frame F message I`, to say which message an assertion is about.
    pub fn at(&self) -> String {
        format!("frame {} message {}", self.frame, self.index)
    }
}

impl AsRef<Head> for Head {
    fn as_ref(&self) -> &Head {
        self
    }
}

/// A dump: the index of its request, of its replies and of its NLMSG_DONE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dump {
    pub req: usize,
    pub replies: Vec<usize>,
    pub done: usize,
}

impl Dump {
    /// From the request up to (not including) the DONE.
    pub fn window(&self) -> Range<usize> {
        self.req..self.done
    }
}

/// The walk through one capture's messages, command by command.
#[derive(Debug, Clone)]
pub struct Walk {
    /// The capture, for the messages of failed look-ups.
    pub name: String,
    /// Index of the message the next command may take its request from.
    pub cursor: usize,
}

impl Walk {
    pub fn new(name: &str) -> Walk {
        Walk {
            name: name.to_string(),
            cursor: 0,
        }
    }

    /// The next primary request of `cmd` at or after the cursor.
    pub fn find<M: AsRef<Head>>(&self, ms: &[M], cmd: &Cmd) -> usize {
        let want = cmd
            .request()
            .unwrap_or_else(|| panic!("{}: sends no request", cmd.what(&self.name)));
        (self.cursor..ms.len())
            .find(|&i| ms[i].as_ref().sends(want))
            .unwrap_or_else(|| {
                panic!(
                    "{}: no request {}/{} dump={} after message {}",
                    cmd.what(&self.name),
                    want.subsys,
                    want.msg,
                    want.dump,
                    self.cursor
                )
            })
    }

    /// Takes the next primary request of `cmd`, not a dump: the next command
    /// searches after it.
    pub fn take_request<M: AsRef<Head>>(&mut self, ms: &[M], cmd: &Cmd) -> usize {
        assert!(
            cmd.request().is_some_and(|r| !r.dump),
            "{}: a dump",
            cmd.what(&self.name)
        );
        let req = self.find(ms, cmd);
        self.cursor = req + 1;
        req
    }

    /// Takes the next dump of `cmd`: the next command searches after its DONE.
    pub fn take_dump<M: AsRef<Head>>(&mut self, ms: &[M], cmd: &Cmd) -> Dump {
        assert!(
            cmd.request().is_some_and(|r| r.dump),
            "{}: not a dump",
            cmd.what(&self.name)
        );
        let req = self.find(ms, cmd);
        let d = self.dump(ms, req);
        self.cursor = d.done + 1;
        d
    }

    /// The first kernel message after `req` that is not an event.
    pub fn reply_to<M: AsRef<Head>>(&self, ms: &[M], req: usize) -> usize {
        (req + 1..ms.len())
            .find(|&i| {
                let h = ms[i].as_ref();
                !h.to_kernel && !h.is_event()
            })
            .unwrap_or_else(|| panic!("{}: no reply to {}", self.name, ms[req].as_ref().at()))
    }

    /// The replies of the dump requested at `req`, and its DONE.
    pub fn dump<M: AsRef<Head>>(&self, ms: &[M], req: usize) -> Dump {
        let at = || ms[req].as_ref().at();
        let first = (req + 1..ms.len())
            .find(|&i| {
                let h = ms[i].as_ref();
                !h.to_kernel && matches!(h.kind, Kind::DumpReply | Kind::Done)
            })
            .unwrap_or_else(|| panic!("{}: dump {} unanswered", self.name, at()));
        let portid = ms[first].as_ref().portid;
        let mut replies = Vec::new();
        for (i, m) in ms.iter().enumerate().skip(first) {
            let h = m.as_ref();
            if h.to_kernel || h.portid != portid {
                continue;
            }
            match h.kind {
                Kind::DumpReply => replies.push(i),
                Kind::Done => {
                    return Dump {
                        req,
                        replies,
                        done: i,
                    }
                }
                _ => {}
            }
        }
        panic!("{}: dump {} has no DONE", self.name, at())
    }

    /// `-U`: the replies to the CT GETs (not dumps) sent inside dump `d`'s window.
    pub fn get_replies_in<M: AsRef<Head>>(&self, ms: &[M], d: &Dump) -> Vec<usize> {
        d.window()
            .filter(|&i| {
                let h = ms[i].as_ref();
                h.to_kernel && h.is(1, 1) && h.kind == Kind::Request
            })
            .map(|i| self.reply_to(ms, i))
            .collect()
    }
}

/// `-E` (background): the multicast events of subsystem `subsys` (only the NEW
/// ones with `only_new`), in capture order.
pub fn events<M: AsRef<Head>>(ms: &[M], subsys: u8, only_new: bool) -> Vec<usize> {
    (0..ms.len())
        .filter(|&i| {
            let h = ms[i].as_ref();
            h.is_event()
                && h.subsys() == Some(subsys)
                && (!only_new || h.kind == Kind::Event(EventKind::New))
        })
        .collect()
}

/// The events of `cmd` (an `-E`, `-E expect`, `-e NEW`): see [`events`].
pub fn events_of<M: AsRef<Head>>(ms: &[M], cmd: &Cmd) -> Vec<usize> {
    events(ms, if cmd.expect() { 2 } else { 1 }, cmd.only_new_events())
}
