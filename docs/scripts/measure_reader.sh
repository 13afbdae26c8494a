#!/usr/bin/env bash
# The reader's held-out measures (docs/EVALUATION.md), one after the other (never beside another heavy job).
#   bash docs/scripts/measure_reader.sh READER_DIR OUT_DIR
# Writes OUT_DIR/*.json (the `verbatim eval squad --json` reports) and OUT_DIR/speed.json; the shipped
# reader's are in docs/results/quality/. The swapped-name and CI-slice runs are separate commands
# (docs/EVALUATION.md).
set -euo pipefail
reader=${1:-qa/reader}
out=${2:-docs/results/quality}
data=../shared/data
v=.venv/bin/verbatim
mkdir -p "$out"
run() { local name=$1; shift; echo "== $name $(date +%T)"; "$v" eval squad "$@" --json "$out/$name.json" > "$out/$name.log" 2>&1; }
run squad-dev-rankers "$data/squad-dev-v1.1.json" --limit 1500 --no-reader
run squad-dev "$data/squad-dev-v1.1.json" --limit 1500 --reader-dir "$reader"
run squad2-held-out "$data/squad2-dev-cs224n-half.json" --articles held-out --limit 1500 --reader-dir "$reader"
run news-evidence "$data/news-dev/rtqa-evidence-2020-2022.squad.json" --reader-dir "$reader"
run news-evidence-later "$data/news-dev/rtqa-evidence-2020-2022.squad.json" --reader-dir "$reader" \
  --asked-since 2022-01-01
run news-2024h1 "$data/news-dev/rtqa-news-2024h1.squad.json" --reader-dir "$reader"
run news-2024h1-later "$data/news-dev/rtqa-news-2024h1.squad.json" --reader-dir "$reader" --asked-since 2024-04-01
run foreign-seeds "$data/squad-dev-v1.1.json" --against seeds --limit 1000 --reader-dir "$reader"
echo "== speed $(date +%T)"
.venv/bin/python docs/scripts/reader_speed.py "$reader" --questions 300 > "$out/speed.json" 2> "$out/speed.log"
echo "== done $(date +%T)"
