#!/usr/bin/env bash
# All Go tests, unit and integration (TestIntegration*), race detector on,
# shuffled. Integration tests start the real components they use.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.mono/tools/bin:$PATH"
# Tests talk to emulators on loopback only: never let the AWS SDK ask the
# EC2 instance metadata address for credentials.
export AWS_EC2_METADATA_DISABLED=true
go test -race -shuffle=on -count=1 -timeout 30m ./... "$@"
