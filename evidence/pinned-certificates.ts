/**
 * The pinned CA certificates and their SHA-256/384/512 fingerprints (Digital Agency survey item
 * 3513). They are read from the publisher's trust layer inside the cloud assembly (the exact bytes
 * that would be deployed) and from the configuration when one is given; both must agree.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { detectPrivateKey } from '../lambda/core/publish/detect-private-key.ts';
import { pinCa } from '../lambda/core/pki/trust-store.ts';
import { serialHexOf } from '../lambda/core/pki/x509.ts';
import { CERTIFICATE_FILE_NAME, certificatesInFile } from '../lambda/core/pki/certificate-file.ts';
import type { AssemblyResource, CloudAssembly } from './cloud-assembly.ts';

export interface PinnedCertificate {
  subject: string;
  serialHex: string;
  notBefore: string;
  notAfter: string;
  sha256: string;
  sha384: string;
  sha512: string;
  /** Where the certificate was found: `configuration` and/or `<LayerLogicalId> (asset ...)`. */
  sources: string[];
}

export interface PinnedCertificates {
  certificates: PinnedCertificate[];
  /** The Lambda layers that ship certificates to the publish gate. */
  layers: AssemblyResource[];
  /** Every file of those layers, scanned for private key material (the layer must hold certificates only). */
  layerFiles: { layer: AssemblyResource; file: string; key?: string }[];
  /** Differences between the configuration and the assembly, in words. */
  mismatches: string[];
}

async function describe(der: Uint8Array, source: string): Promise<PinnedCertificate> {
  const pinned = await pinCa(der);
  const validity = pinned.certificate;
  return {
    subject: pinned.subject,
    serialHex: serialHexOf(validity.serialNumber),
    notBefore: validity.notBefore.value.toISOString(),
    notAfter: validity.notAfter.value.toISOString(),
    ...pinned.fingerprints,
    sources: [source],
  };
}

/** Every file of a layer asset directory (any depth), with the certificates (DER or PEM) among them. */
async function readLayerFiles(
  directory: string,
): Promise<{ files: { file: string; key?: string }[]; certificates: Uint8Array[] }> {
  const files: { file: string; key?: string }[] = [];
  const certificates: Uint8Array[] = [];
  let entries;
  try {
    entries = await readdir(directory, { withFileTypes: true, recursive: true });
  } catch {
    return { files, certificates };
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const bytes = new Uint8Array(await readFile(path));
    const key = detectPrivateKey(bytes);
    files.push({ file: relative(directory, path), ...(key ? { key } : {}) });
    if (CERTIFICATE_FILE_NAME.test(entry.name)) certificates.push(...certificatesInFile(bytes));
  }
  return { files, certificates };
}

/**
 * Reads every certificate shipped in a Lambda layer asset of the assembly, plus the configuration's
 * when given. A layer holding certificates is the publish gate's trust store.
 */
export async function loadPinnedCertificates(
  assembly: CloudAssembly,
  configured: readonly Uint8Array[] | undefined,
): Promise<PinnedCertificates> {
  const bySha256 = new Map<string, PinnedCertificate>();
  const add = async (der: Uint8Array, source: string) => {
    let entry: PinnedCertificate;
    try {
      entry = await describe(der, source);
    } catch {
      return; // not a certificate: the trust layer holds certificates only, the gate would refuse it too
    }
    const known = bySha256.get(entry.sha256);
    if (known) {
      if (!known.sources.includes(source)) known.sources.push(source);
    } else bySha256.set(entry.sha256, entry);
  };

  const layers: AssemblyResource[] = [];
  const layerFiles: PinnedCertificates['layerFiles'] = [];
  const fromAssembly = new Set<string>();
  for (const layer of assembly.ofType('AWS::Lambda::LayerVersion')) {
    const assetPath = layer.metadata['aws:asset:path'];
    if (typeof assetPath !== 'string') continue;
    const { files, certificates } = await readLayerFiles(join(assembly.directory, assetPath));
    if (certificates.length === 0) continue;
    layers.push(layer);
    layerFiles.push(...files.map((f) => ({ layer, ...f, file: join(assetPath, f.file) })));
    for (const der of certificates) await add(der, `${layer.logicalId} (${assetPath})`);
  }
  for (const entry of bySha256.values()) fromAssembly.add(entry.sha256);

  const fromConfig = new Set<string>();
  for (const der of configured ?? []) {
    await add(der, 'configuration');
  }
  for (const entry of bySha256.values())
    if (entry.sources.includes('configuration')) fromConfig.add(entry.sha256);

  const mismatches: string[] = [];
  if (configured && layers.length > 0) {
    for (const entry of bySha256.values()) {
      if (fromConfig.has(entry.sha256) && !fromAssembly.has(entry.sha256)) {
        mismatches.push(`${entry.subject} is in the configuration but not in the synthesized trust layer`);
      }
      if (fromAssembly.has(entry.sha256) && !fromConfig.has(entry.sha256)) {
        mismatches.push(`${entry.subject} is in the synthesized trust layer but not in the configuration`);
      }
    }
  }
  const certificates = [...bySha256.values()].sort((a, b) => a.subject.localeCompare(b.subject));
  return { certificates, layers, layerFiles, mismatches };
}
