#!/usr/bin/env bash
# The whole reader training (the shipped reader's last stage, then its calibration) on one GPU.
#   bash docs/scripts/train_reader_gpu.sh OUT_DIR [more `verbatim train reader` options]
# Needs torch's CUDA build (the README's GPU set-up) and ../shared/data; --device cuda stops at once,
# with a message, where torch finds no GPU. Fine-tuning, the calibration's reading and the encoding of
# the calibration articles all run on the GPU. The log goes to OUT_DIR/train.log, the report to
# OUT_DIR/report.json; then measure it with docs/scripts/measure_reader.sh OUT_DIR.
set -euo pipefail
out=${1:?give the folder to write the reader into}
shift
data=../shared/data
mkdir -p "$out"
export CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-0}  # one GPU
.venv/bin/verbatim train reader --device cuda \
  --init qa/reader --after 38000 --after-seed 0 --after 30000 --after-seed 1 --seed 7 --examples 11029 \
  --windows 2 --swapped 0.2 --missing 0.15 --learning-rate 5e-5 --answer-rate 0.87 \
  --news-question-weight 2 \
  --news "$data/news-dev/rtqa-news-2024h1.squad.json:2024-03-31" \
  --news "$data/news-dev/rtqa-evidence-2020-2022.squad.json:2021-12-31" \
  --checkpoint "$out/checkpoint" --out "$out" --json "$out/report.json" "$@" 2>&1 | tee "$out/train.log"
