#!/usr/bin/env bash
# The reader's whole training from the base model, every stage with shared normalisation over
# WINDOWS contexts, then its calibration; resumable: run it again after an interruption and it
# skips the finished stages and resumes the interrupted one from its last checkpoint.
#   DEVICE=cuda bash docs/scripts/train_reader_chain.sh OUT_DIR      # one GPU (docs/scripts/train_reader_gpu.sh)
#   DEVICE=cpu  bash docs/scripts/train_reader_chain.sh OUT_DIR      # 2 CPU cores: hours, over several sittings
# Stages (every question of SQuAD train's 394 training articles is read once; the 48 calibration
# articles never are):
#   1: 38,000 questions, lr 1e-4;  2: 30,000 that stage 1 did not draw, lr 5e-5;
#   3: the 11,029 left, with swapped-name and missing-answer negatives, lr 5e-5; then the calibration.
# Environment: DEVICE (auto), WINDOWS (2), SCALE (1: a fraction such as 0.001 gives a quick smoke run),
#   BF16 (1: bfloat16 autocast, 1.3x faster a step on AVX-512 BF16 CPUs; 0: fp32).
# Logs in OUT_DIR/stageN.log and OUT_DIR/calibrate.log; the calibrated reader is OUT_DIR/reader;
# measure it with docs/scripts/measure_reader.sh OUT_DIR/reader OUT_DIR/measures.
set -euo pipefail
out=${1:?give the folder to train into}
device=${DEVICE:-auto}
windows=${WINDOWS:-2}
scale=${SCALE:-1}
precision=(); if [ "${BF16:-1}" = 1 ]; then precision=(--bf16); fi
data=../shared/data
v=.venv/bin/verbatim
news=(--news "$data/news-dev/rtqa-news-2024h1.squad.json:2024-03-31"
      --news "$data/news-dev/rtqa-evidence-2020-2022.squad.json:2021-12-31")
mkdir -p "$out"
count() { python3 -c "import sys; print(max(1, round(int(sys.argv[1]) * float(sys.argv[2]))))" "$1" "$scale"; }
n1=$(count 38000); n2=$(count 30000); n3=$(count 11029)

stage() {  # stage NAME [train reader options]: skipped when its weights exist, resumed when its checkpoint does
  local name=$1; shift
  local dir="$out/$name"
  if [ -f "$dir/reader.safetensors" ]; then echo "== $name: done before, skipped"; return; fi
  local resume=()
  if [ -f "$out/$name-state/training-state.pt" ]; then resume=(--resume); fi
  echo "== $name $(date +%T) ${resume[*]}"
  "$v" train reader --device "$device" --windows "$windows" "${precision[@]}" --checkpoint "$out/$name-state" --out "$dir" \
    "${resume[@]}" "$@" > "$out/$name.log" 2>&1
}

stage stage1 --seed 0 --examples "$n1" --learning-rate 1e-4 --no-calibrate
stage stage2 --init "$out/stage1" --after "$n1" --after-seed 0 --seed 1 --examples "$n2" \
  --learning-rate 5e-5 --no-calibrate
stage stage3 --init "$out/stage2" --after "$n1" --after-seed 0 --after "$n2" --after-seed 1 --seed 7 \
  --examples "$n3" --swapped 0.2 --missing 0.15 --learning-rate 5e-5 --no-calibrate
mkdir -p "$out/reader"
cp "$out/stage3/reader.safetensors" "$out/reader/"
echo "== calibrate $(date +%T)"
"$v" train calibrate --device "$device" --out "$out/reader" --passes "$windows" --answer-rate 0.87 \
  --news-question-weight 2 "${news[@]}" > "$out/calibrate.log" 2>&1
echo "== done $(date +%T): $out/reader"
