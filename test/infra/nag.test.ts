/**
 * cdk-nag (AwsSolutions) runs on every synth. These tests show that an unacknowledged error fails
 * the synth, that each acknowledgement silences a finding that really occurs (no stale ones), and
 * that docs/deploy.md lists every acknowledgement.
 */
import { readFileSync } from 'node:fs';
import { App, Validations, type Acknowledgment } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildCaRepoApp } from '../../lib/build-app.ts';
import { PACKAGE_ROOT, exampleConfig, nagFindings, synthCaRepo } from './synth-app.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('cdk-nag AwsSolutions', () => {
  it('fails the synth on an unacknowledged error', async () => {
    const synth = synthCaRepo({}, (stacks) => {
      // No access logs, no TLS-only policy: AwsSolutions-S1 and S10 are errors.
      new s3.Bucket(stacks.primary, 'UncheckedBucket');
    });
    await expect(synth).rejects.toThrow(/AwsSolutions-S1\b[\s\S]*UncheckedBucket/);
    await expect(synthCaRepo({}, (stacks) => new s3.Bucket(stacks.primary, 'UncheckedBucket'))).rejects.toThrow(
      /AwsSolutions-S10\b/,
    );
  });

  it('every acknowledgement silences a finding that occurs, and only those findings occur', async () => {
    const acknowledged: { path: string; id: string; reason: string }[] = [];
    vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(function (
      this: Validations,
      ...rules: Acknowledgment[]
    ) {
      const scope = (this as unknown as { scope: IConstruct }).scope;
      for (const rule of rules) acknowledged.push({ path: scope.node.path, ...rule });
    });
    const app = new App();
    buildCaRepoApp(app, await exampleConfig());
    const findings = nagFindings(app);

    const nagAcknowledgements = acknowledged.filter((a) => a.id.startsWith('AwsSolutions-'));
    for (const ack of nagAcknowledgements) {
      const silenced = findings.filter((f) => f.rule === ack.id && `${f.path}/`.startsWith(`${ack.path}/`));
      expect(silenced, `${ack.path}: ${ack.id} acknowledges nothing`).not.toHaveLength(0);
    }
    for (const finding of findings) {
      const covered = nagAcknowledgements.some(
        (a) => a.id === finding.rule && `${finding.path}/`.startsWith(`${a.path}/`),
      );
      expect(covered, `${finding.path}: ${finding.rule} is not acknowledged`).toBe(true);
    }
    for (const ack of acknowledged) {
      expect(ack.reason.length, `${ack.id} needs a specific reason`).toBeGreaterThan(80);
    }
  });

  it('docs/deploy.md lists every acknowledgement with the construct it applies to', async () => {
    const acknowledged: { path: string; id: string }[] = [];
    vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(function (
      this: Validations,
      ...rules: Acknowledgment[]
    ) {
      const scope = (this as unknown as { scope: IConstruct }).scope;
      for (const rule of rules) acknowledged.push({ path: scope.node.path, id: rule.id });
    });
    buildCaRepoApp(new App(), await exampleConfig());
    const docs = readFileSync(`${PACKAGE_ROOT}docs/deploy.md`, 'utf8');
    const rows = docs.split('\n').filter((line) => line.startsWith('| `'));
    for (const { path, id } of acknowledged) {
      const row = rows.find((r) => r.includes(`\`${id}\``) && r.includes(`\`${path}\``));
      expect(row, `docs/deploy.md has no row for ${id} on ${path}`).toBeDefined();
    }
  });
});
