//! The committed man page and shell completions (docs/man, docs/completions) are
//! what `cargo run --example cli_assets` generates from src/cli.rs today.
#![allow(clippy::unwrap_used)]

#[allow(dead_code)]
#[path = "../examples/cli_assets.rs"]
mod cli_assets;

#[test]
fn man_page_and_completions_are_up_to_date() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let stale = cli_assets::stale(root);
    assert!(
        stale.is_empty(),
        "out of date (run `cargo run --example cli_assets`): {stale:?}"
    );
    // The man page documents every option and the exit status.
    let man =
        String::from_utf8(std::fs::read(root.join("docs/man/nfct-decode.1")).unwrap()).unwrap();
    for opt in [
        "\\-\\-filter",
        "\\-\\-exchanges",
        "\\-\\-ct\\-output",
        "Exit status",
    ] {
        assert!(man.contains(opt), "man page lacks {opt}");
    }
}
