/**
 * The pre-signer's output against the gate's own rules (validateOcspResponse, validateCrl) and
 * openssl, for an EC P-256 and an RSA-2048 CA; partitioned CRLs with a critical Issuing
 * Distribution Point; the BR §4.9.9 schedule; the status sources.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateCrl } from '../../lambda/core/crl/validate-crl.ts';
import {
  ocspNextUpdate,
  ocspRefreshDue,
  ocspResignAt,
  ocspValidityProblem,
  parseDuration,
} from '../../lambda/core/ocsp/presign-schedule.ts';
import { validateOcspResponse } from '../../lambda/core/ocsp/validate-ocsp-response.ts';
import { DEFAULT_POLICY } from '../../lambda/core/policy.ts';
import { TrustStore } from '../../lambda/core/pki/trust-store.ts';
import type { PresignSummary } from '../../onprem/presign/presign.ts';
import { readStatusSource } from '../../onprem/presign/status-source.ts';
import { OpensslCa, openssl, type KeyType } from '../../testkit/openssl-ca.ts';
import { issuePresignCerts, presignInProcess, type PresignCerts } from '../../testkit/presign-fixture.ts';
import { CrlPlanError } from '../../onprem/presign/partition-crls.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ca-repo-presign-unit-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const runPresign = presignInProcess;

describe.each<KeyType>(['ec', 'rsa'])('presign with a %s key file', (keyType) => {
  let ca: OpensslCa;
  let certs: PresignCerts;
  let out: string;
  let summary: PresignSummary;

  beforeAll(async () => {
    ca = await OpensslCa.create({
      dir: join(work, `ca-${keyType}`),
      commonName: `Presign ${keyType} CA`,
      keyType,
    });
    certs = await issuePresignCerts(
      ca,
      join(work, `db-${keyType}`),
      'http://crl.example.test/crl/part-a.crl',
    );
    out = join(work, `out-${keyType}`);
    summary = await runPresign(ca, certs.index, out, { certsDir: join(ca.dir, 'newcerts') });
  });

  it('every response passes the gate rule and answers each CertID hash with the right status', async () => {
    const trust = await TrustStore.fromDer([ca.cert.certDer]);
    const now = new Date();
    const statuses = new Map<string, string>();
    for (const name of await readdir(join(out, 'ocsp'))) {
      const der = new Uint8Array(await readFile(join(out, 'ocsp', name)));
      const facts = await validateOcspResponse({ der, trust, now, policy: DEFAULT_POLICY });
      expect(facts.signer).toBe('ca');
      expect(facts.responses.map((single) => single.certId.hashAlgorithm)).toEqual(['sha1', 'sha256']);
      const single = facts.responses[0]!;
      // BR §4.9.10: the inclusive interval is the validity asked for.
      expect(single.nextUpdate.getTime() - single.thisUpdate.getTime()).toBe(4 * DAY - 1000);
      statuses.set(single.certId.serialHex, single.status);
    }
    expect(statuses.get(certs.good.serialHex)).toBe('good');
    expect(statuses.get(certs.revoked.serialHex)).toBe('revoked');
    expect(statuses.get(certs.held.serialHex)).toBe('revoked');
    expect(statuses.has(certs.unlisted.serialHex)).toBe(false);
    expect(statuses.has(certs.expired.serialHex)).toBe(false);
  });

  it('openssl verifies a response and reads no nonce', async () => {
    const file = join(out, 'ocsp', `${certs.held.serialHex}.ocsp`);
    const { stdout, stderr } = await openssl([
      'ocsp',
      '-respin',
      file,
      '-issuer',
      ca.cert.certPath,
      '-CAfile',
      ca.cert.certPath,
      '-resp_text',
    ]);
    expect(stderr).toMatch(/Response verify OK/);
    expect(stdout.toString()).toMatch(/Revocation Reason: certificateHold/);
    expect(stdout.toString()).not.toMatch(/Nonce/);
  });

  it('the full CRL and each partition pass the gate; a partition carries a critical IDP naming its URL', async () => {
    const trust = await TrustStore.fromDer([ca.cert.certDer]);
    expect(summary.crls.map((crl) => crl.path)).toEqual(['crl/full.crl', 'crl/part-a.crl']);
    for (const crl of summary.crls) {
      const der = new Uint8Array(await readFile(join(out, crl.path)));
      const facts = await validateCrl({ der, trust, now: new Date(), policy: DEFAULT_POLICY });
      expect(facts.entries.has(certs.revoked.serialHex)).toBe(true);
      expect(facts.entries.get(certs.held.serialHex)?.reason).toBe(6);
      // Nanoseconds since 1970: above the small numbers `openssl ca -gencrl` uses.
      expect(facts.crlNumber).toBeGreaterThan(10n ** 18n);
    }
    const { stdout } = await openssl([
      'crl',
      '-inform',
      'DER',
      '-in',
      join(out, 'crl/part-a.crl'),
      '-noout',
      '-text',
    ]);
    expect(stdout.toString()).toMatch(
      /Issuing Distribution Point: critical[\s\S]*URI:http:\/\/crl\.example\.test\/crl\/part-a\.crl/,
    );
    const pem = join(work, `part-${keyType}.pem`);
    await openssl(['crl', '-inform', 'DER', '-in', join(out, 'crl/part-a.crl'), '-out', pem]);
    const verify = await openssl([
      'verify',
      '-crl_check',
      '-CAfile',
      ca.cert.certPath,
      '-CRLfile',
      pem,
      certs.good.certPath,
    ]);
    expect(verify.stdout.toString()).toMatch(/: OK/);
    await expect(
      openssl(['verify', '-crl_check', '-CAfile', ca.cert.certPath, '-CRLfile', pem, certs.revoked.certPath]),
    ).rejects.toThrow(/certificate revoked/);
  });

  it('refuses, as an option error, a full CRL at the path of a partition --certs names', async () => {
    const clash = runPresign(ca, certs.index, join(work, `clash-${keyType}`), {
      certsDir: join(ca.dir, 'newcerts'),
      crlPath: 'crl/part-a.crl',
    });
    await expect(clash).rejects.toThrow(CrlPlanError);
    await expect(clash).rejects.toThrow(/give the full CRL a path of its own/);
  });

  it('with --state a response is signed again ahead of its BR deadline, not at it', async () => {
    const state = join(work, `ahead-${keyType}`);
    const stateOut = join(work, `ahead-out-${keyType}`);
    const now = new Date();
    const first = await runPresign(ca, certs.index, stateOut, { stateDir: state, now });
    const responses = first.signed.good + first.signed.revoked;
    // 4-day validity: the deadline is 88 h after thisUpdate, the re-signing point 66 h.
    const early = await runPresign(ca, certs.index, stateOut, {
      stateDir: state,
      now: new Date(now.getTime() + 48 * HOUR),
    });
    expect(early.notDue).toBe(responses);
    const ahead = await runPresign(ca, certs.index, stateOut, {
      stateDir: state,
      now: new Date(now.getTime() + 72 * HOUR),
    });
    expect(ahead.notDue).toBe(0);
    expect(ahead.signed.good + ahead.signed.revoked).toBe(responses);
  });

  it('with --state the CRL number strictly increases, even when the clock steps back', async () => {
    const state = join(work, `state-${keyType}`);
    const stateOut = join(work, `state-out-${keyType}`);
    const now = new Date();
    const first = await runPresign(ca, certs.index, stateOut, { stateDir: state, now });
    const second = await runPresign(ca, certs.index, stateOut, {
      stateDir: state,
      now: new Date(now.getTime() - HOUR),
    });
    expect(BigInt(second.crls[0]!.crlNumber)).toBe(BigInt(first.crls[0]!.crlNumber) + 1n);
  });
});

describe('the BR §4.9.9 schedule', () => {
  const t = new Date('2026-01-01T00:00:00Z');
  it('refreshes at least 8 h before nextUpdate and no later than 4 days after thisUpdate', () => {
    expect(ocspRefreshDue(t, 4 * DAY).getTime() - t.getTime()).toBe(4 * DAY - 8 * HOUR);
    expect(ocspRefreshDue(t, 10 * DAY).getTime() - t.getTime()).toBe(4 * DAY);
    expect(ocspRefreshDue(t, 16 * HOUR).getTime() - t.getTime()).toBe(8 * HOUR);
    expect(ocspRefreshDue(t, 12 * HOUR).getTime() - t.getTime()).toBe(6 * HOUR); // half, under 16 h
    expect(ocspNextUpdate(t, DAY).getTime() - t.getTime()).toBe(DAY - 1000);
  });
  it('signs again three quarters of the way to the deadline, ahead of it', () => {
    expect(ocspResignAt(t, 4 * DAY).getTime() - t.getTime()).toBe(((4 * DAY - 8 * HOUR) * 3) / 4);
    expect(ocspResignAt(t, 10 * DAY).getTime() - t.getTime()).toBe(3 * DAY);
  });
  it('takes 8 h to 10 days', () => {
    expect(ocspValidityProblem(parseDuration('8h')!)).toBeUndefined();
    expect(ocspValidityProblem(parseDuration('10d')!)).toBeUndefined();
    expect(ocspValidityProblem(parseDuration('7h')!)).toMatch(/shorter than 8 hours/);
    expect(ocspValidityProblem(parseDuration('11d')!)).toMatch(/longer than 10 days/);
    expect(parseDuration('4 days')).toBeUndefined();
  });
});

describe('status sources', () => {
  it('reads index.txt (hold, unspecified) and a CSV alike', async () => {
    const index = join(work, 'source-index.txt');
    await writeFile(
      index,
      [
        'V\t351231000000Z\t\t0A\tunknown\t/CN=a',
        'R\t351231000000Z\t260101000000Z,certificateHold,holdInstructionReject\t0B\tunknown\t/CN=b',
        'R\t351231000000Z\t260101000000Z,unspecified\t00C0\tunknown\t/CN=c',
        'E\t200101000000Z\t\t0D\tunknown\t/CN=d',
      ].join('\n'),
    );
    const csv = join(work, 'source.csv');
    await writeFile(
      csv,
      [
        'serial,status,revocationTime,reason,notAfter',
        '0a,good,,,2035-12-31T00:00:00Z',
        '0b,revoked,2026-01-01T00:00:00Z,certificateHold,2035-12-31T00:00:00Z',
        'c0,revoked,2026-01-01T00:00:00Z,unspecified,2035-12-31T00:00:00Z',
        '0d,expired,,,2020-01-01T00:00:00Z',
      ].join('\n'),
    );
    const read = async (source: { index: string } | { csv: string }) => {
      const records = [];
      for await (const record of readStatusSource(source)) records.push(record);
      return records;
    };
    const fromIndex = await read({ index });
    expect(fromIndex).toEqual(await read({ csv }));
    expect(fromIndex.map((r) => [r.serialHex, r.status, r.reason])).toEqual([
      ['0a', 'valid', undefined],
      ['0b', 'revoked', 6],
      ['c0', 'revoked', undefined],
      ['0d', 'expired', undefined],
    ]);
  });
});
