import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Acknowledges a cdk-nag finding on `scope` (and its children) with a written reason.
 *
 * With context `nagAcknowledgements=false` nothing is acknowledged: the tests synthesize
 * that way to prove every acknowledgement still matches a real finding.
 */
export function acknowledgeNag(scope: IConstruct, ruleId: string, reason: string): void {
  if (scope.node.tryGetContext('nagAcknowledgements') === 'false') {
    return;
  }
  Validations.of(scope).acknowledge({ id: ruleId, reason });
}
