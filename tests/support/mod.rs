//! Harness code shared by the test crates and the benches (issue 11, point 5): the
//! recorded captures and how they are decoded ([`corpus`]), the conntrack
//! transcripts ([`transcript`]), finding a traced command's request, reply and dump
//! in a decoded capture ([`locate`]) and the test PRNG ([`prng`]).
//!
//! Each crate includes it with `mod support;` (benches: `#[path =
//! "../tests/support/mod.rs"] mod support;`) and uses what it needs.
#![allow(dead_code)]

pub mod corpus;
pub mod locate;
pub mod prng;
pub mod transcript;

/// One `#[test] fn $name() { $run($file) }` per `name = "file"` pair: the
/// per-capture tests of the transcript checks. (Not every crate runs transcript
/// checks, hence the allows.)
#[allow(unused_macros)]
macro_rules! capture_tests {
    ($run:ident: $($name:ident = $file:literal),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $run($file);
            }
        )*
    };
}
#[allow(unused_imports)]
pub(crate) use capture_tests;
