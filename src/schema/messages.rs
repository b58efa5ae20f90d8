//! The nfnetlink message table: every subsystem and message the decoder knows, as
//! data (include/uapi/linux/netfilter/nfnetlink*.h, the `nfnl_callback` tables of
//! each subsystem).
//!
//! A row names the message, the operation its flag bits belong to (`NLM_F_ROOT` /
//! `NLM_F_REPLACE` / `NLM_F_NONREC` share bits), the attribute set a request and a
//! reply carry, whether a multicast copy is an event, and, for the subsystems whose
//! kernel side is modelled, the kernel's handler ([`crate::schema::kernel`]). Kernel
//! quirks are rows too ([`Quirk`]). The decoder reads this table and nothing else to
//! classify nfnetlink messages.

use super::{ct, helper, kernel, nft, queue, timeout, AttrSet};
use crate::finding::Code;

/// The operation a message type stands for: it decides what the high flag bits mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// GET-like (ROOT, MATCH, ATOMIC).
    Get,
    /// NEW-like (REPLACE, EXCL, CREATE, APPEND).
    New,
    /// DELETE-like (NONREC, BULK).
    Delete,
    /// NLMSG_ERROR / NLMSG_DONE (CAPPED, ACK_TLVS).
    Ack,
    /// Unknown meaning of the high bits.
    Other,
}

/// How a multicast copy of a message (seq 0, from the kernel) is classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Events {
    /// Never an event.
    None,
    /// An event: new with `NLM_F_CREATE|NLM_F_EXCL`, update without
    /// (`ctnetlink_conntrack_event`, `ctnetlink_expect_event`).
    NewOrUpdate,
    /// A destroy event.
    Destroy,
    /// A packet handed to a listening socket (NFQUEUE, NFLOG): neither an event
    /// nor an answer.
    Packet,
}

/// One message of a subsystem.
#[derive(Debug)]
pub struct MsgDef {
    /// Message number (low byte of nlmsg_type).
    pub num: u8,
    /// Name, the kernel constant without its prefix, lower-case, `_` as `-`.
    pub name: &'static str,
    /// The kernel constant (`IPCTNL_MSG_CT_NEW`).
    pub cname: &'static str,
    /// What the flag bits mean.
    pub op: Op,
    /// Attribute set of a request from userspace (`None`: payload shown raw).
    pub request: Option<&'static AttrSet>,
    /// Attribute set of the kernel's messages of this type.
    pub reply: Option<&'static AttrSet>,
    /// Event classification of multicast copies.
    pub events: Events,
    /// The kernel's handler of a request, when modelled.
    pub handler: Option<&'static kernel::Handler>,
    /// The kernel answers a request with exactly one message flagged NLM_F_MULTI
    /// and no NLMSG_DONE, whatever its flags (`ctnetlink_stat_ct`): complete at
    /// that message, never a dump.
    pub one_multipart_reply: bool,
}

impl MsgDef {
    /// The row with the sets of its requests and of the kernel's messages.
    const fn sets(self, request: &'static AttrSet, reply: &'static AttrSet) -> MsgDef {
        MsgDef {
            request: Some(request),
            reply: Some(reply),
            ..self
        }
    }

    /// The row, whose copies from the kernel are packets for a listener.
    const fn packets(self) -> MsgDef {
        MsgDef {
            events: Events::Packet,
            ..self
        }
    }

    /// The row, with the kernel's handler of its requests.
    const fn handler(self, handler: &'static kernel::Handler) -> MsgDef {
        MsgDef {
            handler: Some(handler),
            ..self
        }
    }

    /// The row, answered with a single NLM_F_MULTI message.
    const fn one_multipart_reply(self) -> MsgDef {
        MsgDef {
            one_multipart_reply: true,
            ..self
        }
    }
}

/// Distinguishes a quirk's messages from ordinary ones by content.
#[derive(Debug, Clone, Copy)]
pub enum Discriminator {
    /// Every top-level attribute is a scalar (no NLA_F_NESTED) numbered within
    /// `min..=max`, and there is at least one.
    ScalarAttrsWithin {
        /// Lowest attribute number.
        min: u16,
        /// Highest attribute number.
        max: u16,
    },
}

