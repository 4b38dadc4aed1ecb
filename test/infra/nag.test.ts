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
import { PACKAGE_ROOT, cdkJsonContext, exampleConfig, nagFindings, synthCaRepo } from './synth-app.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('cdk-nag AwsSolutions', () => {
  it('fails the synth on an unacknowledged error', async () => {
    const synth = synthCaRepo({}, (stacks) => {
      // No access logs, no TLS-only policy: AwsSolutions-S1 and AwsSolutions-S10 are errors.
      new s3.Bucket(stacks.primary, 'UncheckedBucket');
    });
    const error = await synth.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/AwsSolutions-S1\b[\s\S]*UncheckedBucket/);
    expect(error?.message).toMatch(/AwsSolutions-S10\b/);
    expect(error?.message).not.toMatch(/CaRepo\/(Repository|Ingest)\/Bucket/);
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
    const app = new App({ context: cdkJsonContext() });
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
    // CDK's own construct warnings (not cdk-nag) that are acknowledged must occur too.
    const warnings = app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data)));
    for (const ack of acknowledged.filter((a) => a.id.startsWith('Annotation::'))) {
      const id = ack.id.slice('Annotation::'.length);
      expect(warnings.some((w) => w.includes(id)), `${ack.id} acknowledges no warning`).toBe(true);
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
    buildCaRepoApp(new App({ context: cdkJsonContext() }), await exampleConfig());
    const docs = readFileSync(`${PACKAGE_ROOT}docs/deploy.md`, 'utf8');
    const rows = docs.split('\n').filter((line) => line.startsWith('| `'));
    for (const { path, id } of acknowledged) {
      const row = rows.find((r) => r.includes(`\`${id}\``) && r.includes(`\`${path}\``));
      expect(row, `docs/deploy.md has no row for ${id} on ${path}`).toBeDefined();
    }
  });
});
