//! The import graph of src/ goes one way: capture -> wire -> decode -> view ->
//! {filter, exchange, summary} -> render -> run -> main (README, "Architecture").
//! This test reads every module's source, collects the crate modules it names
//! (`crate::x`, and `nfct_decode::x` in the binary), leaving out comments and unit
//! tests, and fails on any edge from a layer to one above it.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may name modules of lower layers, and of its
/// own layer only where `SIBLINGS` allows it.
const LAYERS: &[&[&str]] = &[
    &["finding"],
    &["capture"],
    &["wire"],
    &["schema"],
    &["verdict"],
    &["model"],
    &["decode"],
    &["view"],
    &[
        "reader", "filter", "exchange", "summary", "annotate", "flows",
    ],
    &["render"],
    &["diff", "svg"],
    &["run", "encode"],
    &["fuzzing", "main", "cli"],
];

/// Edges inside a layer: the summary counts exchanges' outcomes.
const SIBLINGS: &[(&str, &str)] = &[("summary", "exchange")];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file belongs to (`src/render/text.rs` -> `render`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The code of a file without its comments and its `#[cfg(test)]` module.
fn code(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(l) = lines.next() {
        if l == "#[cfg(test)]" {
            // Skip attributes to the item; stop at a test module.
            let mut rest = lines.clone();
            while rest.peek().is_some_and(|n| n.starts_with("#[")) {
                rest.next();
            }
            if rest.peek().is_some_and(|n| n.starts_with("mod ")) {
                break;
            }
        }
        if !l.trim_start().starts_with("//") {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// Every `prefix::name` in `code`.
fn named(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().last();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.insert(name);
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let m = module_of(&src, &f);
        let c = code(&std::fs::read_to_string(&f).unwrap());
        let mut uses = named(&c, "crate::");
        if m == "main" || m == "cli" {
            uses.extend(named(&c, "nfct_decode::"));
        }
        uses.remove(&m);
        g.entry(m).or_default().extend(uses);
    }
    g
}

fn rank(m: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| l.contains(&m))
        .unwrap_or_else(|| panic!("module {m} is in no layer of tests/layers.rs"))
}

#[test]
fn imports_follow_the_layers() {
    let g = graph();
    let mut against = Vec::new();
    for (m, uses) in &g {
        for u in uses {
            let sibling = SIBLINGS.contains(&(m.as_str(), u.as_str()));
            if rank(u) >= rank(m) && !sibling {
                against.push(format!("{m} -> {u}"));
            }
        }
    }
    assert!(against.is_empty(), "imports against the flow: {against:?}");
}

#[test]
fn the_graph_is_read() {
    // The test above would pass on an empty graph: pin edges that must be there.
    let g = graph();
    for (m, u) in [
        ("render", "view"),
        ("view", "decode"),
        ("decode", "verdict"),
        ("run", "render"),
        ("main", "run"),
        ("exchange", "view"),
        ("filter", "view"),
    ] {
        assert!(g[m].contains(u), "{m} -> {u} not found: {:?}", g[m]);
    }
    // And edges that must not be (the tangle of the first wave).
    assert!(!g["exchange"].contains("render"));
    assert!(!g["view"].contains("render"));
}
