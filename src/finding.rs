//! Findings: everything the decoder has to say about the input that is not a value.
//!
//! One type is used at every layer (capture container, link header, netlink,
//! nfnetlink, attributes). A finding never stops decoding: the layer that makes it
//! goes on with the next attribute, message or record.
//!
//! Codes are stable snake_case identifiers: scripts match on them, so a code is never
//! renamed or reused for another meaning. Each code has one default severity, kept in
//! [`Code::severity`], so that the same problem is always reported the same way.

use serde::Serialize;
use std::fmt;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Notable but valid (e.g. a zero tail the kernel ignores, a pre-5.2 nest).
    Info,
    /// Suspicious: the kernel accepts it but it is probably not what was meant.
    Warning,
    /// Malformed, or would be rejected by the kernel.
    Error,
}

impl Severity {
    /// Lower-case name as printed in text and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $sev:ident; )*) => {
        /// Stable identifier of a kind of finding. New codes are added in minor
        /// releases (docs/json.md), hence `non_exhaustive`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in declaration order (for documentation and tests).
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable snake_case name.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            /// The severity this code is always reported with.
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }
        }
    };
}

codes! {
    // ---- capture container and link layer ----
    /// A record's captured length is smaller than its original length (snaplen).
    RecordTruncated = "record_truncated", Error;
    /// The input ends in the middle of a record or block.
    CaptureTruncated = "capture_truncated", Error;
    /// The container reports a problem in a block or record it could not read.
    CaptureMalformed = "capture_malformed", Error;
    /// An interface's link type cannot carry netlink; its records are skipped.
    UnsupportedLinktype = "unsupported_linktype", Warning;
    /// A cooked (SLL/SLL2) interface carries records whose ARPHRD type is not netlink.
    NotNetlinkHatype = "not_netlink_hatype", Warning;
    /// A record is shorter than its link-layer (cooked) header.
    LinkHeaderTruncated = "link_header_truncated", Error;
    /// A record refers to a pcapng interface that was never described.
    UnknownInterface = "unknown_interface", Error;
    // ---- netlink ----
    /// Fewer bytes than an nlmsghdr (16) remain where a message should start.
    NlmsgTruncated = "nlmsg_truncated", Error;
    /// nlmsg_len is smaller than the 16-byte header.
    NlmsgLenTooSmall = "nlmsg_len_too_small", Error;
    /// nlmsg_len runs past the end of the record.
    NlmsgLenPastEnd = "nlmsg_len_past_end", Error;
    /// Bytes after the last message that the kernel ignores (all zero, or shorter than a header).
    TrailingBytes = "trailing_bytes", Info;
    /// The record's netlink headers only make sense in big-endian byte order.
    HostBigEndian = "host_big_endian", Info;
    /// A message payload is too short for its fixed header (nfgenmsg, nlmsgerr, DONE status).
    PayloadTooShort = "payload_too_short", Error;
    /// An NLMSG_ERROR's echoed request header is missing or cut.
    ErrorEchoTruncated = "error_echo_truncated", Error;
    /// A flag bit in nlmsg_flags that has no meaning for this message kind.
    UnknownNlmsgFlags = "unknown_nlmsg_flags", Warning;
    // ---- nfnetlink ----
    /// nfgenmsg version is not NFNETLINK_V0.
    NfgenVersion = "nfgen_version", Warning;
    /// Message number unknown for its nfnetlink subsystem.
    UnknownMessageType = "unknown_message_type", Warning;
    /// nfnetlink subsystem number unknown.
    UnknownSubsystem = "unknown_subsystem", Warning;
    /// Type 0x0103 from the kernel carrying expectation statistics (kernel quirk).
    ExpStatsAsCtrzero = "exp_stats_as_ctrzero", Info;
    // ---- attributes: structure ----
    /// nla_len is smaller than the 4-byte attribute header.
    AttrLenTooSmall = "attr_len_too_small", Error;
    /// nla_len runs past the end of the enclosing message or nest.
    AttrLenPastEnd = "attr_len_past_end", Error;
    /// Alignment padding after an attribute is not zero (the kernel ignores it;
    /// libnetfilter_conntrack leaves garbage after u8 attributes).
    NonzeroPadding = "nonzero_padding", Info;
    /// Bytes left after the last attribute of a message or nest (the kernel parses
    /// ctnetlink liberally: it goes on and warns "bytes leftover after parsing
    /// attributes" in the extended ACK).
    LeftoverBytes = "leftover_bytes", Warning;
    /// Attribute number not defined in its set.
    UnknownAttr = "unknown_attr", Warning;
    /// The same attribute appears twice in one message or nest.
    DuplicateAttr = "duplicate_attr", Warning;
    /// Nesting deeper than the decoder's fixed cap; the rest is shown raw.
    NestTooDeep = "nest_too_deep", Error;
    /// A nest attribute without NLA_F_NESTED (kernels before 5.2 did not set it).
    NestWithoutFlag = "nest_without_flag", Info;
    /// A scalar attribute with NLA_F_NESTED set (ignored by the kernel's liberal
    /// parse; the strict parse of CTA_FILTER refuses it: `strict_parse`).
    ScalarWithNestedFlag = "scalar_with_nested_flag", Warning;
    /// NLA_F_NET_BYTEORDER set where the kernel never sets it.
    UnexpectedNetByteorder = "unexpected_net_byteorder", Warning;
    // ---- attributes: lengths ----
    /// A fixed-size value is shorter than its type (the kernel rejects it: -ERANGE).
    ValueTooShort = "value_too_short", Error;
    /// A fixed-size value is longer than its type (the kernel accepts it with a warning).
    ValueTooLong = "value_too_long", Warning;
    /// Shorter than the kernel's minimum length for this attribute.
    BelowMinLen = "below_min_len", Error;
    /// Longer than the kernel's maximum length for this attribute.
    AboveMaxLen = "above_max_len", Error;
    /// A string the kernel wants NUL-terminated has no NUL.
    StringWithoutNul = "string_without_nul", Error;
    /// A string that is not UTF-8 (the kernel does not care; the bytes are kept
    /// and shown escaped).
    StringNotUtf8 = "string_not_utf8", Info;
    /// A sub-message (a nest whose set a sibling selects: cttimeout data by
    /// l4proto, nftables object data by type) without its selector, or with a
    /// selector value no set is known for: walked without a schema.
    SubMessageUnselected = "sub_message_unselected", Warning;
    /// A zero-length attribute the kernel wrote as alignment padding of the 64-bit
    /// attribute after it, numbered by that value's own set (CTA_TIMESTAMP_PAD = 3
    /// before the top-level CTA_TIMESTAMP_EVENT, where 3 is CTA_STATUS), on
    /// architectures without efficient unaligned access.
    KernelAlignmentPad = "kernel_alignment_pad", Info;
    /// A labels value whose length is not a multiple of 4.
    LabelsLenNotMultipleOf4 = "labels_len_not_multiple_of_4", Error;
    /// labels-mask length differs from labels length.
    LabelsMaskLenMismatch = "labels_mask_len_mismatch", Error;
    // ---- attributes: meaning ----
    /// An enum value outside the known range.
    EnumOutOfRange = "enum_out_of_range", Warning;
    /// Flag bits with no known meaning.
    UnknownFlagBits = "unknown_flag_bits", Warning;
    /// An attribute the kernel rejects in a request from userspace.
    RejectedInRequest = "rejected_in_request", Error;
    /// mark-mask without mark.
    MarkMaskWithoutMark = "mark_mask_without_mark", Error;
    /// status-mask without status.
    StatusMaskWithoutStatus = "status_mask_without_status", Error;
    /// status-mask of zero.
    StatusMaskZero = "status_mask_zero", Error;
    /// A create request lacking tuple-orig, tuple-reply or timeout.
    CreateMissingAttr = "create_missing_attr", Error;
    /// tuple-orig and tuple-reply of different protocols.
    TupleProtoMismatch = "tuple_proto_mismatch", Error;
    /// Filter flags outside CTA_FILTER_F_ALL (the kernel refuses the dump).
    UnknownFilterFlags = "unknown_filter_flags", Error;
    /// A seqadj or synproxy nest without all of its members.
    MissingMember = "missing_member", Error;
    /// An address attribute of the other family than nfgenmsg's.
    FamilyMismatch = "family_mismatch", Warning;
    // ---- what the kernel's parse of a request refuses (crate::verdict) ----
    /// An attribute the kernel needs for this request is missing (or hidden behind
    /// a broken nla_len).
    MissingAttr = "missing_attr", Error;
    /// A tuple in a message whose nfgenmsg family is neither ipv4 nor ipv6
    /// (-EOPNOTSUPP).
    FamilyNotSupported = "family_not_supported", Error;
    /// Filter flags select ports or icmp fields but not proto-num (-EINVAL).
    FilterWithoutProto = "filter_without_proto", Error;
    /// A zone given twice, or where the kernel takes none (-EINVAL).
    ZoneConflict = "zone_conflict", Error;
    /// NAT or tuple-master in an update of an existing entry (-EOPNOTSUPP).
    NotOnUpdate = "not_on_update", Error;
    /// A request type the kernel answers only as a dump (-EOPNOTSUPP).
    DumpOnly = "dump_only", Error;
    /// An expectation function (CTA_EXPECT_FN) the kernel does not know (-EINVAL).
    UnknownExpectFn = "unknown_expect_fn", Error;
    /// A nest attribute of 1-3 bytes (-ERANGE).
    NestTooShort = "nest_too_short", Error;
    /// A value above the kernel policy's maximum (-ERANGE).
    ValueOutOfRange = "value_out_of_range", Error;
    /// Bits outside the kernel policy's mask (-EINVAL).
    ReservedBits = "reserved_bits", Error;
    /// What the strict parse of a nest (CTA_FILTER) refuses: unknown types, inexact
    /// lengths, NLA_F_NESTED where it does not belong or missing, trailing bytes (-EINVAL).
    StrictParse = "strict_parse", Error;
    /// An ICMP / ICMPv6 type the kernel cannot invert into a reply tuple (-EINVAL).
    IcmpTypeWithoutInverse = "icmp_type_without_inverse", Error;
    /// A status that changes a bit the kernel does not let change (-EBUSY).
    StatusChangeRefused = "status_change_refused", Error;
    /// A helper name no helper has (-EOPNOTSUPP).
    UnknownHelper = "unknown_helper", Error;
    /// A delete whose tuple the kernel cannot see (hidden behind a broken nla_len):
    /// the kernel flushes the whole table instead.
    DeleteFlushesTable = "delete_flushes_table", Warning;
    /// A layer-4 protocol without a conntrack tracker of its own, where the kernel
    /// needs one (cttimeout policies: -EOPNOTSUPP; DCCP's tracker was removed in 6.17).
    ProtoNotSupported = "l4proto_not_supported", Error;
    /// An IPv6 CTA_FILTER on addresses: the 6.18 kernel's match is inverted
    /// (`ctnetlink_filter_match_tuple` skips entries whose address is equal).
    KernelIpv6FilterInverted = "kernel_ipv6_filter_inverted", Warning;
}

