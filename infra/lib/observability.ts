import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CalsyncConfig } from './config';
import { RustFunction } from './rust-function';

export interface ObservabilityProps {
  readonly config: CalsyncConfig;
  readonly namespace: string;
  readonly jobs: sqs.IQueue;
  readonly deadLetters: sqs.IQueue;
  readonly functions: RustFunction[];
}

/** Thresholds, exported for the tests and quoted in infra/README.md. */
export const JOB_FAILURE_RATE_PERCENT = 10;
export const JOB_LATENCY_P95_MS = 10_000;

/**
 * The alarms (to an SNS topic with an optional email subscription) and a dashboard.
 *
 * The custom metrics come from the functions in CloudWatch Embedded Metric Format, in
 * namespace `Calsync` with the single dimension `Stage`, so stages in one account stay apart:
 * `JobsProcessed`, `JobsFailed` and `JobLatencyMs` (sync), `RenewalFailures` (scheduler),
 * `NotificationsAccepted` (webhook).
 */
export class Observability extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cw.Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { config } = props;
    const prefix = `calsync-${config.stage}`;

    this.topic = new sns.Topic(this, 'Alarms', {
      displayName: `calsync ${config.stage} alarms`,
      enforceSSL: true,
    });
    if (config.alarmEmail) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
    }
    const notify = new cwActions.SnsAction(this.topic);

    const custom = (metricName: string, statistic: string, period: Duration) =>
      new cw.Metric({
        namespace: props.namespace,
        metricName,
        dimensionsMap: { Stage: config.stage },
        statistic,
        period,
      });
    const fiveMinutes = Duration.minutes(5);
    const processed = custom('JobsProcessed', 'Sum', fiveMinutes);
    const failed = custom('JobsFailed', 'Sum', fiveMinutes);
    const latencyP95 = custom('JobLatencyMs', 'p95', fiveMinutes);
    const renewalFailures = custom('RenewalFailures', 'Sum', fiveMinutes);
    const notifications = custom('NotificationsAccepted', 'Sum', Duration.hours(1));

    const failureRate = new cw.MathExpression({
      // No jobs is no failure: IF keeps an idle stage out of ALARM and away from a division by zero.
      expression: 'IF(processed > 0, 100 * FILL(failed, 0) / processed, 0)',
      usingMetrics: { processed, failed },
      label: 'Job failure rate (%)',
      period: fiveMinutes,
    });

    const alarms: cw.Alarm[] = [];
    const alarm = (a: cw.Alarm) => {
      a.addAlarmAction(notify);
      a.addOkAction(notify);
      alarms.push(a);
      return a;
    };

    alarm(
      new cw.Alarm(this, 'DlqNotEmpty', {
        alarmName: `${prefix}-dlq-not-empty`,
        alarmDescription: 'Jobs failed 5 times and were moved to the DLQ. See infra/README.md#alarms.',
        metric: props.deadLetters.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        threshold: 0,
        evaluationPeriods: 1,
        // SQS reports queue metrics continuously; a gap is not a message.
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
    );

    alarm(
      new cw.Alarm(this, 'JobFailureRate', {
        alarmName: `${prefix}-job-failure-rate`,
        alarmDescription: `More than ${JOB_FAILURE_RATE_PERCENT} % of sync jobs failed in two 5-minute periods running.`,
        metric: failureRate,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        threshold: JOB_FAILURE_RATE_PERCENT,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        // No jobs emitted means no failures.
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
    );

    alarm(
      new cw.Alarm(this, 'JobLatencyP95', {
        alarmName: `${prefix}-job-latency-p95`,
        alarmDescription: `p95 sync job latency above ${JOB_LATENCY_P95_MS / 1000} s for 15 minutes.`,
        metric: latencyP95,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        threshold: JOB_LATENCY_P95_MS,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
    );

    alarm(
      new cw.Alarm(this, 'RenewalFailures', {
        alarmName: `${prefix}-renewal-failures`,
        alarmDescription: 'A Google channel or Graph subscription could not be renewed; push for it will stop.',
        metric: renewalFailures,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        threshold: 0,
        evaluationPeriods: 1,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
    );

    if (config.notificationFloorPerHour > 0) {
      alarm(
        new cw.Alarm(this, 'NotificationsLow', {
          alarmName: `${prefix}-notifications-low`,
          alarmDescription:
            `Fewer than ${config.notificationFloorPerHour} webhook notifications per hour for 2 hours: ` +
            'push may have stopped (expired subscriptions, a broken route, a rejected validation).',
          // The webhook emits nothing when nothing arrives: missing data is the drop itself.
          metric: new cw.MathExpression({
            expression: 'FILL(notifications, 0)',
            usingMetrics: { notifications },
            label: 'Notifications accepted per hour',
            period: Duration.hours(1),
          }),
          comparisonOperator: cw.ComparisonOperator.LESS_THAN_THRESHOLD,
          threshold: config.notificationFloorPerHour,
          evaluationPeriods: 2,
          datapointsToAlarm: 2,
          treatMissingData: cw.TreatMissingData.BREACHING,
        }),
      );
    }

    this.dashboard = new cw.Dashboard(this, 'Dashboard', {
      dashboardName: prefix,
      defaultInterval: Duration.hours(6),
    });
    this.dashboard.addWidgets(
      new cw.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 3 }),
    );
    this.dashboard.addWidgets(
      new cw.GraphWidget({ title: 'Jobs', left: [processed, failed], right: [failureRate], width: 8 }),
      new cw.GraphWidget({
        title: 'Job latency (ms)',
        left: ['p50', 'p95', 'p99'].map((s) => custom('JobLatencyMs', s, fiveMinutes)),
        leftAnnotations: [{ value: JOB_LATENCY_P95_MS, label: 'p95 alarm' }],
        width: 8,
      }),
      new cw.GraphWidget({
        title: 'Queues',
        left: [
          props.jobs.metricApproximateNumberOfMessagesVisible(),
          props.deadLetters.metricApproximateNumberOfMessagesVisible(),
        ],
        right: [props.jobs.metricApproximateAgeOfOldestMessage()],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cw.GraphWidget({ title: 'Notifications accepted per hour', left: [notifications], width: 8 }),
      new cw.GraphWidget({ title: 'Renewal failures', left: [renewalFailures], width: 8 }),
      new cw.GraphWidget({
        title: 'Function errors and throttles',
        left: props.functions.map((f) => f.function.metricErrors({ label: `${f.node.id} errors` })),
        right: props.functions.map((f) => f.function.metricThrottles({ label: `${f.node.id} throttles` })),
        width: 8,
      }),
    );
  }
}
