/**
 * Synthesizes ca-repo in-process from a configuration, as `npx cdk synth` would (same app builder,
 * cdk.json's feature flags), into a directory the evidence pack then reads like any `cdk.out`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { buildCaRepoApp, type CaRepoStacks } from '../lib/build-app.ts';
import type { CaRepoConfig } from '../lib/config.ts';

const CDK_JSON = fileURLToPath(new URL('../cdk.json', import.meta.url));

export interface SynthesizeOptions {
  /** Directory the cloud assembly is written to. */
  outdir: string;
  /** Scratch directory for built function code. */
  buildDirectory?: string;
  /**
   * Bundle the Lambda code (default false). The templates the evidence reads are the same either
   * way; CDK's `aws:cdk:bundling-stacks` context skips the esbuild runs, which only cost time here.
   */
  bundling?: boolean;
  /** Called after the stacks are built and before synthesis (tests add a construct here). */
  beforeSynth?: (stacks: CaRepoStacks) => void;
}

/** The feature flags of cdk.json, so the templates match what `cdk synth` writes. */
export function readCdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(CDK_JSON, 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

/** Builds the app from `config` and writes its cloud assembly to `options.outdir`; returns that directory. */
export function synthesizeAssembly(config: CaRepoConfig, options: SynthesizeOptions): string {
  const context: Record<string, unknown> = {
    ...readCdkJsonContext(),
    // What the CDK CLI sets for `cdk synth`: construct paths and asset directories in the template
    // metadata, which the evidence reads (the trust layer's certificates, CDK's own helpers).
    'aws:cdk:enable-path-metadata': true,
    'aws:cdk:enable-asset-metadata': true,
  };
  if (!options.bundling) context['aws:cdk:bundling-stacks'] = [];
  // Schema validation is the job of `cdk synth` and the infra tests; the evidence only reads.
  const app = new App({ outdir: options.outdir, context, builtinCloudFormationValidation: false });
  const stacks = buildCaRepoApp(app, config, { buildDirectory: options.buildDirectory });
  options.beforeSynth?.(stacks);
  return app.synth().directory;
}