/// A message type the kernel uses for something else than its name says.
#[derive(Debug)]
pub struct Quirk {
    /// nlmsg_type it applies to.
    pub ty: u16,
    /// Only in messages from the kernel.
    pub from_kernel: bool,
    /// How its messages are told apart from the type's own.
    pub when: Discriminator,
    /// The set its attributes belong to.
    pub set: &'static AttrSet,
    /// The info finding that says so.
    pub code: Code,
    /// What the finding says.
    pub note: &'static str,
}

/// One nfnetlink subsystem.
#[derive(Debug)]
pub struct Subsystem {
    /// `NFNL_SUBSYS_*` number (high byte of nlmsg_type).
    pub id: u8,
    /// Name.
    pub name: &'static str,
    /// The kernel constant.
    pub cname: &'static str,
    /// Its messages, by number.
    pub messages: &'static [MsgDef],
    /// It takes batches (`ss->commit` and `ss->abort`): nftables, ipset.
    pub batches: bool,
    /// Its tuples' addresses must be of nfgenmsg's family.
    pub tuples_follow_family: bool,
}

impl Subsystem {
    /// The row of message `num`.
    pub fn message(&self, num: u8) -> Option<&'static MsgDef> {
        let msgs: &'static [MsgDef] = self.messages;
        msgs.iter().find(|m| m.num == num)
    }
}

const fn m(num: u8, name: &'static str, cname: &'static str, op: Op) -> MsgDef {
    MsgDef {
        num,
        name,
        cname,
        op,
        request: None,
        reply: None,
        events: Events::None,
        handler: None,
        one_multipart_reply: false,
    }
}

#[allow(clippy::too_many_arguments)]
const fn ctm(
    num: u8,
    name: &'static str,
    cname: &'static str,
    op: Op,
    request: &'static AttrSet,
    reply: &'static AttrSet,
    events: Events,
    handler: &'static kernel::Handler,
) -> MsgDef {
    MsgDef {
        num,
        name,
        cname,
        op,
        request: Some(request),
        reply: Some(reply),
        events,
        handler: Some(handler),
        one_multipart_reply: false,
    }
}

use Events as E;
use Op::{Delete as D, Get as G, New as N, Other as O};

/// `NFNL_SUBSYS_CTNETLINK` (`ctnl_cb`, net/netfilter/nf_conntrack_netlink.c).
pub static CTNETLINK: Subsystem = Subsystem {
    id: 1,
    name: "ctnetlink",
    cname: "NFNL_SUBSYS_CTNETLINK",
    messages: &[
        ctm(
            0,
            "new",
            "IPCTNL_MSG_CT_NEW",
            N,
            &ct::CONNTRACK,
            &ct::CONNTRACK,
            E::NewOrUpdate,
            &kernel::CT_NEW,
        ),
        ctm(
            1,
            "get",
            "IPCTNL_MSG_CT_GET",
            G,
            &ct::CONNTRACK,
            &ct::CONNTRACK,
            E::None,
            &kernel::CT_GET,
        ),
        ctm(
            2,
            "delete",
            "IPCTNL_MSG_CT_DELETE",
            D,
            &ct::CONNTRACK,
            &ct::CONNTRACK,
            E::Destroy,
            &kernel::CT_DELETE,
        ),
        ctm(
            3,
            "get-ctrzero",
            "IPCTNL_MSG_CT_GET_CTRZERO",
            G,
            &ct::CONNTRACK,
            &ct::CONNTRACK,
            E::None,
            &kernel::CT_GET,
        ),
        ctm(
            4,
            "get-stats-cpu",
            "IPCTNL_MSG_CT_GET_STATS_CPU",
            G,
            &ct::CONNTRACK,
            &ct::CONNTRACK_STATS,
            E::None,
            &kernel::CT_STATS_CPU,
        ),
        ctm(
            5,
            "get-stats",
            "IPCTNL_MSG_CT_GET_STATS",
            G,
            &ct::CONNTRACK,
            &ct::STATS_GLOBAL,
            E::None,
            &kernel::CT_STATS,
        )
        // ctnetlink_stat_ct: one message, NLM_F_MULTI when the request has a
        // portid, no NLMSG_DONE (ctnetlink_stat_ct_fill_info).
        .one_multipart_reply(),
        ctm(
            6,
            "get-dying",
            "IPCTNL_MSG_CT_GET_DYING",
            G,
            &ct::CONNTRACK,
            &ct::CONNTRACK,
            E::None,
            &kernel::CT_LIST,
        ),
        ctm(
            7,
            "get-unconfirmed",
            "IPCTNL_MSG_CT_GET_UNCONFIRMED",
            G,
            &ct::CONNTRACK,
            &ct::CONNTRACK,
            E::None,
            &kernel::CT_LIST,
        ),
    ],
    batches: false,
    tuples_follow_family: true,
};

