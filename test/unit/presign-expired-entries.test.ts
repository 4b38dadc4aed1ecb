/**
 * An expired certificate's entry leaves the pre-signer's CRL only after it appeared on a CRL issued
 * after its notAfter (RFC 5280 §3.3, BR §4.10.1), and then with the certificate beside the CRL as
 * the evidence the gate's rule (droppedCrlEntries) accepts; without the certificate it stays.
 */
import { cp, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evidencePath } from '../../lambda/core/contract/bundle-evidence.ts';
import { validateCrl } from '../../lambda/core/crl/validate-crl.ts';
import { DEFAULT_POLICY } from '../../lambda/core/policy.ts';
import { certificatesInFile } from '../../lambda/core/pki/certificate-file.ts';
import { parseCertificate, TrustStore } from '../../lambda/core/pki/trust-store.ts';
import { droppedCrlEntries } from '../../lambda/core/publish/revocation-finality.ts';
import { OpensslCa, type IssuedCert } from '../../testkit/openssl-ca.ts';
import { issuePresignCerts, presignInProcess, type PresignCerts } from '../../testkit/presign-fixture.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
let work: string;
let ca: OpensslCa;
let certs: PresignCerts;
let gone: IssuedCert;
let index: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ca-repo-presign-expired-'));
  ca = await OpensslCa.create({ dir: join(work, 'ca'), commonName: 'Presign expiry CA', keyType: 'ec' });
  const now = Date.now();
  gone = await ca.issue({
    commonName: 'revoked-then-expired.presign.example',
    profile: 'tls-server',
    notBefore: new Date(now - 30 * DAY),
    notAfter: new Date(now - DAY),
  });
  await ca.revoke(gone, { reason: 'keyCompromise', time: new Date(now - 2 * DAY) });
  certs = await issuePresignCerts(ca, join(work, 'db'));
  index = certs.index;
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function crlFacts(out: string) {
  const trust = await TrustStore.fromDer([ca.cert.certDer]);
  const der = new Uint8Array(await readFile(join(out, 'crl/full.crl')));
  return validateCrl({ der, trust, now: new Date(), policy: DEFAULT_POLICY });
}

describe('expired entries on the pre-signer’s CRL', () => {
  it('stay until listed on a CRL issued after notAfter, then leave with the certificate as evidence', async () => {
    const state = join(work, 'state');
    const out = join(work, 'out');
    const certsDir = join(ca.dir, 'newcerts');
    const t1 = new Date(Date.now() - 3 * HOUR); // later runs stay in the past: the gate refuses a future CRL
    const first = await presignInProcess(ca, index, out, { stateDir: state, certsDir, now: t1 });
    expect(first.crls[0]!.droppedExpired).toBeUndefined();
    const listed = await crlFacts(out);
    expect(listed.entries.has(gone.serialHex)).toBe(true);

    const second = await presignInProcess(ca, index, out, {
      stateDir: state,
      certsDir,
      now: new Date(t1.getTime() + HOUR),
    });
    expect(second.crls[0]!.droppedExpired).toEqual([gone.serialHex]);
    const next = await crlFacts(out);
    expect(next.entries.has(gone.serialHex)).toBe(false);
    expect(next.entries.has(certs.revoked.serialHex)).toBe(true); // not expired: stays

    // The evidence is the certificate itself, which the gate's rule accepts for this drop.
    const evidenceFile = join(out, evidencePath('crl/full.crl', gone.serialHex));
    const [der] = certificatesInFile(new Uint8Array(await readFile(evidenceFile)));
    const certificate = parseCertificate(der!);
    const dropped = droppedCrlEntries({
      previous: listed.entries,
      previousThisUpdate: t1,
      next: next.entries,
      evidence: new Map([[gone.serialHex, { notAfter: certificate.notAfter.value, sha256: 'x' }]]),
    });
    expect(dropped.expired.map((e) => e.entry.serialHex)).toEqual([gone.serialHex]);
  });

  it('stays, with a warning, when --certs does not hold the certificate or is not given', async () => {
    const state = join(work, 'state-missing');
    const out = join(work, 'out-missing');
    const certsDir = join(work, 'newcerts-without');
    await cp(join(ca.dir, 'newcerts'), certsDir, { recursive: true });
    await rm(
      join(
        certsDir,
        `${gone.serialHex.toUpperCase().padStart(2 * Math.ceil(gone.serialHex.length / 2), '0')}.pem`,
      ),
    );
    const t1 = new Date(Date.now() - 3 * HOUR); // later runs stay in the past: the gate refuses a future CRL
    await presignInProcess(ca, index, out, { stateDir: state, certsDir, now: t1 });
    const warnings: string[] = [];
    const later = {
      stateDir: state,
      now: new Date(t1.getTime() + HOUR),
      warn: (m: string) => warnings.push(m),
    };
    const second = await presignInProcess(ca, index, out, { ...later, certsDir });
    expect(second.crls[0]!.droppedExpired).toBeUndefined();
    expect((await crlFacts(out)).entries.has(gone.serialHex)).toBe(true);
    expect(warnings.join('\n')).toMatch(new RegExp(`serial ${gone.serialHex} .*holds no certificate`));
    expect(await stat(join(out, 'crl/full.crl.evidence')).catch(() => undefined)).toBeUndefined();

    warnings.length = 0;
    await presignInProcess(ca, index, out, { ...later, now: new Date(t1.getTime() + 2 * HOUR) });
    expect((await crlFacts(out)).entries.has(gone.serialHex)).toBe(true);
    expect(warnings.join('\n')).toMatch(/1 expired entry stays on the CRL: give --certs/);
  });

  it('without --state no CRL is known to have listed it: it stays', async () => {
    const out = join(work, 'out-stateless');
    const summary = await presignInProcess(ca, index, out, { certsDir: join(ca.dir, 'newcerts') });
    expect(summary.crls[0]!.droppedExpired).toBeUndefined();
    expect((await crlFacts(out)).entries.has(gone.serialHex)).toBe(true);
  });
});
