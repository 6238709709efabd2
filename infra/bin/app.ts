import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CalsyncStack } from '../lib/calsync-stack';
import { readConfig } from '../lib/config';

const app = new App();
const config = readConfig(app.node);

new CalsyncStack(app, `CalsyncStack-${config.stage}`, {
  stackName: `calsync-${config.stage}`,
  description: `calsync ${config.stage}: bidirectional calendar sync (serverless)`,
  // Environment-agnostic unless deploying: synth needs no AWS account or credentials.
  env:
    process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
      ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
      : undefined,
  config,
});

// Every synth (and so every deploy) runs the AWS Solutions checks; an unacknowledged
// finding fails it. Acknowledgements sit next to the resource they concern, with a reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