/// `NFNL_SUBSYS_CTNETLINK_EXP` (`ctnl_exp_cb`).
pub static CTNETLINK_EXP: Subsystem = Subsystem {
    id: 2,
    name: "ctnetlink-exp",
    cname: "NFNL_SUBSYS_CTNETLINK_EXP",
    messages: &[
        ctm(
            0,
            "new",
            "IPCTNL_MSG_EXP_NEW",
            N,
            &ct::EXPECT,
            &ct::EXPECT,
            E::NewOrUpdate,
            &kernel::EXP_NEW,
        ),
        ctm(
            1,
            "get",
            "IPCTNL_MSG_EXP_GET",
            G,
            &ct::EXPECT,
            &ct::EXPECT,
            E::None,
            &kernel::EXP_GET,
        ),
        ctm(
            2,
            "delete",
            "IPCTNL_MSG_EXP_DELETE",
            D,
            &ct::EXPECT,
            &ct::EXPECT,
            E::Destroy,
            &kernel::EXP_DELETE,
        ),
        ctm(
            3,
            "get-stats-cpu",
            "IPCTNL_MSG_EXP_GET_STATS_CPU",
            G,
            &ct::EXPECT,
            &ct::EXPECT_STATS,
            E::None,
            &kernel::EXP_STATS_CPU,
        ),
    ],
    batches: false,
    tuples_follow_family: true,
};

/// `NFNL_SUBSYS_QUEUE` (`nfqnl_msg_types`).
pub static QUEUE: Subsystem = Subsystem {
    id: 3,
    name: "queue",
    cname: "NFNL_SUBSYS_QUEUE",
    messages: &[
        m(0, "packet", "NFQNL_MSG_PACKET", O)
            .sets(&queue::QUEUE, &queue::QUEUE)
            .packets(),
        m(1, "verdict", "NFQNL_MSG_VERDICT", O).sets(&queue::QUEUE, &queue::QUEUE),
        m(2, "config", "NFQNL_MSG_CONFIG", O).sets(&queue::QUEUE_CONFIG, &queue::QUEUE_CONFIG),
        m(3, "verdict-batch", "NFQNL_MSG_VERDICT_BATCH", O).sets(&queue::QUEUE, &queue::QUEUE),
    ],
    batches: false,
    tuples_follow_family: false,
};

/// `NFNL_SUBSYS_ULOG` (`nfulnl_msg_types`).
pub static ULOG: Subsystem = Subsystem {
    id: 4,
    name: "ulog",
    cname: "NFNL_SUBSYS_ULOG",
    messages: &[
        m(0, "packet", "NFULNL_MSG_PACKET", O)
            .sets(&queue::LOG, &queue::LOG)
            .packets(),
        m(1, "config", "NFULNL_MSG_CONFIG", O).sets(&queue::LOG_CONFIG, &queue::LOG_CONFIG),
    ],
    batches: false,
    tuples_follow_family: false,
};

