#!/usr/bin/env bash
# Benchmark orders-api against FastAPI + uvicorn and a bare net/http + pgx
# handler (see bench/api/README.md). Flags pass through, e.g.
#   bench/api/run.sh -duration 5s -warmup 1s
set -euo pipefail
cd "$(dirname "$0")/../.."
exec go run ./bench/api "$@"
