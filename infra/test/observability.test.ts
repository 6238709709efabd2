import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { logicalId, resources, synth } from './synth';

describe('alarms and dashboard', () => {
  const { template } = synth({ alarmEmail: 'ops@example.org' });
  const topic = logicalId(template, 'AWS::SNS::Topic', 'ObservabilityAlarms');
  const alarm = (name: string) =>
    Object.values(resources(template, 'AWS::CloudWatch::Alarm')).find((a) => a.Properties.AlarmName === `calsync-dev-${name}`)!
      .Properties;
  const custom = (metricName: string) => ({ Namespace: 'Calsync', MetricName: metricName, Dimensions: [{ Name: 'Stage', Value: 'dev' }] });

  it('mails the alarm topic, which refuses plain HTTP', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.org',
      TopicArn: { Ref: topic },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('has no subscription without alarmEmail', () => {
    synth().template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('sends every alarm and its recovery to the topic', () => {
    const alarms = Object.values(resources(template, 'AWS::CloudWatch::Alarm'));
    assert.deepEqual(
      alarms.map((a) => a.Properties.AlarmName).sort(),
      ['dlq-not-empty', 'job-failure-rate', 'job-latency-p95', 'notifications-low', 'renewal-failures'].map((n) => `calsync-dev-${n}`),
    );
    for (const a of alarms) {
      assert.deepEqual(a.Properties.AlarmActions, [{ Ref: topic }]);
      assert.deepEqual(a.Properties.OKActions, [{ Ref: topic }]);
    }
  });

  it('alarms on any message in the DLQ', () => {
    const a = alarm('dlq-not-empty');
    assert.equal(a.Namespace, 'AWS/SQS');
    assert.equal(a.MetricName, 'ApproximateNumberOfMessagesVisible');
    assert.deepEqual(a.Dimensions[0].Value, { 'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', 'JobsDlq'), 'QueueName'] });
    assert.equal(a.ComparisonOperator, 'GreaterThanThreshold');
    assert.equal(a.Threshold, 0);
  });

  it('alarms when more than 10 % of jobs fail, computed from JobsFailed / JobsProcessed', () => {
    const a = alarm('job-failure-rate');
    assert.equal(a.ComparisonOperator, 'GreaterThanThreshold');
    assert.equal(a.Threshold, 10);
    assert.equal(a.TreatMissingData, 'notBreaching');
    const expression = a.Metrics.find((m: any) => m.Expression);
    assert.equal(expression.Expression, 'IF(processed > 0, 100 * FILL(failed, 0) / processed, 0)');
    assert.equal(expression.ReturnData, true);
    const stat = (id: string) => a.Metrics.find((m: any) => m.Id === id).MetricStat;
    assert.deepEqual(stat('processed'), { Metric: custom('JobsProcessed'), Period: 300, Stat: 'Sum' });
    assert.deepEqual(stat('failed'), { Metric: custom('JobsFailed'), Period: 300, Stat: 'Sum' });
  });

  it('alarms when p95 job latency exceeds 10 s', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'calsync-dev-job-latency-p95',
      ...custom('JobLatencyMs'),
      ExtendedStatistic: 'p95',
      Threshold: 10000,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('alarms on any renewal failure', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'calsync-dev-renewal-failures',
      ...custom('RenewalFailures'),
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('alarms when notifications drop below the floor, counting silence as zero', () => {
    const a = alarm('notifications-low');
    assert.equal(a.ComparisonOperator, 'LessThanThreshold');
    assert.equal(a.Threshold, 1);
    assert.equal(a.TreatMissingData, 'breaching');
    assert.equal(a.Metrics.find((m: any) => m.Expression).Expression, 'FILL(notifications, 0)');
    assert.deepEqual(a.Metrics.find((m: any) => m.Id === 'notifications').MetricStat.Metric, custom('NotificationsAccepted'));
  });

  it('takes the notification floor from context, and 0 turns the alarm off', () => {
    synth({ notificationFloorPerHour: '20' }).template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'calsync-dev-notifications-low',
      Threshold: 20,
    });
    const quiet = synth({ notificationFloorPerHour: '0' }).template;
    quiet.resourceCountIs('AWS::CloudWatch::Alarm', 4);
  });

  it('draws the custom metrics on a dashboard', () => {
    const body = JSON.stringify(Object.values(resources(template, 'AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    for (const metric of ['JobsProcessed', 'JobsFailed', 'JobLatencyMs', 'NotificationsAccepted', 'RenewalFailures', 'ApproximateNumberOfMessagesVisible']) {
      assert.ok(body.includes(metric), `${metric} on the dashboard`);
    }
  });
});
