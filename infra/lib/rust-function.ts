import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The infra/ folder; this file runs compiled from infra/dist/lib/. */
const INFRA_DIR = path.resolve(__dirname, '..', '..');
/** Where `cargo lambda build` puts `<name>/bootstrap`. */
export const LAMBDA_BUILD_DIR = path.resolve(INFRA_DIR, '..', 'target', 'lambda');
export const PLACEHOLDER_DIR = path.resolve(INFRA_DIR, 'assets', 'placeholder');

export interface RustFunctionProps {
  /** The crate in functions/<name>, also the folder under target/lambda/. */
  readonly name: string;
  readonly stage: string;
  readonly architecture: lambda.Architecture;
  readonly skipBuild: boolean;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly environment: Record<string, string>;
}

/**
 * One calsync Lambda function: a cargo-lambda `bootstrap` on provided.al2023, its own log
 * group with retention, and its own role that may write only to that log group. Callers add
 * every other permission with the resources' `grant*` methods.
 */
export class RustFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** True when the placeholder asset was used instead of the cargo-lambda build. */
  readonly placeholder: boolean;

  constructor(scope: Construct, id: string, props: RustFunctionProps) {
    super(scope, id);

    const built = path.join(LAMBDA_BUILD_DIR, props.name);
    this.placeholder = props.skipBuild || !fs.existsSync(path.join(built, 'bootstrap'));

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/calsync-${props.stage}-${props.name}`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // A role of our own instead of AWSLambdaBasicExecutionRole, whose logs:* on every log
    // group in the account cdk-nag (IAM4) rightly flags.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `calsync ${props.stage} ${props.name} function`,
    });
    this.logGroup.grant(this.role, 'logs:CreateLogStream', 'logs:PutLogEvents');

    this.function = new lambda.Function(this, 'Function', {
      functionName: `calsync-${props.stage}-${props.name}`,
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: props.architecture,
      handler: 'bootstrap',
      code: lambda.Code.fromAsset(this.placeholder ? PLACEHOLDER_DIR : built),
      timeout: props.timeout,
      memorySize: props.memorySize,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        CALSYNC_STAGE: props.stage,
        RUST_LOG: 'info',
        ...props.environment,
      },
    });
  }
}
