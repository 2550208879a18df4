#!/usr/bin/env bash
# The GPU measurements of Hallucinated-IQA in one run, on a machine with an NVIDIA GPU, a
# CUDA build of `iqa` (cargo build --release --features cuda) and PyTorch:
#   1. correctness: a tiny model trained for a few steps on the CPU scores the same images
#      on cpu and cuda:0 (the printed difference should be float rounding);
#   2. `iqa bench` on cuda:0 for both presets, and the PyTorch peer in the same run;
#   3. a short training run of the paper preset on a LIVE-like synthetic database, with its
#      log, wall time and the GPU's peak memory.
# Usage: benches/gpu_check.sh IQA_BINARY OUT_DIR [TRAIN_SCALE]
# TRAIN_SCALE scales the paper preset's schedule (default 0.01: a few minutes).
set -euo pipefail
IQA=$1
OUT=$2
SCALE=${3:-0.01}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
WORK=$(mktemp -d)
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/gpu.csv" || true

echo "== 1. CPU and CUDA agree"
"$IQA" synth --out "$WORK/small" --scenes 3 --size 192x192 --levels 2 > /dev/null
cat > "$WORK/small.toml" <<TOML
preset = "tiny"
batch_size = 4
[steps]
pretrain = 2
joint = 2
regressor = 2
TOML
"$IQA" train --config "$WORK/small.toml" --db manifest --root "$WORK/small/manifest.csv" \
    --random-vgg --out "$WORK/small-run" --json > "$OUT/small_train.json"
images=$(ls "$WORK"/small/dist/*.png | head -5)
"$IQA" score --model "$WORK/small-run/model.safetensors" --device cpu --json $images > "$OUT/score_cpu.jsonl"
"$IQA" score --model "$WORK/small-run/model.safetensors" --device cuda:0 --json $images > "$OUT/score_cuda.jsonl"
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
cpu = [json.loads(l)["score"] for l in open(f"{out}/score_cpu.jsonl")]
gpu = [json.loads(l)["score"] for l in open(f"{out}/score_cuda.jsonl")]
print("max |cpu - cuda| =", max(abs(a - b) for a, b in zip(cpu, gpu)), "over", len(cpu), "images")
PY

echo "== 2. iqa bench and the PyTorch peer"
for preset in tiny paper; do
    batches=1,8,32,128
    [ "$preset" = paper ] && batches=1,8,32
    "$IQA" bench --device cuda:0 --preset $preset --batch $batches --json > "$OUT/bench_$preset.json" \
        || echo "bench $preset failed (see stderr)"
    python3 "$HERE/hiqa_torch_peer.py" --device cuda:0 --preset $preset --batch $batches --json \
        > "$OUT/torch_$preset.json" || echo "torch peer $preset failed"
done

echo "== 3. paper preset training on a LIVE-like synthetic database"
"$IQA" synth --out "$WORK/live" --scenes 29 --size 512x384 > /dev/null
cat > "$WORK/paper.toml" <<TOML
preset = "paper"
log_every = 10
TOML
"$IQA" train --print-config --config "$WORK/paper.toml" > "$WORK/paper-full.toml"
python3 - "$WORK/paper-full.toml" "$SCALE" <<'PY'
import re, sys
path, scale = sys.argv[1], float(sys.argv[2])
text = open(path).read()
def scaled(m):
    return f"{m.group(1)} = {max(1, int(int(m.group(2)) * scale))}"
text = re.sub(r"^(pretrain|joint|regressor) = (\d+)$", scaled, text, flags=re.M)
open(path, "w").write(text)
PY
(while true; do nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits; sleep 2; done) \
    > "$OUT/memory_mib.txt" 2>/dev/null &
SAMPLER=$!
start=$(date +%s)
"$IQA" train --config "$WORK/paper-full.toml" --db manifest --root "$WORK/live/manifest.csv" \
    --device cuda:0 --random-vgg --out "$WORK/paper-run" --json > "$OUT/paper_train.json" || echo "training failed"
echo "wall seconds: $(( $(date +%s) - start ))" | tee "$OUT/paper_wall.txt"
kill $SAMPLER || true
cp "$WORK/paper-run/log.jsonl" "$OUT/paper_log.jsonl" 2>/dev/null || true
echo "peak GPU memory (MiB): $(sort -n "$OUT/memory_mib.txt" | tail -1)"
rm -rf "$WORK"
