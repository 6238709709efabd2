import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AwsSolutionsChecks } from 'cdk-nag';
import { synth } from './synth';

const findings = (context: Record<string, string>) => {
  const { app } = synth(context);
  const report = new AwsSolutionsChecks(app).validateScope(app);
  return report.violations
    .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`))
    .sort();
};

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing that is not acknowledged', () => {
    assert.deepEqual(findings({}), []);
  });

  it('acknowledges exactly what it would otherwise find (no stale acknowledgements)', () => {
    // The only acknowledgement: routes without an API Gateway authorizer (see lib/calsync-stack.ts).
    const routes = ['POST--webhooks--google', 'POST--webhooks--graph', 'POST--webhooks--graph--lifecycle',
      'ANY--api--{proxy+}', 'GET--oauth--google--callback', 'GET--oauth--microsoft--callback'];
    assert.deepEqual(
      findings({ nagAcknowledgements: 'false' }),
      routes.map((r) => `AwsSolutions-APIG4 CalsyncStack-dev/HttpApi/${r}/Resource`).sort(),
    );
  });
});
