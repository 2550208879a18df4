#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600) one after another, on the committed
# corpus (`corpus.tar.gz`, unpacked into `corpus/` on the first run; new inputs that reach
# new code are added there), and prints libFuzzer's summary of each.
# Usage: fuzz/run_all.sh [SECONDS]. To update the committed corpus afterwards:
#   cargo +nightly fuzz cmin -s none TARGET corpus/TARGET   (each target)
#   tar czf corpus.tar.gz corpus
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
# The corpora are kept compressed in the repository (they hold tens of thousands of inputs).
[ -d corpus ] || tar xzf corpus.tar.gz
for target in mat5 image_decode manifest_csv train_config split_json model_file state_file; do
  mkdir -p "corpus/$target" artifacts
  echo "== $target, ${seconds} s"
  cargo +nightly fuzz run -s none "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=131072 -rss_limit_mb=2048 -timeout=20 \
    -artifact_prefix="artifacts/$target-" -print_final_stats=1 > "artifacts/$target.log" 2>&1 \
    || echo "$target: libFuzzer exited with status $? (see fuzz/artifacts/$target.log)"
  grep -E "^(Done|#[0-9]+ *DONE)|stat::number_of_executed_units|stat::peak_rss_mb|SUMMARY|panicked" \
    "artifacts/$target.log" || true
done
