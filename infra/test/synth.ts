import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CalsyncStack } from '../lib/calsync-stack';
import { readConfig } from '../lib/config';

/** Synthesizes CalsyncStack as `cdk synth -c skipBuild=true -c <context>` would. */
export function synth(context: Record<string, string> = {}): { app: App; stack: CalsyncStack; template: Template } {
  const app = new App({ context: { skipBuild: 'true', ...context } });
  const config = readConfig(app.node);
  const stack = new CalsyncStack(app, `CalsyncStack-${config.stage}`, { config });
  return { app, stack, template: Template.fromStack(stack) };
}

type Resources = Record<string, { Type: string; Properties?: any; DependsOn?: unknown }>;

export function resources(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/** The logical id of the only resource of `type` whose id starts with `prefix`. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(resources(template, type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) {
    throw new Error(`expected one ${type} named ${prefix}*, found ${ids.join(', ') || 'none'}`);
  }
  return ids[0];
}
