#!/usr/bin/env bash
# The reader's whole training on one GPU: docs/scripts/train_reader_chain.sh with DEVICE=cuda (every stage
# from the base model with shared normalisation over two windows, then the calibration).
#   bash docs/scripts/train_reader_gpu.sh OUT_DIR
# Needs torch's CUDA build (the README's GPU set-up) and ../shared/data; --device cuda stops at once, with
# a message, where torch finds no GPU. Fine-tuning, the calibration's reading and the encoding of the
# calibration articles all run on the GPU. Then: bash docs/scripts/measure_reader.sh OUT_DIR/reader OUT_DIR/measures
set -euo pipefail
export CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-0}  # one GPU
DEVICE=cuda exec bash "$(dirname "$0")/train_reader_chain.sh" "$@"