impl Code {
    /// Whether only the kernel model (`crate::verdict`) reports this code: a check
    /// the kernel's parse of a request makes, not a property of the bytes alone.
    pub fn from_kernel_model(self) -> bool {
        matches!(
            self,
            Code::MarkMaskWithoutMark
                | Code::StatusMaskWithoutStatus
                | Code::StatusMaskZero
                | Code::CreateMissingAttr
                | Code::TupleProtoMismatch
                | Code::MissingMember
                | Code::LabelsMaskLenMismatch
                | Code::MissingAttr
                | Code::FamilyNotSupported
                | Code::FilterWithoutProto
                | Code::ZoneConflict
                | Code::NotOnUpdate
                | Code::DumpOnly
                | Code::UnknownExpectFn
                | Code::NestTooShort
                | Code::ValueOutOfRange
                | Code::ReservedBits
                | Code::StrictParse
                | Code::IcmpTypeWithoutInverse
                | Code::StatusChangeRefused
                | Code::UnknownHelper
                | Code::DeleteFlushesTable
                | Code::ProtoNotSupported
                | Code::KernelIpv6FilterInverted
        )
    }

    /// Looks a code up by its stable name.
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What the kernel does with one attribute of a request (attached to findings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum KernelAction {
    /// It refuses the request because of it.
    Rejects,
    /// It skips the attribute (not in its policy, not parsed by this request).
    IgnoresAttribute,
    /// It stops walking the nest here and ignores the rest of it.
    IgnoresRest,
    /// It reads it (maybe with a warning) and goes on.
    Accepts,
    /// It never gets there: an earlier check already refused the request.
    NotReached,
}

impl KernelAction {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            KernelAction::Rejects => "rejects",
            KernelAction::IgnoresAttribute => "ignores-attribute",
            KernelAction::IgnoresRest => "ignores-rest",
            KernelAction::Accepts => "accepts",
            KernelAction::NotReached => "not-reached",
        }
    }
}

