/**
 * The CDK app (`npx cdk synth`, see cdk.json). Composition root: the only place that reads the
 * configuration file and the environment; constructs get plain values.
 *
 *   npx cdk synth                                  # ca-repo.config.example.json
 *   npx cdk synth -c config=ca-repo.config.json    # or CA_REPO_CONFIG=ca-repo.config.json
 *   npx cdk synth -c replicaRegion=none            # the same configuration without a replica Region
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { addNagChecks, buildCaRepoApp } from '../lib/build-app.ts';
import { ConfigError, loadConfig, type CaRepoConfig } from '../lib/config.ts';

const EXAMPLE_CONFIG = fileURLToPath(new URL('../ca-repo.config.example.json', import.meta.url));

/** `-c replicaRegion=none` drops the replica; `-c replicaRegion=REGION` sets or changes it. */
function applyReplicaOverride(config: CaRepoConfig, override: unknown): CaRepoConfig {
  if (override === undefined) return config;
  const { replicaRegion: _dropped, ...rest } = config;
  if (override === 'none' || override === false || override === 'false') return rest;
  if (typeof override !== 'string' || override === config.primaryRegion) {
    throw new ConfigError(`context replicaRegion: "${String(override)}" must be "none" or another Region`);
  }
  return { ...rest, replicaRegion: override };
}

async function main(): Promise<void> {
  const app = new App();
  const fromContext = app.node.tryGetContext('config') as string | undefined;
  const file = fromContext ?? process.env.CA_REPO_CONFIG;
  const config = applyReplicaOverride(
    await loadConfig(file ? resolve(file) : EXAMPLE_CONFIG),
    app.node.tryGetContext('replicaRegion'),
  );
  buildCaRepoApp(app, config);
  addNagChecks(app);
  app.synth();
}

try {
  await main();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`ca-repo configuration error: ${error.message}`);
  process.exit(1);
}