/// `NFNL_SUBSYS_OSF` (`nf_osf_msg_types`).
pub static OSF: Subsystem = Subsystem {
    id: 5,
    name: "osf",
    cname: "NFNL_SUBSYS_OSF",
    messages: &[
        m(0, "add", "OSF_MSG_ADD", N),
        m(1, "remove", "OSF_MSG_REMOVE", D),
    ],
    batches: false,
    tuples_follow_family: false,
};

/// `NFNL_SUBSYS_IPSET` (`IPSET_CMD_*`).
pub static IPSET: Subsystem = Subsystem {
    id: 6,
    name: "ipset",
    cname: "NFNL_SUBSYS_IPSET",
    messages: &[
        m(1, "protocol", "IPSET_CMD_PROTOCOL", O),
        m(2, "create", "IPSET_CMD_CREATE", O),
        m(3, "destroy", "IPSET_CMD_DESTROY", O),
        m(4, "flush", "IPSET_CMD_FLUSH", O),
        m(5, "rename", "IPSET_CMD_RENAME", O),
        m(6, "swap", "IPSET_CMD_SWAP", O),
        m(7, "list", "IPSET_CMD_LIST", G),
        m(8, "save", "IPSET_CMD_SAVE", G),
        m(9, "add", "IPSET_CMD_ADD", O),
        m(10, "del", "IPSET_CMD_DEL", O),
        m(11, "test", "IPSET_CMD_TEST", O),
        m(12, "header", "IPSET_CMD_HEADER", O),
        m(13, "type", "IPSET_CMD_TYPE", O),
        m(14, "get-byname", "IPSET_CMD_GET_BYNAME", O),
        m(15, "get-byindex", "IPSET_CMD_GET_BYINDEX", O),
    ],
    batches: true,
    tuples_follow_family: false,
};

/// `NFNL_SUBSYS_ACCT` (`nfnl_acct_msg_types`).
pub static ACCT: Subsystem = Subsystem {
    id: 7,
    name: "acct",
    cname: "NFNL_SUBSYS_ACCT",
    messages: &[
        m(0, "new", "NFNL_MSG_ACCT_NEW", N),
        m(1, "get", "NFNL_MSG_ACCT_GET", G),
        m(2, "get-ctrzero", "NFNL_MSG_ACCT_GET_CTRZERO", G),
        m(3, "del", "NFNL_MSG_ACCT_DEL", D),
        m(4, "overquota", "NFNL_MSG_ACCT_OVERQUOTA", O),
    ],
    batches: false,
    tuples_follow_family: false,
};

/// `NFNL_SUBSYS_CTNETLINK_TIMEOUT` (`ctnl_timeout_msg_types`).
pub static CTNETLINK_TIMEOUT: Subsystem = Subsystem {
    id: 8,
    name: "ctnetlink-timeout",
    cname: "NFNL_SUBSYS_CTNETLINK_TIMEOUT",
    messages: &[
        m(0, "new", "IPCTNL_MSG_TIMEOUT_NEW", N)
            .sets(&timeout::TIMEOUT, &timeout::TIMEOUT)
            .handler(&kernel::timeout::NEW),
        m(1, "get", "IPCTNL_MSG_TIMEOUT_GET", G)
            .sets(&timeout::TIMEOUT, &timeout::TIMEOUT)
            .handler(&kernel::timeout::GET),
        m(2, "delete", "IPCTNL_MSG_TIMEOUT_DELETE", D)
            .sets(&timeout::TIMEOUT, &timeout::TIMEOUT)
            .handler(&kernel::timeout::DELETE),
        m(3, "default-set", "IPCTNL_MSG_TIMEOUT_DEFAULT_SET", N)
            .sets(&timeout::TIMEOUT, &timeout::TIMEOUT)
            .handler(&kernel::timeout::DEFAULT_SET),
        // cttimeout_default_get answers with one NLM_F_MULTI message of type
        // IPCTNL_MSG_TIMEOUT_DEFAULT_SET (its `event` argument), no NLMSG_DONE.
        m(4, "default-get", "IPCTNL_MSG_TIMEOUT_DEFAULT_GET", G)
            .sets(&timeout::TIMEOUT, &timeout::TIMEOUT)
            .handler(&kernel::timeout::DEFAULT_GET)
            .one_multipart_reply(),
    ],
    batches: false,
    tuples_follow_family: false,
};

