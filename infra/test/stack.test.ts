import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { logicalId, resources, synth } from './synth';

describe('CalsyncStack', () => {
  const { template } = synth();
  const fnId = (name: string) => logicalId(template, 'AWS::Lambda::Function', `${name}Function`);

  it('routes webhooks to the webhook function and the API and OAuth callbacks to the api function', () => {
    const integrations = resources(template, 'AWS::ApiGatewayV2::Integration');
    const routes = Object.values(resources(template, 'AWS::ApiGatewayV2::Route')).map((route) => {
      const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref as string;
      const uri = integrations[integrationId].Properties.IntegrationUri;
      return [route.Properties.RouteKey as string, uri['Fn::GetAtt'][0] as string] as const;
    });
    assert.deepEqual(
      new Map(routes),
      new Map([
        ['POST /webhooks/google', fnId('Webhook')],
        ['POST /webhooks/graph', fnId('Webhook')],
        ['POST /webhooks/graph/lifecycle', fnId('Webhook')],
        ['ANY /api/{proxy+}', fnId('Api')],
        ['GET /oauth/google/callback', fnId('Api')],
        ['GET /oauth/microsoft/callback', fnId('Api')],
      ]),
    );
    assert.equal(routes.length, 6);
  });

  it('serves the $default stage with throttling and JSON access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });

  it('runs four cargo-lambda functions on provided.al2023, arm64 by default, with log retention', () => {
    for (const name of ['webhook', 'api', 'scheduler', 'sync']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `calsync-dev-${name}`,
        Runtime: 'provided.al2023',
        Handler: 'bootstrap',
        Architectures: ['arm64'],
        Environment: { Variables: Match.objectLike({ CALSYNC_STAGE: 'dev', CALSYNC_TABLE_NAME: Match.anyValue() }) },
        LoggingConfig: { LogGroup: Match.anyValue() },
      });
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: `/aws/lambda/calsync-dev-${name}`,
        RetentionInDays: 30,
      });
    }
    template.resourceCountIs('AWS::Lambda::Function', 4);
  });

  it('builds for x86_64 with -c arch=x86_64 and names everything after the stage', () => {
    const { template: other } = synth({ arch: 'x86_64', stage: 'staging' });
    other.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'calsync-staging-sync',
      Architectures: ['x86_64'],
    });
    other.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/calsync-staging-secrets' });
  });

  it('passes each function only the names it needs', () => {
    const env = (name: string) =>
      Object.keys(resources(template, 'AWS::Lambda::Function')[fnId(name)].Properties.Environment.Variables).sort();
    const base = ['CALSYNC_METRICS_NAMESPACE', 'CALSYNC_STAGE', 'CALSYNC_TABLE_NAME', 'RUST_LOG'];
    assert.deepEqual(env('Webhook'), [...base, 'CALSYNC_PUBLIC_URL', 'CALSYNC_QUEUE_URL'].sort());
    assert.deepEqual(env('Api'), [...base, 'CALSYNC_KMS_KEY_ID', 'CALSYNC_PUBLIC_URL', 'CALSYNC_QUEUE_URL'].sort());
    assert.deepEqual(env('Scheduler'), [...base, 'CALSYNC_PUBLIC_URL', 'CALSYNC_QUEUE_URL'].sort());
    assert.deepEqual(env('Sync'), [...base, 'CALSYNC_KMS_KEY_ID'].sort());
  });

  it('keeps one pk/sk table on demand, with point-in-time recovery and TTL on ttl', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('retains the table with deletion protection in prod', () => {
    const { template: prod } = synth({ stage: 'prod' });
    prod.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
  });

  it('seals secrets with a rotating KMS key that survives the stack', () => {
    template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ EnableKeyRotation: true }),
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/calsync-dev-secrets' });
  });

  it('moves a job to the DLQ after 5 receives, with visibility 6x the sync timeout', () => {
    const sync = resources(template, 'AWS::Lambda::Function')[fnId('Sync')].Properties;
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 6 * sync.Timeout,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', 'JobsDlq'), 'Arn'] }, maxReceiveCount: 5 },
    });
    // Both queues refuse plain HTTP.
    for (const policy of Object.values(resources(template, 'AWS::SQS::QueuePolicy'))) {
      assert.match(JSON.stringify(policy.Properties.PolicyDocument), /"aws:SecureTransport":"false"/);
    }
    template.resourceCountIs('AWS::SQS::QueuePolicy', 2);
  });

  it('feeds sync small batches and lets it report partial batch failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId('Sync') },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', 'JobsDF'), 'Arn'] },
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
  });

  it('ticks the scheduler every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId('Scheduler'), 'Arn'] } })],
    });
  });

  it('uses the placeholder asset with skipBuild', () => {
    const { stack } = synth();
    const fns = ['Webhook', 'Api', 'Scheduler', 'Sync'].map((id) => stack.node.findChild(id) as any);
    assert.ok(fns.every((f) => f.placeholder === true));
  });

  it('rejects a malformed stage, architecture or email', () => {
    assert.throws(() => synth({ stage: 'Prod_1' }), /context stage=/);
    assert.throws(() => synth({ arch: 'sparc' }), /context arch=/);
    assert.throws(() => synth({ alarmEmail: 'ops' }), /context alarmEmail=/);
  });
});
