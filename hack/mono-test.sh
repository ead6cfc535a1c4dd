#!/usr/bin/env bash
# make test: every lint and test task of every component through the built
# mono (mono run lint --all, then mono run test --all), cached locally in
# .mono/cache: a task whose inputs did not change is replayed, not run.
# What the tasks run is declared in mono.yaml and the component.yaml files;
# TestIntegrationMonoRunCoversMakeTest checks that they cover every Go
# package and every linter of the direct paths (hack/lint.sh,
# hack/test-go.sh). --continue: after a failure the tasks that do not depend
# on it still run; each failed task's log is printed in full.
set -euo pipefail
cd "$(dirname "$0")/.."
hack/tools.sh
hack/npm-ci.sh
export PATH="$PWD/.mono/tools/bin:$PATH"
# Tests talk to emulators on loopback only: never let the AWS SDK ask the
# EC2 instance metadata address for credentials (a declared task variable).
export AWS_EC2_METADATA_DISABLED=true
.mono/bin/mono run lint --all --continue "$@"
.mono/bin/mono run test --all --continue "$@"
