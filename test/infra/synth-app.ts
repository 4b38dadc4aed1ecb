/**
 * Synthesizes ca-repo exactly as `npx cdk synth` does (same app builder, cdk.json feature flags,
 * cdk-nag registered) from the example configuration plus overrides, for assertion tests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addNagChecks, buildCaRepoApp, type CaRepoStacks } from '../../lib/build-app.ts';
import { validateConfig, type CaRepoConfig } from '../../lib/config.ts';

export const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const EXAMPLE_CONFIG_FILE = `${PACKAGE_ROOT}ca-repo.config.example.json`;

export function exampleConfigJson(): Record<string, unknown> {
  return JSON.parse(readFileSync(EXAMPLE_CONFIG_FILE, 'utf8')) as Record<string, unknown>;
}

/** The example configuration with fields replaced (`undefined` removes a field). */
export async function exampleConfig(overrides: Record<string, unknown> = {}): Promise<CaRepoConfig> {
  const raw: Record<string, unknown> = { ...exampleConfigJson(), ...overrides };
  for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete raw[key];
  return validateConfig(raw, PACKAGE_ROOT);
}

export interface SynthesizedCaRepo {
  app: App;
  config: CaRepoConfig;
  stacks: CaRepoStacks;
  primary: Template;
  replica?: Template;
  edge: Template;
  edgeStack: Stack;
}

/** The feature flags of cdk.json, so tests build exactly what `cdk synth` builds. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(`${PACKAGE_ROOT}cdk.json`, 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

export interface SynthOptions {
  /**
   * Bundle the Lambda code with esbuild (default true). The app is the same either way; without it
   * CDK's own `aws:cdk:bundling-stacks` context (what `cdk deploy --exclusively` uses) skips the
   * NodejsFunction builds, which saves about two seconds per synth in tests that look at other things.
   */
  bundling?: boolean;
  /** Run CDK's built-in CloudFormation schema validation (default true; about five seconds per process). */
  cfnValidation?: boolean;
  /** Called after the stacks are built and before synthesis, e.g. to add a construct. */
  beforeSynth?: (stacks: CaRepoStacks) => void;
}

/** A new app with cdk.json's feature flags, as `cdk synth` creates it. */
export function newApp(options: SynthOptions = {}): App {
  const context = { ...cdkJsonContext() };
  if (options.bundling === false) context['aws:cdk:bundling-stacks'] = [];
  return new App({ context, builtinCloudFormationValidation: options.cfnValidation ?? true });
}

/** Builds, checks with cdk-nag and synthesizes; throws like `cdk synth` on any unacknowledged error. */
export async function synthCaRepo(
  overrides: Record<string, unknown> = {},
  options: SynthOptions = {},
): Promise<SynthesizedCaRepo> {
  const config = await exampleConfig(overrides);
  const app = newApp(options);
  const stacks = buildCaRepoApp(app, config);
  addNagChecks(app);
  options.beforeSynth?.(stacks);
  app.synth();
  const edgeStack = app.node.findChild(stacks.edgeStackName) as Stack;
  return {
    app,
    config,
    stacks,
    primary: Template.fromStack(stacks.primary),
    replica: stacks.replica && Template.fromStack(stacks.replica),
    edge: Template.fromStack(edgeStack),
    edgeStack,
  };
}

export interface RecordedAcknowledgement {
  path: string;
  id: string;
  reason: string;
}

/** Every `Validations.of(x).acknowledge()` in the tree, as construct path, rule ID and reason. */
export function collectAcknowledgements(root: IConstruct): RecordedAcknowledgement[] {
  const found: RecordedAcknowledgement[] = [];
  const visit = (node: IConstruct) => {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ path: node.node.path, id: id.replace(/^annotation::/i, ''), reason });
      }
    }
    node.node.children.forEach(visit);
  };
  visit(root);
  return found;
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

export function resourcesOfType(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/** IAM statements of every identity policy and role inline policy in a template. */
export function identityStatements(template: Template): { owner: string; statement: Statement }[] {
  const result: { owner: string; statement: Statement }[] = [];
  for (const [id, policy] of Object.entries(resourcesOfType(template, 'AWS::IAM::Policy'))) {
    const doc = policy.Properties?.PolicyDocument as { Statement: Statement[] };
    for (const statement of doc.Statement) result.push({ owner: id, statement });
  }
  for (const [id, role] of Object.entries(resourcesOfType(template, 'AWS::IAM::Role'))) {
    const inline = (role.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[];
    for (const policy of inline) {
      for (const statement of policy.PolicyDocument.Statement) result.push({ owner: id, statement });
    }
  }
  return result;
}

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Sid?: string;
}

export function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Logical ID of an L1 resource or of an L2 construct's default child. */
export function logicalId(construct: IConstruct): string {
  const element = construct instanceof CfnElement ? construct : (construct.node.defaultChild as CfnElement);
  const stack = Stack.of(element);
  return stack.resolve(stack.getLogicalId(element)) as string;
}

export interface NagFinding {
  rule: string;
  path: string;
  severity?: string;
}

/** What cdk-nag's AwsSolutions pack reports for the tree now (acknowledged findings are left out). */
export function nagFindings(root: IConstruct): NagFinding[] {
  const report = new AwsSolutionsChecks().validateScope(root);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => ({
      rule: v.ruleName,
      path: r.constructPath ?? '',
      severity: v.severity,
    })),
  );
}

/**
 * A file of the asset a Lambda layer deploys, as the synthesized app staged it: what the function
 * finds under /opt.
 */
export function layerAssetFile(app: App, template: Template, layer: IConstruct, path: string): string {
  const content = template.toJSON().Resources[logicalId(layer)].Properties.Content as { S3Key: string };
  return readFileSync(join(app.outdir, `asset.${content.S3Key.replace(/\.zip$/, '')}`, path), 'utf8');
}

/** Violations in the validation report CDK wrote into the cloud assembly (every plugin). */
export function validationReportViolations(app: App): unknown[] {
  const file = join(app.outdir, 'validation-report.json');
  if (!existsSync(file)) return [];
  const report = JSON.parse(readFileSync(file, 'utf8')) as { pluginReports: { violations?: unknown[] }[] };
  return report.pluginReports.flatMap((r) => r.violations ?? []);
}
