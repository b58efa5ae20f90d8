//! nfct-decode: an offline decoder and validator of nlmon captures of Linux netlink,
//! above all nfnetlink conntrack (ctnetlink).
//!
//! ```
//! # fn main() -> Result<(), nfct_decode::Error> {
//! let mut cap = nfct_decode::Capture::open("corpus/captures/nat.pcap")?;
//! while let Some(msg) = cap.next_message()? {
//!     let src = msg.get("tuple-orig.tuple-ip.ip-v4-src").map(|a| a.to_string());
//!     println!("{} {} {:?} {:?}", msg.frame(), msg.name(), src, msg.verdict());
//!     for f in msg.findings() {
//!         println!("  {} {} at {} (offset {})", f.severity(), f.code(), f.path(), f.offset());
//!     }
//! }
//! for f in cap.notices() { println!("capture: {f}"); }
//! # Ok(())
//! # }
//! ```
//!
//! [`Capture`] reads pcap or pcapng (a file, any `Read`, bytes); each
//! [`CapturedMessage`] is a [`view::Msg`]: the message's name, kind, direction,
//! its attributes by kernel name ([`view::Msg::get`], values interpreted as
//! addresses, numbers, enum and flag names, times), the kernel's [`Verdict`] on a
//! request, and its [`Finding`]s. [`decode_capture`] keeps a whole capture in
//! memory instead.
//!
//! # The contract
//! * **Never panics, on any input.** Every slice access is checked; clippy's
//!   `indexing_slicing`, `unwrap_used`, `expect_used` and `panic` are denied in the
//!   library; `unsafe` is forbidden. (The `fuzzing` feature's target bodies panic
//!   by design: that is how they report a broken invariant.)
//! * **Never gives up on a capture.** Malformed input becomes a [`Finding`]
//!   (severity, stable code, attribute path, byte offset, message) and decoding
//!   goes on with the next attribute, message and record. Only an input that is not
//!   a capture at all is an [`Error`].
//! * **Bounded.** Recursion is capped ([`decode::MAX_DEPTH`]); memory grows with the
//!   largest record, never with a length field's claim or the capture's size.
//!
//! # Layers
//! Imports go one way: [`capture`] (pcap/pcapng records) -> [`wire`] (fixed
//! headers) -> [`decode`] (schema-driven attribute tree, [`schema`], [`model`];
//! the kernel's [`verdict`]) -> [`view`] (names and values) -> [`filter`],
//! [`exchange`], [`summary`] -> [`render`] (every output format, one trait) ->
//! `run` (the binary's pipeline) -> the binary. Nothing downstream re-parses bytes.
//!
//! # Features
//! * `cli` (default): the `nfct-decode` binary (clap) and the `run` pipeline.
//! * `fuzzing`: the bodies of the fuzz targets (`fuzzing`, `encode`; arbitrary).
//!
//! With `default-features = false` the library depends on neither clap nor
//! arbitrary.

pub mod annotate;
pub mod capture;
pub mod decode;
pub mod diff;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod encode;
pub mod exchange;
pub mod filter;
pub mod finding;
pub mod flows;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod model;
mod reader;
pub mod render;
#[cfg(feature = "run")]
#[doc(hidden)]
pub mod run;
pub mod schema;
pub mod summary;
pub mod svg;
pub mod verdict;
pub mod view;
pub mod wire;

pub use capture::FrameMeta;
pub use decode::{Decoder, Options};
pub use finding::{Code, Finding, Severity};
pub use model::Record;
pub use reader::{
    decode_capture, Capture, CapturedMessage, DecodedCapture, DecodedRecord, Error, ErrorKind,
    Notice, MAX_NOTICES,
};
pub use verdict::{Outcome, Verdict};
pub use view::{Attr, Msg};