/// One thing the decoder found wrong, suspicious or notable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How bad it is (always `code.severity()`).
    pub severity: Severity,
    /// Stable identifier.
    pub code: Code,
    /// Attribute path in kernel names, dot-separated (`tuple-orig.tuple-ip.ip-v4-src`);
    /// empty for findings about headers, records or the capture.
    pub path: String,
    /// Byte offset within the record (from the first byte of the netlink data,
    /// after the link-layer header); for capture-level findings, the record's
    /// offset in the file when known, else 0.
    pub offset: usize,
    /// One line for humans.
    pub message: String,
    /// In a request to the kernel: what the kernel does with the attribute
    /// (`crate::verdict`); `None` elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel: Option<KernelAction>,
    /// Index of the attribute node the finding belongs to, for inline rendering.
    #[serde(skip)]
    #[doc(hidden)]
    pub node: Option<usize>,
}

impl Finding {
    /// How bad it is.
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// Its stable code.
    pub fn code(&self) -> Code {
        self.code
    }

    /// The attribute path in kernel names (`tuple-orig.tuple-ip.ip-v4-src`); empty
    /// for findings about headers, records or the capture.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Byte offset within the record's netlink data (capture-level findings: the
    /// record's offset in the file).
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// One line for humans.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// A finding with no attribute path.
    pub fn new(code: Code, offset: usize, message: impl Into<String>) -> Finding {
        Finding {
            severity: code.severity(),
            code,
            path: String::new(),
            offset,
            message: message.into(),
            kernel: None,
            node: None,
        }
    }

    /// A finding at an attribute path.
    pub fn at(code: Code, path: String, offset: usize, message: impl Into<String>) -> Finding {
        Finding {
            severity: code.severity(),
            code,
            path,
            offset,
            message: message.into(),
            kernel: None,
            node: None,
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.severity, self.code)?;
        if !self.path.is_empty() {
            write!(f, " at {}", self.path)?;
        }
        write!(f, " (offset {}): {}", self.offset, self.message)?;
        if let Some(k) = self.kernel {
            write!(f, " [kernel {}]", k.as_str())?;
        }
        Ok(())
    }
}
