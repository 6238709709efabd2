#!/usr/bin/env bash
# The infra checks, offline and without Rust builds or AWS credentials:
#   npm ci; TypeScript compile + assertion tests; `cdk synth` with skipBuild, which runs the
#   cdk-nag AwsSolutions checks and fails on any unacknowledged finding; cfn-lint on the
#   synthesized template (any error or warning fails).
#
#   infra/check.sh              all of it (scripts/test.sh runs this)
#   infra/check.sh --no-install skip npm ci / pip when node_modules and the venv exist
set -euo pipefail

infra=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$infra")
work=${CALSYNC_WORK:-$root/.work}
venv=$work/infra-venv
install=1
[[ ${1:-} == --no-install ]] && install=0

cd "$infra"

say() { printf '[infra] %s\n' "$*" >&2; }

if ((install)) || [[ ! -d node_modules ]]; then
    say "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
fi

# cfn-lint in a venv of its own, rebuilt only when its requirements change.
stamp=$venv/.requirements
if [[ ! -x $venv/bin/cfn-lint ]] || ! cmp -s requirements-lint.txt "$stamp"; then
    say "cfn-lint venv in $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r requirements-lint.txt
    cp requirements-lint.txt "$stamp"
fi

say "npm test (tsc + assertion tests)"
npm test --silent

say "cdk synth -c skipBuild=true (with cdk-nag AwsSolutions)"
rm -rf cdk.out
npx --no-install cdk synth --quiet -c skipBuild=true 2> >(grep -v 'feature flags are not configured' >&2)

say "cfn-lint"
# W3005: CDK always adds DependsOn on a function's role next to the GetAtt of its ARN.
"$venv/bin/cfn-lint" --ignore-checks W3005 -- cdk.out/*.template.json

say "all infra checks passed"
