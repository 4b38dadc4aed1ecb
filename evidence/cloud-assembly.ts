/**
 * The synthesized cloud assembly (`cdk.out`) as plain data: the stacks named by manifest.json with
 * their environments and CloudFormation templates, and the construct tree from tree.json. The
 * evidence pack is derived from this alone, never from a hand-kept inventory, so what it shows is
 * what `cdk deploy` would deploy.
 *
 * Resources are read from the template objects on every call rather than copied once: a test (or a
 * reviewer trying "what if") can edit a template in memory and every check sees the edit.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export class CloudAssemblyError extends Error {
  override name = 'CloudAssemblyError';
}

export interface CfnResourceJson {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  DependsOn?: string | string[];
  Condition?: string;
}

export interface CfnTemplate {
  Description?: string;
  Resources: Record<string, CfnResourceJson>;
  Outputs?: Record<string, { Value: unknown; Description?: string; Export?: unknown }>;
  [section: string]: unknown;
}

export interface TreeNode {
  id: string;
  path: string;
  children?: Record<string, TreeNode>;
  attributes?: Record<string, unknown>;
  constructInfo?: { fqn: string; version?: string };
}

export interface StackArtifact {
  /** Artifact ID in manifest.json, which is also the construct ID of the stack. */
  artifactId: string;
  /** The CloudFormation stack name `cdk deploy` uses. */
  stackName: string;
  account: string;
  region: string;
  templateFile: string;
  terminationProtection: boolean;
  template: CfnTemplate;
}

/**
 * One resource of one template, with where it came from. Properties are read through to the
 * template JSON, and one instance stands for one resource object, so identity comparisons hold.
 */
export class AssemblyResource {
  constructor(
    readonly stack: StackArtifact,
    readonly logicalId: string,
    private readonly json: CfnResourceJson,
  ) {}

  get type(): string {
    return this.json.Type;
  }

  get properties(): Record<string, unknown> {
    return this.json.Properties ?? {};
  }

  get metadata(): Record<string, unknown> {
    return this.json.Metadata ?? {};
  }

  get deletionPolicy(): string | undefined {
    return this.json.DeletionPolicy;
  }

  /** The path exactly as the template records it (`aws:cdk:path`), or ''. */
  get cdkPath(): string {
    const path = this.metadata['aws:cdk:path'];
    return typeof path === 'string' ? path : '';
  }

  /** Construct path without the trailing `/Resource` or `/Default`; stack/logical ID when absent. */
  get path(): string {
    const cdkPath = this.cdkPath;
    return cdkPath
      ? cdkPath.replace(/\/(Resource|Default)$/, '')
      : `${this.stack.artifactId}/${this.logicalId}`;
  }

  /** `stack/LogicalId`, unique in the assembly. */
  get key(): string {
    return `${this.stack.artifactId}/${this.logicalId}`;
  }
}

export class CloudAssembly {
  constructor(
    /** Where the assembly was read from (its asset directories are resolved against it). */
    readonly directory: string,
    readonly stacks: readonly StackArtifact[],
    readonly tree: TreeNode | undefined,
  ) {}

  stack(artifactId: string): StackArtifact {
    const found = this.stacks.find((s) => s.artifactId === artifactId || s.stackName === artifactId);
    if (!found) {
      throw new CloudAssemblyError(
        `no stack ${artifactId} in the assembly (has ${this.stacks.map((s) => s.artifactId).join(', ')})`,
      );
    }
    return found;
  }

  /** Every resource of every stack, in manifest then template order. */
  resources(): AssemblyResource[] {
    return this.stacks.flatMap((stack) => resourcesOf(stack));
  }

  ofType(...types: string[]): AssemblyResource[] {
    return this.resources().filter((r) => types.includes(r.type));
  }

  /** A resource by stack and logical ID (a `Ref`/`Fn::GetAtt` target is always in the same stack). */
  find(stack: StackArtifact, logicalId: string): AssemblyResource | undefined {
    const json = stack.template.Resources[logicalId];
    return json && toResource(stack, logicalId, json);
  }

  /** The bucket whose literal `BucketName` is `name`, in any stack (cross-stack and cross-Region links use names). */
  bucketNamed(name: string): AssemblyResource | undefined {
    return this.ofType('AWS::S3::Bucket').find((b) => b.properties.BucketName === name);
  }

  /** The construct tree node at a construct path, when tree.json was read. */
  treeNode(path: string): TreeNode | undefined {
    let node = this.tree;
    if (!node) return undefined;
    for (const id of path.split('/')) {
      node = node.children?.[id];
      if (!node) return undefined;
    }
    return node;
  }
}

/** One AssemblyResource per template resource object, so the same resource is the same instance. */
const instances = new WeakMap<CfnResourceJson, AssemblyResource>();

function toResource(stack: StackArtifact, logicalId: string, json: CfnResourceJson): AssemblyResource {
  let resource = instances.get(json);
  if (!resource || resource.stack !== stack || resource.logicalId !== logicalId) {
    resource = new AssemblyResource(stack, logicalId, json);
    instances.set(json, resource);
  }
  return resource;
}

export function resourcesOf(stack: StackArtifact): AssemblyResource[] {
  return Object.entries(stack.template.Resources ?? {}).map(([logicalId, json]) =>
    toResource(stack, logicalId, json),
  );
}

interface ManifestJson {
  artifacts?: Record<
    string,
    {
      type: string;
      environment?: string;
      properties?: {
        templateFile?: string;
        stackName?: string;
        terminationProtection?: boolean;
        file?: string;
      };
      displayName?: string;
    }
  >;
}

async function readJson<T>(file: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CloudAssemblyError(
      `cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new CloudAssemblyError(`${what} ${file} is not JSON: ${(error as Error).message}`);
  }
}

/** `aws://123456789012/ap-northeast-1`; `unknown-account`/`unknown-region` for environment-agnostic stacks. */
function parseEnvironment(environment: string | undefined): { account: string; region: string } {
  const match = /^aws:\/\/([^/]+)\/(.+)$/.exec(environment ?? '');
  return { account: match?.[1] ?? 'unknown-account', region: match?.[2] ?? 'unknown-region' };
}

/** Reads manifest.json, every stack template it names, and tree.json when present. */
export async function readCloudAssembly(directory: string): Promise<CloudAssembly> {
  const manifestFile = join(directory, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new CloudAssemblyError(
      `${directory} is not a cloud assembly (no manifest.json); run \`npx cdk synth\` first or omit --assembly`,
    );
  }
  const manifest = await readJson<ManifestJson>(manifestFile, 'manifest');
  const stacks: StackArtifact[] = [];
  let treeFile: string | undefined;
  for (const [artifactId, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type === 'cdk:tree') treeFile = artifact.properties?.file;
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const templateFile = artifact.properties?.templateFile ?? `${artifactId}.template.json`;
    const template = await readJson<CfnTemplate>(join(directory, templateFile), 'template');
    const { account, region } = parseEnvironment(artifact.environment);
    stacks.push({
      artifactId,
      stackName: artifact.properties?.stackName ?? artifactId,
      account,
      region,
      templateFile,
      terminationProtection: artifact.properties?.terminationProtection === true,
      template: { ...template, Resources: template.Resources ?? {} },
    });
  }
  if (stacks.length === 0) throw new CloudAssemblyError(`${manifestFile} names no CloudFormation stack`);
  const treePath = join(directory, treeFile ?? 'tree.json');
  const tree = existsSync(treePath)
    ? (await readJson<{ tree: TreeNode }>(treePath, 'construct tree')).tree
    : undefined;
  return new CloudAssembly(directory, stacks, tree);
}
