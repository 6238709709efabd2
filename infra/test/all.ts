// One process for all test files: loading aws-cdk-lib and the first synth cost seconds,
// which separate `node --test` processes would each pay again.
import './stack.test';
import './iam.test';
import './observability.test';
import './nag.test';
