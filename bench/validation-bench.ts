/**
 * Publish-gate validation speed: OCSP responses through `validateOcspResponse` (parse, find the
 * signer, verify the signature, check every CertID and time) per second on one core, against the
 * raw signature verifications per second `openssl speed` reports for the same key type in the
 * same run. EC P-256 is the project's default CA key; RSA 2048 is measured too.
 */
import { createPublicKey, verify } from 'node:crypto';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import { DEFAULT_POLICY } from '../lambda/core/policy.ts';
import { validateOcspResponse } from '../lambda/core/ocsp/validate-ocsp-response.ts';
import {
  formatNumber,
  markdownTable,
  ratio,
  type BenchContext,
  type Figure,
  type PhaseResult,
} from './bench-context.ts';
import { createBenchCa, syntheticResponse, wholeSecondsNow, type BenchCa } from './bench-pki.ts';
import { opensslSpeed } from './bench-tools.ts';

const DISTINCT_RESPONSES = 2000;

export async function runValidationBench(ctx: BenchContext): Promise<PhaseResult> {
  const failures: string[] = [];
  const seconds = ctx.quick ? 1 : 5;
  const rsa = await createBenchCa(join(ctx.workDir, 'ca-rsa'), 'rsa');
  const rows: string[][] = [];
  const figures: Figure[] = [];
  for (const [bench, algorithm, label] of [
    [ctx.ec, 'ecdsap256', 'EC P-256 (ecdsa-with-SHA256)'],
    [rsa, 'rsa2048', 'RSA 2048 (sha256WithRSAEncryption)'],
  ] as const) {
    ctx.log(`validation: ${label}`);
    const now = wholeSecondsNow();
    const responses = Array.from({ length: DISTINCT_RESPONSES }, (_, i) => syntheticResponse(bench, i, now));
    const validated = await validatePerSecond(bench, responses, now, seconds);
    if (validated.rejected > 0)
      failures.push(`${label}: ${validated.rejected} valid responses were rejected`);
    const raw = nodeVerifyPerSecond(bench, responses[0]!, seconds);
    const speed = await opensslSpeed(algorithm, ctx.quick ? 1 : 3);
    rows.push([
      label,
      formatNumber(validated.perSecond),
      formatNumber(speed.verifyPerSecond),
      formatNumber(raw),
      ratio(validated.perSecond, speed.verifyPerSecond, 3),
    ]);
    figures.push({
      name: `OCSP responses validated per second per core, ${label}`,
      value: `${formatNumber(validated.perSecond)} /s`,
      reference: `openssl speed ${algorithm}: ${formatNumber(speed.verifyPerSecond)} verify/s`,
      ratio: ratio(validated.perSecond, speed.verifyPerSecond, 3),
      commands: ['npm run bench -- --only validation', speed.command],
    });
  }
  const markdown = `${markdownTable(
    [
      'CA key',
      'validateOcspResponse /s (1 core)',
      'openssl speed verify/s',
      'node:crypto verify/s',
      'validated ÷ openssl',
    ],
    rows,
  )}

Commands: \`npm run bench -- --only validation\` (sequential \`validateOcspResponse\` calls for ${seconds} s over
${formatNumber(DISTINCT_RESPONSES)} distinct CA-signed responses, one SingleResponse each, on the event loop of one process) and
\`openssl speed -seconds 3 ecdsap256\` / \`openssl speed -seconds 3 rsa2048\` (one core, no -multi). The node:crypto
column verifies the same signature over the same bytes with \`crypto.verify\`: the cost of the primitive in this
runtime, without parsing or the checks.

What is left above the signature: each call reads the response with the direct DER reader
(lambda/core/ocsp/ocsp-response-der.ts; pkijs only for the shapes it leaves) and verifies with \`crypto.verify\` on the
pinned CA's key, read once when the CA was pinned (\`PinnedCa.publicKey\`). In a CPU profile of \`validateOcspResponse\`
with the EC P-256 CA, the signature check is about 80 % of the time and the reader about 10 %. Until 2026-11-23 every
call built pkijs's asn1js schema trees and imported the CA key into WebCrypto again (\`crypto.subtle.importKey\`, the
largest single item of that profile); on the machine of the 2026-11-23 run that validated 743 EC and 706 RSA
responses a second (0.034× and 0.010× of openssl speed).
Publishing is parallel across parts in AWS (one Lambda per part), so this sets the cost per response, not a cap.`;
  return { title: 'Validation', markdown, figures, failures };
}

async function validatePerSecond(
  bench: BenchCa,
  responses: Uint8Array[],
  now: Date,
  seconds: number,
): Promise<{ perSecond: number; rejected: number }> {
  let rejected = 0;
  const check = async (der: Uint8Array) => {
    try {
      await validateOcspResponse({ der, trust: bench.trust, now, policy: DEFAULT_POLICY });
    } catch {
      rejected++;
    }
  };
  for (const der of responses.slice(0, 200)) await check(der); // warm-up
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    await check(responses[count % responses.length]!);
    count++;
  }
  return { perSecond: count / ((performance.now() - start) / 1000), rejected };
}

/** The signature alone: tbsResponseData and signature cut out of the same response. */
function nodeVerifyPerSecond(bench: BenchCa, der: Uint8Array, seconds: number): number {
  const outer = asn1js.fromBER(der.slice().buffer).result as asn1js.Sequence;
  const responseBytes = (outer.valueBlock.value[1] as asn1js.Constructed).valueBlock
    .value[0] as asn1js.Sequence;
  const basicDer = (responseBytes.valueBlock.value[1] as asn1js.OctetString).valueBlock.valueHexView;
  const basic = asn1js.fromBER(basicDer.slice().buffer).result as asn1js.Sequence;
  const [tbs, , signature] = basic.valueBlock.value as [asn1js.Sequence, asn1js.Sequence, asn1js.BitString];
  const tbsDer = Buffer.from(tbs.toBER());
  const signatureBytes = Buffer.from(signature.valueBlock.valueHexView);
  const key = createPublicKey({ key: Buffer.from(bench.ca.cert.certPem), format: 'pem' });
  if (!verify('sha256', tbsDer, key, signatureBytes))
    throw new Error('node:crypto does not verify the response');
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    verify('sha256', tbsDer, key, signatureBytes);
    count++;
  }
  return count / ((performance.now() - start) / 1000);
}
