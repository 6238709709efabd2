import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNag } from './nag';
import { CalsyncConfig } from './config';
import { Observability } from './observability';
import { RustFunction } from './rust-function';

export interface CalsyncStackProps extends StackProps {
  readonly config: CalsyncConfig;
}

/** Namespace of the custom metrics the functions emit in CloudWatch Embedded Metric Format. */
export const METRICS_NAMESPACE = 'Calsync';
/** A failed job is retried this many times in all before it lands in the DLQ. */
export const MAX_RECEIVE_COUNT = 5;
/** SQS messages per sync invocation: small, so one slow calendar delays few others. */
export const SYNC_BATCH_SIZE = 5;

/**
 * calsync on AWS: the HTTP API in front of the `webhook` and `api` functions, the
 * EventBridge schedule driving `scheduler`, the job queue consumed by `sync`, one DynamoDB
 * table, the KMS key that seals provider secrets, and alarms with a dashboard.
 */
export class CalsyncStack extends Stack {
  constructor(scope: Construct, id: string, props: CalsyncStackProps) {
    super(scope, id, props);
    const { config } = props;
    const production = config.stage === 'prod';
    const keep = production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // Envelope sealing of OAuth refresh tokens and CalDAV passwords: the functions ask KMS
    // for a data key and store only the sealed secret in the table.
    const secretsKey = new kms.Key(this, 'SecretsKey', {
      alias: `alias/calsync-${config.stage}-secrets`,
      description: `calsync ${config.stage}: envelope key for stored provider secrets`,
      enableKeyRotation: true,
      // A deleted key makes every sealed secret unreadable: keep it, even for dev stages.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Secrets are sealed with `secretsKey` before they reach the table, so the table itself
    // uses the AWS-owned key: no second key to pay for, and no kms grants on every reader.
    const table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'ttl', // epoch seconds, written by the DynamoDB adapter (docs/AWS.md)
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: production,
      removalPolicy: keep,
    });

    const tableEnv = { CALSYNC_TABLE_NAME: table.tableName };
    const metricsEnv = { CALSYNC_METRICS_NAMESPACE: METRICS_NAMESPACE };
    const fn = (name: string, timeout: Duration, memorySize: number, environment: Record<string, string>) =>
      new RustFunction(this, name[0].toUpperCase() + name.slice(1), {
        name,
        stage: config.stage,
        architecture: config.architecture,
        skipBuild: config.skipBuild,
        timeout,
        memorySize,
        environment: { ...tableEnv, ...metricsEnv, ...environment },
      });

    const sync = fn('sync', Duration.seconds(90), 512, { CALSYNC_KMS_KEY_ID: secretsKey.keyArn });

    const deadLetters = new sqs.Queue(this, 'JobsDlq', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const jobs = new sqs.Queue(this, 'Jobs', {
      // AWS's rule for SQS event sources: at least six times the function timeout, so a
      // message is not redelivered while a retried invocation still works on it.
      visibilityTimeout: Duration.seconds(6 * sync.function.timeout!.toSeconds()),
      retentionPeriod: Duration.days(4),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    const queueEnv = { CALSYNC_QUEUE_URL: jobs.queueUrl };
    const webhook = fn('webhook', Duration.seconds(10), 256, queueEnv);
    const api = fn('api', Duration.seconds(29), 256, { ...queueEnv, CALSYNC_KMS_KEY_ID: secretsKey.keyArn });
    const scheduler = fn('scheduler', Duration.seconds(60), 256, queueEnv);

    // Least privilege, function by function.
    jobs.grantSendMessages(webhook.function);
    table.grantReadData(webhook.function);
    // Notification idempotency records only: remembered (PutItem), forgotten when the job
    // could not be queued (DeleteItem).
    table.grant(webhook.function, 'dynamodb:PutItem', 'dynamodb:DeleteItem');

    table.grantReadWriteData(api.function);
    secretsKey.grant(api.function, 'kms:GenerateDataKey', 'kms:Decrypt');
    jobs.grantSendMessages(api.function);

    table.grantReadData(scheduler.function);
    jobs.grantSendMessages(scheduler.function);

    table.grantReadWriteData(sync.function);
    secretsKey.grant(sync.function, 'kms:GenerateDataKey', 'kms:Decrypt');
    // Calendars of links another invocation holds are queued again a few seconds later.
    jobs.grantSendMessages(sync.function);
    sync.function.addEventSource(
      new SqsEventSource(jobs, {
        batchSize: SYNC_BATCH_SIZE,
        reportBatchItemFailures: true,
        // Caps the parallel syncs, and with them the request rate at the providers.
        maxConcurrency: 5,
      }),
    );

    new events.Rule(this, 'SchedulerTick', {
      description: `calsync ${config.stage}: calendar checks and channel/subscription renewals`,
      schedule: events.Schedule.expression('rate(1 minute)'),
      targets: [new targets.LambdaFunction(scheduler.function, { retryAttempts: 2, maxEventAge: Duration.minutes(2) })],
    });

    const httpApi = this.httpApi(config, webhook, api);
    const publicUrl = httpApi.apiEndpoint;
    for (const f of [webhook, api, scheduler]) {
      // Webhook and OAuth redirect URLs registered with Google and Microsoft start here.
      f.function.addEnvironment('CALSYNC_PUBLIC_URL', publicUrl);
    }

    new Observability(this, 'Observability', {
      config,
      namespace: METRICS_NAMESPACE,
      jobs,
      deadLetters,
      functions: [webhook, api, scheduler, sync],
    });

    const placeholders = [webhook, api, scheduler, sync].filter((f) => f.placeholder).map((f) => f.node.id);
    if (placeholders.length > 0) {
      Annotations.of(this).addInfo(
        `placeholder code for ${placeholders.join(', ')}: build with \`cargo lambda build --release --arm64\` before deploying`,
      );
    }

    new CfnOutput(this, 'ApiUrl', { value: publicUrl, description: 'Base URL of the webhooks, OAuth callbacks and API' });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'QueueUrl', { value: jobs.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: deadLetters.queueUrl });
    new CfnOutput(this, 'SecretsKeyArn', { value: secretsKey.keyArn });
  }

  private httpApi(config: CalsyncConfig, webhook: RustFunction, api: RustFunction): apigw.HttpApi {
    const httpApi = new apigw.HttpApi(this, 'HttpApi', {
      apiName: `calsync-${config.stage}`,
      description: `calsync ${config.stage}: provider webhooks, OAuth callbacks, management API`,
      createDefaultStage: false,
    });

    const accessLogs = new logs.LogGroup(this, 'HttpApiAccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      // Google and Graph send bursts when many calendars change at once; well above those,
      // well below what would run up a bill.
      throttle: { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    const toWebhook = new HttpLambdaIntegration('Webhook', webhook.function);
    const toApi = new HttpLambdaIntegration('Api', api.function);
    const routes: [apigw.HttpMethod, string, HttpLambdaIntegration][] = [
      [apigw.HttpMethod.POST, '/webhooks/google', toWebhook],
      [apigw.HttpMethod.POST, '/webhooks/graph', toWebhook],
      [apigw.HttpMethod.POST, '/webhooks/graph/lifecycle', toWebhook],
      [apigw.HttpMethod.ANY, '/api/{proxy+}', toApi],
      [apigw.HttpMethod.GET, '/oauth/google/callback', toApi],
      [apigw.HttpMethod.GET, '/oauth/microsoft/callback', toApi],
    ];
    for (const [method, path, integration] of routes) {
      httpApi.addRoutes({ path, methods: [method], integration });
    }

    acknowledgeNag(
      httpApi,
      'AwsSolutions-APIG4',
      'Google and Graph cannot present credentials to an API Gateway authorizer: the webhook function verifies ' +
        'each notification (channel token / clientState) and OAuth callbacks are bound to their signed state; ' +
        'the api function authenticates every /api request itself',
    );
    return httpApi;
  }
}
