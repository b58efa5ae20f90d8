//! Replays every committed fuzz seed and regression file, without libFuzzer.
//!
//! Every file under corpus/<target>/ goes through the same library function as fuzz
//! target <target> (`nfct_decode::fuzzing::run_target`), which asserts the fuzzing
//! properties (no panic, deterministic output, bounded memory, consistent trees).
//! A corpus folder without a target fails, and so does a set of `CT_SETS` without
//! its generated fuzz target, dictionary or seeds (run `cargo run --example fuzzgen
//! -- all`, see docs/fuzzing.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use nfct_decode::fuzzing::{run_target, set_target_name, target_names};
use nfct_decode::schema::CT_SETS;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Folders of corpus/ that are not fuzz targets.
const NOT_TARGETS: &[&str] = &["captures", "kernel"];

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

#[test]
fn replay_corpus() {
    let corpus = root().join("corpus");
    let mut replayed = 0;
    let mut dirs: Vec<PathBuf> = fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let target = dir.file_name().unwrap().to_str().unwrap().to_string();
        if NOT_TARGETS.contains(&target.as_str()) {
            continue;
        }
        for file in files(&dir) {
            let data = fs::read(&file).unwrap();
            let result = std::panic::catch_unwind(|| run_target(&target, &data));
            match result {
                Ok(true) => replayed += 1,
                Ok(false) => panic!(
                    "corpus/{target}/ has no fuzz target of that name (nfct_decode::fuzzing::target_names)"
                ),
                Err(_) => panic!(
                    "{} fails target {target}; reproduce with: cargo fuzz run -s none {target} {}",
                    file.display(),
                    file.display()
                ),
            }
        }
    }
    assert!(replayed > 0, "no corpus file replayed");
}

#[test]
fn every_set_has_its_fuzz_target_and_seeds() {
    let root = root();
    let cargo = fs::read_to_string(root.join("fuzz/Cargo.toml")).unwrap();
    for set in CT_SETS {
        let t = set_target_name(set);
        let hint = "run `cargo run --example fuzzgen -- all`";
        let src = root.join(format!("fuzz/fuzz_targets/{t}.rs"));
        let body = fs::read_to_string(&src)
            .unwrap_or_else(|_| panic!("set {} has no fuzz target {t}: {hint}", set.name));
        assert!(
            body.contains(&format!("fuzzing::set({:?}, data)", set.name)),
            "{} does not fuzz set {}: {hint}",
            src.display(),
            set.name
        );
        assert!(
            cargo.contains(&format!("name = \"{t}\"")),
            "fuzz/Cargo.toml has no [[bin]] {t}: {hint}"
        );
        assert!(
            root.join(format!("fuzz/dict/{t}.dict")).is_file(),
            "no fuzz/dict/{t}.dict: {hint}"
        );
        let seeds = root.join(format!("corpus/{t}"));
        assert!(
            seeds.is_dir() && !files(&seeds).is_empty(),
            "no seeds in corpus/{t}/: {hint}"
        );
    }
    for t in target_names() {
        assert!(
            root.join(format!("fuzz/fuzz_targets/{t}.rs")).is_file(),
            "fuzz target {t} missing"
        );
    }
    // No stale target files either.
    let names = target_names();
    for f in files(&root.join("fuzz/fuzz_targets")) {
        let stem = f.file_stem().unwrap().to_str().unwrap().to_string();
        assert!(
            names.contains(&stem),
            "{} is no target any more",
            f.display()
        );
    }
}
