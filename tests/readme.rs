//! Every example of the README that shows `$ nfct-decode ...` and its output is run,
//! and its output must be what the README shows (a line `...` stands for any number
//! of lines): the documentation cannot drift from the tool.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::process::Command;

struct Example {
    line: usize,
    args: Vec<String>,
    head: Option<usize>,
    want: Vec<String>,
}

fn examples(readme: &str) -> Vec<Example> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < lines.len() {
        if lines[i] != "```" || !lines[i + 1].starts_with("$ nfct-decode ") {
            i += 1;
            continue;
        }
        let line = i + 2;
        i += 1;
        let mut cmd = String::new();
        loop {
            let l = lines[i].trim_start_matches("$ ");
            i += 1;
            match l.strip_suffix('\\') {
                Some(l) => cmd.push_str(l),
                None => {
                    cmd.push_str(l);
                    break;
                }
            }
        }
        let (cmd, head) = match cmd.split_once(" | head -") {
            Some((c, n)) => (c.to_string(), Some(n.trim().parse().unwrap())),
            None => (cmd, None),
        };
        let args: Vec<String> = cmd.split_whitespace().skip(1).map(String::from).collect();
        let mut want = Vec::new();
        while lines[i] != "```" {
            want.push(lines[i].to_string());
            i += 1;
        }
        out.push(Example {
            line,
            args,
            head,
            want,
        });
    }
    out
}

/// Whether `got` is `want` with each `...` line standing for any lines.
fn matches(want: &[String], got: &[&str]) -> bool {
    match want.split_first() {
        None => got.is_empty(),
        Some((w, rest)) if w.trim() == "..." => (0..=got.len()).any(|k| matches(rest, &got[k..])),
        Some((w, rest)) => got.first() == Some(&w.as_str()) && matches(rest, &got[1..]),
    }
}

#[test]
fn readme_examples_print_what_they_show() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let all = examples(&readme);
    assert!(all.len() >= 6, "{} examples", all.len());
    for ex in all {
        let out = Command::new(env!("CARGO_BIN_EXE_nfct-decode"))
            .args(&ex.args)
            .current_dir(root)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let mut got: Vec<&str> = text.lines().collect();
        if let Some(n) = ex.head {
            got.truncate(n);
        }
        assert!(
            matches(&ex.want, &got),
            "README.md line {}: nfct-decode {}\n--- README shows:\n{}\n--- it prints:\n{}",
            ex.line,
            ex.args.join(" "),
            ex.want.join("\n"),
            got.join("\n")
        );
    }
}
