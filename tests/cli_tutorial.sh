#!/usr/bin/env bash
# The tutorial's outputs are what its commands print now
# (scripts/tutorial.sh; `make tutorial` regenerates them).
# Usage: cli_tutorial.sh BUILD SOURCE
set -u
bash "$2/scripts/tutorial.sh" "$1" --check
