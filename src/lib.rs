//! nfct-decode: an offline decoder and validator of nlmon captures of Linux netlink,
//! above all nfnetlink conntrack (ctnetlink).
//!
//! # The contract
//! * **Never panics, on any input.** Every slice access is checked; clippy's
//!   `indexing_slicing`, `unwrap_used`, `expect_used` and `panic` are denied in the
//!   library; `unsafe` is forbidden.
//! * **Never gives up on a capture.** Malformed input becomes a
//!   [`finding::Finding`] (severity, stable code, attribute path, byte offset,
//!   message) and decoding goes on with the next attribute, message and record. Only
//!   an input that is not a capture at all is fatal ([`capture::CaptureError`]).
//! * **Bounded.** Recursion is capped ([`decode::MAX_DEPTH`]); memory grows with the
//!   largest record, never with a length field's claim or the capture's size.
//!
//! # Data flow
//! capture ([`capture`]) -> frame -> netlink messages and nfnetlink headers
//! ([`wire`], [`decode`]) -> schema-driven attribute tree ([`schema`], [`model`]) ->
//! renderers ([`render`]) writing to any `io::Write`. Nothing downstream re-parses
//! bytes.

pub mod capture;
pub mod decode;
pub mod encode;
pub mod exchange;
pub mod filter;
pub mod finding;
pub mod fuzzing;
pub mod model;
pub mod render;
pub mod run;
pub mod schema;
pub mod summary;
pub mod verdict;
pub mod wire;

pub use decode::{Decoder, Options};
pub use finding::{Code, Finding, Severity};
pub use model::Record;
