/**
 * cdk-nag (AwsSolutions) runs on every synth. These tests show that an unacknowledged error fails
 * the synth, that each acknowledgement silences a finding that really occurs (no stale ones), and
 * that docs/deploy.md lists every acknowledgement.
 */
import { readFileSync } from 'node:fs';
import { Validations, type Acknowledgment, type App } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { buildCaRepoApp } from '../../lib/build-app.ts';
import {
  PACKAGE_ROOT,
  exampleConfig,
  nagFindings,
  newApp,
  synthCaRepo,
  type NagFinding,
  type RecordedAcknowledgement,
} from './synth-app.ts';

describe('cdk-nag AwsSolutions', () => {
  it('fails the synth on an unacknowledged error', async () => {
    const synth = synthCaRepo(
      {},
      {
        bundling: false,
        cfnValidation: false,
        // No access logs, no TLS-only policy: AwsSolutions-S1 and AwsSolutions-S10 are errors.
        beforeSynth: (stacks) => new s3.Bucket(stacks.primary, 'UncheckedBucket'),
      },
    );
    const error = await synth.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/AwsSolutions-S1\b[\s\S]*UncheckedBucket/);
    expect(error?.message).toMatch(/AwsSolutions-S10\b/);
    expect(error?.message).not.toMatch(/CaRepo\/(Repository|Ingest)\/Bucket/);
  });

  describe('acknowledgements of the example configuration', () => {
    // Built with acknowledgements recorded but not applied, so every finding they would hide shows.
    let app: App;
    let findings: NagFinding[];
    const acknowledged: RecordedAcknowledgement[] = [];

    beforeAll(async () => {
      const spy = vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(function (
        this: Validations,
        ...rules: Acknowledgment[]
      ) {
        const scope = (this as unknown as { scope: IConstruct }).scope;
        for (const rule of rules)
          acknowledged.push({ path: scope.node.path, id: rule.id, reason: rule.reason });
      });
      try {
        app = newApp({ bundling: false });
        buildCaRepoApp(app, await exampleConfig());
        findings = nagFindings(app);
      } finally {
        spy.mockRestore();
      }
    });

    it('each silences a cdk-nag finding that occurs, and every finding is acknowledged', () => {
      const nagAcknowledgements = acknowledged.filter((a) => a.id.startsWith('AwsSolutions-'));
      expect(nagAcknowledgements.length).toBeGreaterThan(0);
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
    });

    it('each acknowledged CDK warning occurs, and every reason is specific', () => {
      const warnings = app.node
        .findAll()
        .flatMap((c) =>
          c.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data)),
        );
      for (const ack of acknowledged.filter((a) => a.id.startsWith('Annotation::'))) {
        const id = ack.id.slice('Annotation::'.length);
        expect(
          warnings.some((w) => w.includes(id)),
          `${ack.id} acknowledges no warning`,
        ).toBe(true);
      }
      for (const ack of acknowledged) {
        expect(ack.reason.length, `${ack.id} needs a specific reason`).toBeGreaterThan(80);
      }
    });

    it('docs/deploy.md lists every one with the construct it applies to', () => {
      const docs = readFileSync(`${PACKAGE_ROOT}docs/deploy.md`, 'utf8');
      const rows = docs.split('\n').filter((line) => line.startsWith('| `'));
      for (const { path, id } of acknowledged) {
        const row = rows.find((r) => r.includes(`\`${id}\``) && r.includes(`\`${path}\``));
        expect(row, `docs/deploy.md has no row for ${id} on ${path}`).toBeDefined();
      }
      // And nothing more: every row documents an acknowledgement that exists.
      for (const row of rows.filter((r) => /^\| `(AwsSolutions-|Annotation::)/.test(r))) {
        const [, id, path] = /^\| `([^`]+)` \| `([^`]+)`/.exec(row) ?? [];
        expect(
          acknowledged.some((a) => a.id === id && a.path === path),
          `docs/deploy.md documents ${id} on ${path}, which is not acknowledged`,
        ).toBe(true);
      }
    });
  });
});
