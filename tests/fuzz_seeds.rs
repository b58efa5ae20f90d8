//! The committed fuzz seeds (`corpus/<target>/seed-*`) are exactly what
//! `cargo run --example fuzzgen -- seeds` makes from corpus/captures today: a change
//! to the decoder or the captures that changes a seed fails here until the seeds
//! are regenerated and committed (issue 12: they had drifted by 71 files).
#![allow(clippy::unwrap_used)]

#[allow(dead_code)]
#[path = "../examples/fuzzgen.rs"]
mod fuzzgen;

#[test]
fn committed_seeds_equal_the_generator() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let stale = fuzzgen::stale_seeds(root).unwrap();
    assert!(
        stale.is_empty(),
        "{} seed files differ (run `cargo run --example fuzzgen -- seeds`):\n{}",
        stale.len(),
        stale.join("\n")
    );
    // And the generator makes some for every target.
    let made = fuzzgen::seed_files(root).unwrap();
    for t in nfct_decode::fuzzing::target_names() {
        let dir = root.join("corpus").join(&t);
        assert!(made.keys().any(|p| p.starts_with(&dir)), "no seed for {t}");
    }
}
