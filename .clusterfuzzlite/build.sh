#!/bin/bash -eu
# Builds every fuzz target of fuzz/ for ClusterFuzzLite / OSS-Fuzz and ships its
# seeds (corpus/<target>/ as <target>_seed_corpus.zip) and dictionary
# (fuzz/dict/<target>.dict as <target>.dict). The target list is
# fuzz/fuzz_targets/*.rs, generated from the schema (docs/fuzzing.md), so a new
# attribute set is picked up without editing this file.
cd "$SRC/nfct-decode"

# The base image sets RUSTFLAGS for the sanitizer; cargo fuzz adds libFuzzer.
cargo fuzz build -O --debug-assertions

out_dir=fuzz/target/x86_64-unknown-linux-gnu/release
for src in fuzz/fuzz_targets/*.rs; do
    t=$(basename "$src" .rs)
    cp "$out_dir/$t" "$OUT/$t"
    if [ -d "corpus/$t" ] && [ -n "$(ls -A "corpus/$t")" ]; then
        (cd "corpus/$t" && zip -q -r "$OUT/${t}_seed_corpus.zip" .)
    fi
    if [ -f "fuzz/dict/$t.dict" ]; then
        cp "fuzz/dict/$t.dict" "$OUT/$t.dict"
    fi
    # fuzz/run.sh uses -rss_limit_mb=512 without sanitizer; AddressSanitizer alone
    # takes about 500 MB here, so keep the OSS-Fuzz default memory limit.
    printf '[libfuzzer]\ntimeout = 2\nrss_limit_mb = 2560\n' >"$OUT/$t.options"
done