/// `NFNL_SUBSYS_CTHELPER` (`nfnl_cthelper_msg_types`).
pub static CTHELPER: Subsystem = Subsystem {
    id: 9,
    name: "cthelper",
    cname: "NFNL_SUBSYS_CTHELPER",
    messages: &[
        m(0, "new", "NFNL_MSG_CTHELPER_NEW", N).sets(&helper::HELPER, &helper::HELPER),
        m(1, "get", "NFNL_MSG_CTHELPER_GET", G).sets(&helper::HELPER, &helper::HELPER),
        m(2, "del", "NFNL_MSG_CTHELPER_DEL", D).sets(&helper::HELPER, &helper::HELPER),
    ],
    batches: false,
    tuples_follow_family: false,
};

/// `NFNL_SUBSYS_NFTABLES` (`enum nf_tables_msg_types`).
pub static NFTABLES: Subsystem = Subsystem {
    id: 10,
    name: "nftables",
    cname: "NFNL_SUBSYS_NFTABLES",
    messages: &[
        m(0, "newtable", "NFT_MSG_NEWTABLE", N).sets(&nft::TABLE, &nft::TABLE),
        m(1, "gettable", "NFT_MSG_GETTABLE", G).sets(&nft::TABLE, &nft::TABLE),
        m(2, "deltable", "NFT_MSG_DELTABLE", D).sets(&nft::TABLE, &nft::TABLE),
        m(3, "newchain", "NFT_MSG_NEWCHAIN", N),
        m(4, "getchain", "NFT_MSG_GETCHAIN", G),
        m(5, "delchain", "NFT_MSG_DELCHAIN", D),
        m(6, "newrule", "NFT_MSG_NEWRULE", N),
        m(7, "getrule", "NFT_MSG_GETRULE", G),
        m(8, "delrule", "NFT_MSG_DELRULE", D),
        m(9, "newset", "NFT_MSG_NEWSET", N),
        m(10, "getset", "NFT_MSG_GETSET", G),
        m(11, "delset", "NFT_MSG_DELSET", D),
        m(12, "newsetelem", "NFT_MSG_NEWSETELEM", N),
        m(13, "getsetelem", "NFT_MSG_GETSETELEM", G),
        m(14, "delsetelem", "NFT_MSG_DELSETELEM", D),
        m(15, "newgen", "NFT_MSG_NEWGEN", N).sets(&nft::GEN, &nft::GEN),
        m(16, "getgen", "NFT_MSG_GETGEN", G).sets(&nft::GEN, &nft::GEN),
        m(17, "trace", "NFT_MSG_TRACE", O),
        m(18, "newobj", "NFT_MSG_NEWOBJ", N).sets(&nft::OBJ, &nft::OBJ),
        m(19, "getobj", "NFT_MSG_GETOBJ", G).sets(&nft::OBJ, &nft::OBJ),
        m(20, "delobj", "NFT_MSG_DELOBJ", D).sets(&nft::OBJ, &nft::OBJ),
        m(21, "getobj-reset", "NFT_MSG_GETOBJ_RESET", G).sets(&nft::OBJ, &nft::OBJ),
        m(22, "newflowtable", "NFT_MSG_NEWFLOWTABLE", N),
        m(23, "getflowtable", "NFT_MSG_GETFLOWTABLE", G),
        m(24, "delflowtable", "NFT_MSG_DELFLOWTABLE", D),
        m(25, "getrule-reset", "NFT_MSG_GETRULE_RESET", G),
        m(26, "destroytable", "NFT_MSG_DESTROYTABLE", D).sets(&nft::TABLE, &nft::TABLE),
        m(27, "destroychain", "NFT_MSG_DESTROYCHAIN", D),
        m(28, "destroyrule", "NFT_MSG_DESTROYRULE", D),
        m(29, "destroyset", "NFT_MSG_DESTROYSET", D),
        m(30, "destroysetelem", "NFT_MSG_DESTROYSETELEM", D),
        m(31, "destroyobj", "NFT_MSG_DESTROYOBJ", D).sets(&nft::OBJ, &nft::OBJ),
        m(32, "destroyflowtable", "NFT_MSG_DESTROYFLOWTABLE", D),
        m(33, "getsetelem-reset", "NFT_MSG_GETSETELEM_RESET", G),
    ],
    batches: true,
    tuples_follow_family: false,
};

