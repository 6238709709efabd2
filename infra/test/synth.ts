import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CalsyncStack } from '../lib/calsync-stack';
import { readConfig } from '../lib/config';

type Synthesized = { app: App; stack: CalsyncStack; template: Template };
const cache = new Map<string, Synthesized>();

/**
 * Synthesizes CalsyncStack as `cdk synth -c skipBuild=true -c <context>` would; memoized,
 * the tests only read the result.
 */
export function synth(context: Record<string, string> = {}): Synthesized {
  const cacheKey = JSON.stringify(Object.entries(context).sort());
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const app = new App({ context: { skipBuild: 'true', ...context } });
  const config = readConfig(app.node);
  const stack = new CalsyncStack(app, `CalsyncStack-${config.stage}`, { config });
  const synthesized = { app, stack, template: Template.fromStack(stack) };
  cache.set(cacheKey, synthesized);
  return synthesized;
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
