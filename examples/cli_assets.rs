//! Generates the man page and the shell completions of `nfct-decode` from its clap
//! definition (src/cli.rs), so that they never drift from the options:
//!
//! ```text
//! cargo run --example cli_assets            # writes docs/man/nfct-decode.1 and docs/completions/*
//! cargo run --example cli_assets -- check   # fails when the committed files differ
//! ```
//!
//! Install: `cp docs/man/nfct-decode.1 /usr/local/share/man/man1/`,
//! `cp docs/completions/nfct-decode.bash /etc/bash_completion.d/nfct-decode`,
//! `_nfct-decode` into a directory of `$fpath`, `nfct-decode.fish` into
//! `~/.config/fish/completions/`. tests/cli_assets.rs checks they are up to date.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[allow(dead_code)]
#[path = "../src/cli.rs"]
mod cli;

use clap::CommandFactory;
use clap_complete::Shell;
use std::path::{Path, PathBuf};

/// Every generated file: path below the repository root -> contents.
pub fn files() -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let cmd = cli::Cli::command();
    let mut man = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut man)
        .expect("man page");
    out.push((PathBuf::from("docs/man/nfct-decode.1"), man));
    for (shell, name) in [
        (Shell::Bash, "nfct-decode.bash"),
        (Shell::Zsh, "_nfct-decode"),
        (Shell::Fish, "nfct-decode.fish"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd.clone(), "nfct-decode", &mut buf);
        out.push((PathBuf::from("docs/completions").join(name), buf));
    }
    out
}

/// The generated files that differ from the committed ones.
pub fn stale(root: &Path) -> Vec<String> {
    files()
        .into_iter()
        .filter(|(p, b)| std::fs::read(root.join(p)).ok().as_deref() != Some(b.as_slice()))
        .map(|(p, _)| p.display().to_string())
        .collect()
}

fn main() -> std::process::ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if std::env::args().nth(1).as_deref() == Some("check") {
        let s = stale(root);
        if s.is_empty() {
            println!("man page and completions up to date");
            return std::process::ExitCode::SUCCESS;
        }
        eprintln!(
            "out of date (run `cargo run --example cli_assets`): {}",
            s.join(", ")
        );
        return std::process::ExitCode::FAILURE;
    }
    for (p, b) in files() {
        let path = root.join(&p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b).unwrap();
        println!("wrote {}", p.display());
    }
    std::process::ExitCode::SUCCESS
}
