#!/bin/sh
# Regenerates every fixture and expected.json deterministically, then checks them.
set -e
cd "$(dirname "$0")"
python3 gen_linkedin.py && python3 gen_forwards.py && python3 gen_misc.py && python3 expected.py && python3 verify.py
