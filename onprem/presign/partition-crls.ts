/**
 * The CRLs of a pre-signer run: the full CRL, and with `--certs` one partition per CRL
 * Distribution Point URL the CA's certificates name (RFC 5280 §4.2.1.13), each listing the revoked
 * certificates that name it and carrying a critical Issuing Distribution Point with that URL
 * (RFC 5280 §5.2.5; CA/B Forum BR §7.2.2), at the URL's path in the bundle. A URL no revoked
 * certificate names still gets its (empty) CRL: a relying party fetches it all the same.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as pkijs from 'pkijs';
import { encodeCrl, encodeTbsCertList } from '../../lambda/core/crl/crl-encoder.ts';
import { certificatesInFile, CERTIFICATE_FILE_NAME } from '../../lambda/core/pki/certificate-file.ts';
import { OID } from '../../lambda/core/pki/oids.ts';
import { parseCertificate } from '../../lambda/core/pki/trust-store.ts';
import { serialHexOf } from '../../lambda/core/pki/x509.ts';
import { dropExpiredEntries, type CrlEntryRecord, type ExpiryEvidenceFile } from './expired-entries.ts';
import type { CaIdentity } from './signing-identity.ts';

/** The CRLs asked for cannot be laid out as given (an operator's option, not a signing failure). */
export class CrlPlanError extends Error {}
export type { CrlEntryRecord } from './expired-entries.ts';

export interface SignedCrl {
  /** Path in the bundle (the URL's path). */
  path: string;
  der: Uint8Array;
  crlNumber: bigint;
  entries: number;
  /** Expired certificates whose entries this CRL no longer lists (expired-entries.ts). */
  evidence: ExpiryEvidenceFile[];
}

/** The URIs of a certificate's CRL Distribution Points (fullName uniformResourceIdentifier [6]). */
export function distributionPointUrls(certificate: pkijs.Certificate): string[] {
  const extension = certificate.extensions?.find((e) => e.extnID === OID.crlDistributionPoints);
  const parsed = extension?.parsedValue as pkijs.CRLDistributionPoints | undefined;
  const urls: string[] = [];
  for (const point of parsed?.distributionPoints ?? []) {
    const names = Array.isArray(point.distributionPoint) ? point.distributionPoint : [];
    for (const name of names) if (name.type === 6 && typeof name.value === 'string') urls.push(name.value);
  }
  return urls;
}

/** The path a URL is served at in the repository: its path without the leading slash. */
export function bundlePathOfUrl(url: string): string {
  return decodeURIComponent(new URL(url).pathname).replace(/^\/+/, '');
}

/** Reads `--certs`: which URL each revoked serial belongs to, and every URL named. */
async function partitionsOf(certsDir: string, revoked: ReadonlySet<string>, caSubject: Uint8Array) {
  const urlOfSerial = new Map<string, string>();
  const urls = new Set<string>();
  for (const name of (await readdir(certsDir)).filter((file) => CERTIFICATE_FILE_NAME.test(file)).sort()) {
    for (const der of certificatesInFile(await readFile(join(certsDir, name)))) {
      const certificate = parseCertificate(der);
      if (Buffer.compare(Buffer.from(certificate.issuer.valueBeforeDecode), Buffer.from(caSubject)) !== 0)
        continue;
      const [url] = distributionPointUrls(certificate);
      if (!url) continue;
      urls.add(url);
      const serial = serialHexOf(certificate.serialNumber);
      if (revoked.has(serial)) urlOfSerial.set(serial, url);
    }
  }
  return { urlOfSerial, urls };
}

export async function signCrls(input: {
  ca: CaIdentity;
  entries: CrlEntryRecord[];
  fullPath: string;
  certsDir?: string;
  thisUpdate: Date;
  nextUpdate: Date;
  now: Date;
  /** The last numbers written at each path, and when (--state). */
  previous: Record<string, { crlNumber: string; thisUpdate?: string }>;
  warn: (message: string) => void;
}): Promise<SignedCrl[]> {
  const { ca } = input;
  // Nanoseconds since 1970 of the run's start, as Boulder numbers CRLs (see presign.ts).
  const derived = BigInt(input.now.getTime()) * 1_000_000n;
  const numberFor = (path: string) => {
    const last = input.previous[path]?.crlNumber;
    return last !== undefined && BigInt(last) >= derived ? BigInt(last) + 1n : derived;
  };
  const plans: { path: string; entries: CrlEntryRecord[]; url?: string }[] = [
    { path: input.fullPath, entries: input.entries },
  ];
  if (input.certsDir) {
    const { urlOfSerial, urls } = await partitionsOf(
      input.certsDir,
      new Set(input.entries.map((entry) => entry.serialHex)),
      ca.subjectDer,
    );
    for (const url of [...urls].sort()) {
      const path = bundlePathOfUrl(url);
      if (path === input.fullPath)
        throw new CrlPlanError(
          `--crl ${input.fullPath} is also the path of the partition ${url} that --certs names: give the full CRL ` +
            'a path of its own (e.g. --crl crl/full.crl); each partition is signed at its own URL',
        );
      plans.push({
        path,
        url,
        entries: input.entries.filter((entry) => urlOfSerial.get(entry.serialHex) === url),
      });
    }
  }
  const signed: SignedCrl[] = [];
  const lists: Awaited<ReturnType<typeof dropExpiredEntries>>[] = [];
  for (const plan of plans) {
    const last = input.previous[plan.path]?.thisUpdate;
    lists.push(
      await dropExpiredEntries({
        entries: plan.entries,
        lastIssued: last === undefined ? undefined : new Date(last),
        thisUpdate: input.thisUpdate,
        certsDir: input.certsDir,
        caSubjectDer: ca.subjectDer,
        crlPath: plan.path,
        warn: input.warn,
      }),
    );
  }
  const tbsList = plans.map((plan, i) =>
    encodeTbsCertList({
      signatureAlgorithm: ca.signatureAlgorithm,
      issuerNameDer: ca.subjectDer,
      thisUpdate: input.thisUpdate,
      nextUpdate: input.nextUpdate,
      entries: lists[i]!.listed,
      crlNumber: numberFor(plan.path),
      ...(ca.keyId ? { authorityKeyId: ca.keyId } : {}),
      ...(plan.url ? { distributionPointUrl: plan.url } : {}),
    }),
  );
  const signatures = await ca.signer.sign(tbsList);
  plans.forEach((plan, i) => {
    signed.push({
      path: plan.path,
      der: encodeCrl(tbsList[i] as Uint8Array, ca.signatureAlgorithm, signatures[i] as Uint8Array),
      crlNumber: numberFor(plan.path),
      entries: lists[i]!.listed.length,
      evidence: lists[i]!.evidence,
    });
  });
  return signed;
}