/// `NFNL_SUBSYS_NFT_COMPAT` (`NFNL_MSG_COMPAT_GET`).
pub static NFT_COMPAT: Subsystem = Subsystem {
    id: 11,
    name: "nftcompat",
    cname: "NFNL_SUBSYS_NFT_COMPAT",
    messages: &[m(0, "get", "NFNL_MSG_COMPAT_GET", G)],
    batches: false,
    tuples_follow_family: false,
};

/// `NFNL_SUBSYS_HOOK` (`NFNL_MSG_HOOK_GET`).
pub static HOOK: Subsystem = Subsystem {
    id: 12,
    name: "hook",
    cname: "NFNL_SUBSYS_HOOK",
    messages: &[m(0, "get", "NFNL_MSG_HOOK_GET", G)],
    batches: false,
    tuples_follow_family: false,
};

/// `NFNL_SUBSYS_NONE`: the batch begin / end markers live here (`NFNL_MSG_BATCH_*`).
pub static NONE: Subsystem = Subsystem {
    id: 0,
    name: "none",
    cname: "NFNL_SUBSYS_NONE",
    messages: &[],
    batches: false,
    tuples_follow_family: false,
};

/// Every subsystem, by number.
pub static SUBSYSTEMS: &[&Subsystem] = &[
    &NONE,
    &CTNETLINK,
    &CTNETLINK_EXP,
    &QUEUE,
    &ULOG,
    &OSF,
    &IPSET,
    &ACCT,
    &CTNETLINK_TIMEOUT,
    &CTHELPER,
    &NFTABLES,
    &NFT_COMPAT,
    &HOOK,
];

/// `NFNL_SUBSYS_COUNT`: subsystem numbers from here on are never registered.
pub const SUBSYS_COUNT: u8 = 13;

/// Kernel quirks of message types.
pub static QUIRKS: &[Quirk] = &[Quirk {
    ty: 0x0103,
    from_kernel: true,
    when: Discriminator::ScalarAttrsWithin { min: 1, max: 3 },
    set: &ct::EXPECT_STATS,
    code: Code::ExpStatsAsCtrzero,
    note: "type 0x0103 from the kernel carries expectation statistics: the kernel's reply to CTNETLINK_EXP GET_STATS_CPU uses the CTNETLINK subsystem (ctnetlink_exp_stat_fill_info)",
}];

/// The subsystem with number `id`.
pub fn subsystem(id: u8) -> Option<&'static Subsystem> {
    SUBSYSTEMS.iter().copied().find(|s| s.id == id)
}

/// The row of message `msg` of subsystem `subsys`.
pub fn message(subsys: u8, msg: u8) -> Option<&'static MsgDef> {
    subsystem(subsys)?.message(msg)
}

/// Subsystem name (`NFNL_SUBSYS_*`).
pub fn subsys_name(subsys: u8) -> Option<&'static str> {
    subsystem(subsys).map(|s| s.name)
}

/// Message name within its subsystem.
pub fn msg_name(subsys: u8, msg: u8) -> Option<&'static str> {
    message(subsys, msg).map(|m| m.name)
}

/// The operation of a message (decides flag names).
pub fn op(subsys: u8, msg: u8) -> Op {
    message(subsys, msg).map(|m| m.op).unwrap_or(Op::Other)
}

/// The quirk rows of nlmsg_type `ty`.
pub fn quirks(ty: u16) -> impl Iterator<Item = &'static Quirk> {
    QUIRKS.iter().filter(move |q| q.ty == ty)
}
