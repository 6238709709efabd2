import { Node } from 'constructs';
import { Architecture } from 'aws-cdk-lib/aws-lambda';

/** Deployment settings, read from CDK context (`-c key=value` or cdk.json). */
export interface CalsyncConfig {
  /** Suffix of the stack name, so several stages coexist in one account. */
  readonly stage: string;
  /** Where the alarms go; no subscription when unset. */
  readonly alarmEmail?: string;
  readonly architecture: Architecture;
  /** Use a placeholder asset instead of `target/lambda/<name>/` (tests, CI, fresh clones). */
  readonly skipBuild: boolean;
  /** Alarm when fewer webhook notifications than this arrive per hour, two hours running; 0 = no alarm. */
  readonly notificationFloorPerHour: number;
}

const STAGE = /^[a-z][a-z0-9-]{0,19}$/;
// Deliberately loose: SNS validates the address, this only catches a swapped argument.
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export function readConfig(node: Node): CalsyncConfig {
  const text = (key: string): string | undefined => {
    const value: unknown = node.tryGetContext(key);
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };

  const stage = text('stage') ?? 'dev';
  if (!STAGE.test(stage)) {
    throw new Error(`context stage=${stage}: use 1-20 of a-z, 0-9 and '-', starting with a letter`);
  }

  const alarmEmail = text('alarmEmail');
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) {
    throw new Error(`context alarmEmail=${alarmEmail} is not an email address`);
  }

  const arch = text('arch') ?? 'arm64';
  let architecture: Architecture;
  switch (arch) {
    case 'arm64':
      architecture = Architecture.ARM_64;
      break;
    case 'x86_64':
    case 'x86-64':
      architecture = Architecture.X86_64;
      break;
    default:
      throw new Error(`context arch=${arch}: use arm64 or x86_64`);
  }

  const floor = Number(text('notificationFloorPerHour') ?? '1');
  if (!Number.isFinite(floor) || floor < 0) {
    throw new Error(`context notificationFloorPerHour=${text('notificationFloorPerHour')}: use a number >= 0`);
  }

  return {
    stage,
    alarmEmail,
    architecture,
    skipBuild: text('skipBuild') === 'true',
    notificationFloorPerHour: floor,
  };
}
