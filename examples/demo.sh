#!/usr/bin/env bash
# make demo: the example analysis of the bundled participation survey
# (examples/data/participation_survey.csv, made by `partreg simulate`;
# docs/simulator.md has the true models, docs/tutorial.md walks through it).
set -euo pipefail
bin=${1:-build/partreg}
data=$(dirname "$0")/data/participation_survey.csv
formula_x="social_capital + insured + age + education + log(income)"

echo "== Who takes part in community governance? (binary logit, cluster-robust SEs by community)"
"$bin" fit "$data" --formula "participated ~ $formula_x" --levels no,yes \
  --ref education=primary --vcov cluster --cluster community --margins

echo
echo "== Willingness to take part (1-5, proportional-odds logit, cluster-robust SEs) with the Brant test"
"$bin" fit "$data" --formula "willingness ~ $formula_x" --ref education=primary \
  --vcov cluster --cluster community --brant
echo
echo "JSON of any of these: add --format json. Options: $bin fit --help"

# The HTML report of the participation model: tables and figures in one file.
report="$(dirname "$bin")/report.html"
"$bin" report "$data" --formula "participated ~ $formula_x" --levels no,yes \
  --ref education=primary --vcov cluster --cluster community --margins --curve income \
  --out "$report" >/dev/null
echo "Report with tables and figures: $report (open it in a browser)"
