#!/usr/bin/env bash
# Runs one fuzz target for a while: `fuzz/run.sh TARGET MINUTES`.
#
# The target starts from its seeds (`fuzz/seeds/TARGET`, in git) and from
# whatever earlier runs kept in `fuzz/corpus/TARGET` (ignored by git), with
# its dictionary if it has one, and without a sanitizer, so the stable
# toolchain builds it. A crash stops the run: libFuzzer names the input it
# saved under `fuzz/artifacts/TARGET/`; minimize it with
# `cargo fuzz tmin -s none TARGET FILE`, and keep it as a regression test
# (see `tests/data/regressions/README.md`).
set -euo pipefail
usage="usage: fuzz/run.sh TARGET MINUTES (targets: condition ruleset structured host)"
target=${1:?$usage}
minutes=${2:?$usage}
cd "$(dirname "$0")"
[[ -d seeds/$target ]] || { echo "$usage" >&2; exit 2; }
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
mkdir -p "corpus/$target"
options=(-max_total_time=$((minutes * 60)) -print_final_stats=1)
if [[ -f dict/$target.dict ]]; then
    options+=("-dict=dict/$target.dict")
fi
cargo fuzz run -s none "$target" "corpus/$target" "seeds/$target" -- "${options[@]}"
