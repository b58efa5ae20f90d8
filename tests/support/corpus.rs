//! The recorded captures of corpus/captures, read and decoded: the one way tests
//! and benches turn a capture into messages.

use nfct_decode::view::Msg;
use nfct_decode::{decode_capture, DecodedCapture, FrameMeta, Options};
use std::path::PathBuf;

/// corpus/captures.
pub const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/captures");

/// NETLINK_NETFILTER.
pub const NETFILTER: u16 = 12;

/// Path of `name` (relative to corpus/captures, extension included).
pub fn path(name: &str) -> PathBuf {
    PathBuf::from(DIR).join(name)
}

/// Bytes of `name` (relative to corpus/captures).
pub fn read(name: &str) -> Vec<u8> {
    let p = path(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A capture held in memory, decoded with the default options.
pub fn decode(bytes: &[u8]) -> DecodedCapture {
    decode_with(bytes, Options::default())
}

/// A capture held in memory, decoded with `opts`.
pub fn decode_with(bytes: &[u8], opts: Options) -> DecodedCapture {
    decode_capture(bytes, opts).unwrap_or_else(|e| panic!("{e}"))
}

/// `name` (relative to corpus/captures), decoded with the default options.
pub fn decode_file(name: &str) -> DecodedCapture {
    decode(&read(name))
}

/// Every nfnetlink message of `cap` in capture order, with its record and its
/// index within the record.
pub fn netfilter_messages(
    cap: &DecodedCapture,
) -> impl Iterator<Item = (&FrameMeta, usize, Msg<'_>)> + '_ {
    cap.records
        .iter()
        .filter(|r| r.frame.link.protocol == NETFILTER)
        .flat_map(|r| r.messages().enumerate().map(move |(i, m)| (&r.frame, i, m)))
}
