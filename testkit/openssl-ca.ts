/**
 * A stand-in for the on-prem CA, driven by the real `openssl` CLI so the material the demo and
 * the tests feed to ca-repo is made by the same tool real CAs use (never pasted base64).
 *
 * Everything a CA owns lives under its own directory: key, certificate, the `openssl ca`
 * database (index.txt), serial and crlnumber files, and one sub-directory per issued leaf.
 * Operations that touch the database or the serial files are serialised per CA.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type KeyType = 'ec' | 'rsa';

export type CertProfile = 'tls-server' | 'ocsp-signing' | 'document-signing' | 'ca';

/** CRLReason names as `openssl ca -crl_reason` spells them (RFC 5280 §5.3.1). */
export type RevocationReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'CACompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation'
  | 'certificateHold'
  | 'removeFromCRL';

export interface IssuedCert {
  certPem: string;
  certDer: Uint8Array;
  keyPem: string;
  certPath: string;
  keyPath: string;
  /** What `openssl x509 -serial` prints, lowercased. */
  serialHex: string;
}

export interface CreateCaOptions {
  dir: string;
  commonName: string;
  organization?: string;
  keyType?: KeyType;
  days?: number;
  /** Back-date the CA (default: one hour ago, so freshly issued material is valid despite clock skew). */
  notBefore?: Date;
  notAfter?: Date;
}

export interface IssueOptions {
  commonName: string;
  profile: CertProfile;
  organization?: string;
  keyType?: KeyType;
  /** Hex serial to use; default is a fresh random positive 128-bit serial (CA/B BR §7.1). */
  serialHex?: string;
  ocspUrl?: string;
  caIssuersUrl?: string;
  crlUrl?: string;
  /** Extra DNS subjectAltName entries; tls-server always includes the commonName. */
  dnsNames?: string[];
  days?: number;
  notBefore?: Date;
  notAfter?: Date;
  /** ocsp-signing only: leave out id-pkix-ocsp-nocheck (non-conformant to the BRs, for negative tests). */
  omitOcspNoCheck?: boolean;
}

export interface RevokeOptions {
  reason?: RevocationReason;
  /** Revocation date written to index.txt (default: now). Must be before 2050 (UTCTime). */
  time?: Date;
}

export interface GenerateCrlOptions {
  /** Force this cRLNumber (RFC 5280 §5.2.3); default continues the CA's own sequence. */
  crlNumber?: bigint;
  /** A v2 CRL without the cRLNumber extension (non-conformant on purpose, for negative tests). */
  omitCrlNumber?: boolean;
  lastUpdate?: Date;
  nextUpdate?: Date;
  form?: 'DER' | 'PEM';
  /** A partition: an Issuing Distribution Point with these fullName URIs (RFC 5280 §5.2.5). */
  issuingDistributionPoint?: { uris: string[]; critical?: boolean; indirect?: boolean };
  /** Lines of openssl CRL extension config replacing the default `crl_ext` (AKI only), e.g. `deltaCRL = critical, 1`. */
  crlExtensions?: string[];
}

export interface OcspRequestOptions {
  hash?: 'sha1' | 'sha256' | 'sha384';
  nonce?: boolean;
}

export interface OcspResponseOptions {
  /** CertID hash; the responder answers with the request's CertID (RFC 6960 §4.1.1). */
  hash?: 'sha1' | 'sha256' | 'sha384';
  /** Delegated responder (RFC 6960 §4.2.2.2); default the CA itself. */
  signer?: IssuedCert;
  /** nextUpdate - thisUpdate; default 7 days. */
  validityMinutes?: number;
  /** ResponderID byKey instead of byName (RFC 6960 §4.2.2.3). */
  responderId?: 'byName' | 'byKey';
  /** Answer a request carrying a nonce, which `openssl ocsp -respout` copies into the response. */
  nonce?: boolean;
}

export interface SignDetachedOptions {
  form?: 'DER' | 'PEM';
  /** Add the ESS signing-certificate-v2 attribute (RFC 5035), as CAdES/PAdES require. */
  cades?: boolean;
  /** Extra certificates (concatenated PEM) for the SignedData certificates field, e.g. the CA. */
  extraCertsPem?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_CA_DAYS = 3650;
const DEFAULT_LEAF_DAYS = 365;
const DEFAULT_CRL_VALIDITY_MS = 7 * DAY_MS;
const DEFAULT_OCSP_VALIDITY_MINUTES = 7 * 24 * 60;
const CA_BACKDATE_MS = 60 * 60 * 1000;
/** Issued certificates start a few minutes back, as production CAs do, so a response or signature
 *  made in the same second as the certificate is not "before notBefore" on a clock a little behind. */
const LEAF_BACKDATE_MS = 5 * 60 * 1000;

/** Run the openssl CLI; rejects with openssl's stderr in the message when it exits non-zero. */
export function openssl(
  args: string[],
  options: { input?: Uint8Array; cwd?: string } = {},
): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'openssl',
      args,
      { encoding: 'buffer', cwd: options.cwd, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const stderrText = stderr.toString('utf8');
        if (error) {
          const code = (error as NodeJS.ErrnoException).code;
          const reason =
            code === 'ENOENT' ? 'the openssl CLI is not on PATH' : `exit code ${String(error.code ?? '?')}`;
          reject(new Error(`openssl ${args.join(' ')} failed (${reason}):\n${stderrText.trim()}`));
          return;
        }
        resolve({ stdout, stderr: stderrText });
      },
    );
    // Always close stdin: some subcommands read it when no -in is given.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ? Buffer.from(options.input) : undefined);
  });
}

/** YYYYMMDDHHMMSSZ, the form `openssl ca -startdate/-crl_lastupdate` accept. */
export function toOpensslTime(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** YYMMDDHHMMSSZ: index.txt stores revocation times as UTCTime. */
function toUtcTime(date: Date): string {
  const year = date.getUTCFullYear();
  if (year < 1950 || year >= 2050) throw new Error(`revocation time ${date.toISOString()} is not a UTCTime`);
  return toOpensslTime(date).slice(2);
}

export async function generateKey(keyPath: string, keyType: KeyType = 'ec'): Promise<string> {
  const algorithmArgs =
    keyType === 'ec'
      ? ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']
      : ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'];
  await openssl(['genpkey', ...algorithmArgs, '-out', keyPath]);
  return fs.readFile(keyPath, 'utf8');
}

/** Read a PEM certificate back into the IssuedCert shape. */
export async function loadIssuedCert(certPath: string, keyPath: string): Promise<IssuedCert> {
  const [certPem, keyPem, der, serial] = await Promise.all([
    fs.readFile(certPath, 'utf8'),
    fs.readFile(keyPath, 'utf8'),
    openssl(['x509', '-in', certPath, '-outform', 'DER']),
    openssl(['x509', '-in', certPath, '-noout', '-serial']),
  ]);
  const serialHex = /serial=([0-9A-Fa-f]+)/.exec(serial.stdout.toString('utf8'))?.[1];
  if (!serialHex) throw new Error(`cannot read the serial of ${certPath}`);
  return {
    certPem,
    certDer: new Uint8Array(der.stdout),
    keyPem,
    certPath,
    keyPath,
    serialHex: serialHex.toLowerCase(),
  };
}

/** `-subj` value; `/`, `+`, `=` and `\` inside values must be escaped for openssl's parser. */
function toSubject(commonName: string, organization?: string): string {
  const escape = (value: string) => value.replace(/[\\/+=]/g, (c) => `\\${c}`);
  return `${organization ? `/O=${escape(organization)}` : ''}/CN=${escape(commonName)}`;
}

/** openssl config values cannot carry these characters without quoting rules we do not need. */
function assertConfigSafe(label: string, value: string): void {
  if (/[\s,"'\\$#]/.test(value))
    throw new Error(`${label} ${JSON.stringify(value)} has unsupported characters`);
}

/** A random positive serial: 16 bytes, high bit clear and first byte non-zero (RFC 5280 §4.1.2.2). */
function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString('hex');
}

/** The serial file wants whole octets. */
function normaliseSerialHex(serialHex: string): string {
  const hex = serialHex.replace(/^0x/i, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(hex)) throw new Error(`serial ${JSON.stringify(serialHex)} is not hex`);
  return hex.length % 2 === 0 ? hex : `0${hex}`;
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'cert'
  );
}

/** Extension sections for each profile (RFC 5280 §4.2.1; RFC 6960 §4.2.2.2 for OCSP signing). */
function profileExtensions(profile: CertProfile, keyType: KeyType, options: IssueOptions): string[] {
  const lines = ['subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid:always'];
  switch (profile) {
    case 'ca':
      lines.push('basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign');
      break;
    case 'tls-server': {
      // keyEncipherment only makes sense for RSA key transport (RFC 5246 §7.4.7.1).
      const usage = keyType === 'rsa' ? 'digitalSignature, keyEncipherment' : 'digitalSignature';
      // The CN doubles as a SAN dNSName only when it is a host name (RFC 6125 §6.4.4 ignores CNs).
      const cnIsHost = /^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(options.commonName);
      const dnsNames = [...new Set([...(cnIsHost ? [options.commonName] : []), ...(options.dnsNames ?? [])])];
      for (const name of dnsNames) assertConfigSafe('DNS name', name);
      lines.push(
        'basicConstraints = critical, CA:FALSE',
        `keyUsage = critical, ${usage}`,
        'extendedKeyUsage = serverAuth',
      );
      if (dnsNames.length > 0) lines.push(`subjectAltName = ${dnsNames.map((n) => `DNS:${n}`).join(', ')}`);
      break;
    }
    case 'ocsp-signing':
      // id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1) so relying parties do not recurse.
      lines.push(
        'basicConstraints = critical, CA:FALSE',
        'keyUsage = critical, digitalSignature',
        'extendedKeyUsage = OCSPSigning',
        ...(options.omitOcspNoCheck ? [] : ['noCheck = ignored']),
      );
      break;
    case 'document-signing':
      // emailProtection is what `openssl cms -verify` checks by default (purpose smimesign).
      lines.push(
        'basicConstraints = critical, CA:FALSE',
        'keyUsage = critical, digitalSignature, nonRepudiation',
        'extendedKeyUsage = emailProtection',
      );
      break;
  }
  const access: string[] = [];
  if (options.ocspUrl) {
    assertConfigSafe('OCSP URL', options.ocspUrl);
    access.push(`OCSP;URI:${options.ocspUrl}`);
  }
  if (options.caIssuersUrl) {
    assertConfigSafe('caIssuers URL', options.caIssuersUrl);
    access.push(`caIssuers;URI:${options.caIssuersUrl}`);
  }
  if (access.length > 0) lines.push(`authorityInfoAccess = ${access.join(', ')}`);
  if (options.crlUrl) {
    assertConfigSafe('CRL URL', options.crlUrl);
    lines.push(`crlDistributionPoints = URI:${options.crlUrl}`);
  }
  return lines;
}

function caConfig(dir: string): string {
  const common = (withCrlNumber: boolean) =>
    [
      `dir = ${dir}`,
      'database = $dir/index.txt',
      'new_certs_dir = $dir/newcerts',
      'certificate = $dir/ca.crt',
      'private_key = $dir/ca.key',
      'serial = $dir/serial',
      ...(withCrlNumber ? ['crlnumber = $dir/crlnumber'] : []),
      'default_md = sha256',
      `default_days = ${DEFAULT_LEAF_DAYS}`,
      'default_crl_days = 7',
      'policy = policy_anything',
      // Keep the DN exactly as requested: rogue-CA tests rely on byte-identical names.
      'preserve = yes',
      'email_in_dn = no',
      'unique_subject = no',
      'copy_extensions = none',
      'crl_extensions = crl_ext',
    ].join('\n');
  return [
    '[ ca ]',
    'default_ca = CA_default',
    '',
    '[ CA_default ]',
    common(true),
    '',
    '# Same CA without a crlnumber file: openssl then omits the cRLNumber extension.',
    '[ CA_no_crlnumber ]',
    common(false),
    '',
    '[ policy_anything ]',
    'organizationName = optional',
    'commonName = supplied',
    '',
    '# RFC 5280 §5.2.1: conforming CRL issuers MUST include the authority key identifier.',
    '[ crl_ext ]',
    'authorityKeyIdentifier = keyid:always',
    '',
    '[ req ]',
    'distinguished_name = req_dn',
    'string_mask = utf8only',
    'utf8 = yes',
    'prompt = no',
    '',
    '[ req_dn ]',
    'CN = placeholder',
    '',
  ].join('\n');
}

export class OpensslCa {
  readonly dir: string;
  readonly cert: IssuedCert;
  readonly keyType: KeyType;
  private readonly configPath: string;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, cert: IssuedCert, keyType: KeyType) {
    this.dir = dir;
    this.cert = cert;
    this.keyType = keyType;
    this.configPath = path.join(dir, 'openssl.cnf');
  }

  /** A self-signed root (RFC 5280 §4.2.1.9 basicConstraints critical CA:TRUE, §4.2.1.3 keyUsage). */
  static async create(options: CreateCaOptions): Promise<OpensslCa> {
    const dir = await OpensslCa.prepareDir(options.dir);
    const keyType = options.keyType ?? 'ec';
    const keyPath = path.join(dir, 'ca.key');
    const csrPath = path.join(dir, 'ca.csr');
    const certPath = path.join(dir, 'ca.crt');
    await generateKey(keyPath, keyType);
    await openssl([
      'req',
      '-new',
      '-config',
      path.join(dir, 'openssl.cnf'),
      '-key',
      keyPath,
      '-subj',
      toSubject(options.commonName, options.organization),
      '-out',
      csrPath,
    ]);
    const extPath = path.join(dir, 'ca.ext');
    await fs.writeFile(
      extPath,
      `[ ext ]\n${profileExtensions('ca', keyType, { ...options, profile: 'ca' }).join('\n')}\n`,
    );
    await fs.writeFile(path.join(dir, 'serial'), `${randomSerialHex()}\n`);
    // `ca -selfsign` rather than `req -x509`: it takes -startdate (req does not in 3.0) and
    // records the root in its own database like a real CA.
    await openssl([
      'ca',
      '-batch',
      '-notext',
      '-selfsign',
      '-config',
      path.join(dir, 'openssl.cnf'),
      '-keyfile',
      keyPath,
      '-in',
      csrPath,
      '-out',
      certPath,
      '-extfile',
      extPath,
      '-extensions',
      'ext',
      ...validityArgs(options, DEFAULT_CA_DAYS, CA_BACKDATE_MS),
    ]);
    return new OpensslCa(dir, await loadIssuedCert(certPath, keyPath), keyType);
  }

  /** An intermediate CA in its own directory, certified by this one. */
  async createSubordinate(
    options: CreateCaOptions & { crlUrl?: string; ocspUrl?: string; caIssuersUrl?: string },
  ): Promise<OpensslCa> {
    const dir = await OpensslCa.prepareDir(options.dir);
    const keyType = options.keyType ?? 'ec';
    const keyPath = path.join(dir, 'ca.key');
    const certPath = path.join(dir, 'ca.crt');
    await generateKey(keyPath, keyType);
    await this.certifyKey(keyPath, certPath, {
      ...options,
      profile: 'ca',
      notBefore: options.notBefore ?? new Date(Date.now() - CA_BACKDATE_MS),
      days: options.days ?? DEFAULT_CA_DAYS,
    });
    await fs.writeFile(path.join(dir, 'serial'), `${randomSerialHex()}\n`);
    return new OpensslCa(dir, await loadIssuedCert(certPath, keyPath), keyType);
  }

  /** Re-open a CA directory made earlier by create()/createSubordinate(). */
  static async open(dir: string): Promise<OpensslCa> {
    const absolute = path.resolve(dir);
    const cert = await loadIssuedCert(path.join(absolute, 'ca.crt'), path.join(absolute, 'ca.key'));
    return new OpensslCa(absolute, cert, detectKeyType(cert.keyPem));
  }

  /** A new key and a certificate for it, signed by this CA and recorded in index.txt. */
  async issue(options: IssueOptions): Promise<IssuedCert> {
    const keyType = options.keyType ?? 'ec';
    const leafDir = path.join(this.dir, 'issued');
    const base = path.join(leafDir, `${slug(options.commonName)}-${randomBytes(4).toString('hex')}`);
    const keyPath = `${base}.key`;
    const certPath = `${base}.crt`;
    await generateKey(keyPath, keyType);
    await this.certifyKey(keyPath, certPath, { ...options, keyType });
    return loadIssuedCert(certPath, keyPath);
  }

  /** Mark a certificate revoked in index.txt (what `openssl ca -gencrl` and `ocsp -index` read). */
  async revoke(cert: IssuedCert, options: RevokeOptions = {}): Promise<void> {
    await this.exclusive(async () => {
      await openssl([
        'ca',
        '-batch',
        '-config',
        this.configPath,
        '-revoke',
        cert.certPath,
        ...(options.reason ? ['-crl_reason', options.reason] : []),
      ]);
      if (options.time) await this.setRevocationTime(cert.serialHex, options.time);
    });
  }

  /**
   * Marks a revoked certificate valid again in index.txt: what a faulty CA database does (a
   * restore from backup, a buggy shard), so tests can show the gate refusing the un-revocation.
   */
  async reinstate(cert: IssuedCert): Promise<void> {
    await this.exclusive(async () => {
      const indexPath = path.join(this.dir, 'index.txt');
      const canonical = (hex: string) => normaliseSerialHex(hex).replace(/^0+(?=.)/, '');
      const wanted = canonical(cert.serialHex);
      const lines = (await fs.readFile(indexPath, 'utf8')).split('\n');
      const updated = lines.map((line) => {
        const fields = line.split('\t');
        if (fields[0] !== 'R' || canonical(fields[3] ?? '') !== wanted) return line;
        return ['V', fields[1], '', ...fields.slice(3)].join('\t');
      });
      await fs.writeFile(indexPath, updated.join('\n'));
    });
  }

  /** A CRL from `openssl ca -gencrl` (RFC 5280 §5); DER by default. */
  async generateCrl(options: GenerateCrlOptions = {}): Promise<Uint8Array> {
    return this.exclusive(async () => {
      if (options.crlNumber !== undefined) {
        if (options.crlNumber < 0n) throw new Error('crlNumber must be non-negative');
        await fs.writeFile(
          path.join(this.dir, 'crlnumber'),
          `${normaliseSerialHex(options.crlNumber.toString(16))}\n`,
        );
      }
      const timeArgs: string[] = [];
      if (options.lastUpdate || options.nextUpdate) {
        // openssl counts a default nextUpdate from "now", not from a forced lastUpdate.
        const lastUpdate = options.lastUpdate ?? new Date();
        const nextUpdate = options.nextUpdate ?? new Date(lastUpdate.getTime() + DEFAULT_CRL_VALIDITY_MS);
        timeArgs.push(
          '-crl_lastupdate',
          toOpensslTime(lastUpdate),
          '-crl_nextupdate',
          toOpensslTime(nextUpdate),
        );
      }
      const pemPath = path.join(this.dir, 'crl', `crl-${Date.now()}-${randomBytes(3).toString('hex')}.pem`);
      const extensionArgs = await this.crlExtensionArgs(options);
      await openssl([
        'ca',
        '-batch',
        '-gencrl',
        ...extensionArgs,
        ...(options.omitCrlNumber ? ['-name', 'CA_no_crlnumber'] : []),
        ...timeArgs,
        '-out',
        pemPath,
      ]);
      if (options.form === 'PEM') return new Uint8Array(await fs.readFile(pemPath));
      const { stdout } = await openssl(['crl', '-in', pemPath, '-outform', 'DER']);
      return new Uint8Array(stdout);
    });
  }

  /** `-config` (and `-crlexts`) for a CRL with extensions of its own: a copy of the config with one more section. */
  private async crlExtensionArgs(options: GenerateCrlOptions): Promise<string[]> {
    const idp = options.issuingDistributionPoint;
    if (!idp && !options.crlExtensions) return ['-config', this.configPath];
    const lines = [...(options.crlExtensions ?? ['authorityKeyIdentifier = keyid:always'])];
    const idpSection: string[] = [];
    if (idp) {
      for (const uri of idp.uris) assertConfigSafe('IDP URI', uri);
      lines.push(`issuingDistributionPoint = ${idp.critical === false ? '' : 'critical, '}@crl_idp`);
      idpSection.push(
        '[ crl_idp ]',
        `fullname = ${idp.uris.map((uri) => `URI:${uri}`).join(', ')}`,
        ...(idp.indirect ? ['indirectCRL = TRUE'] : []),
      );
    }
    const config = `${await fs.readFile(this.configPath, 'utf8')}\n[ crl_ext_custom ]\n${lines.join('\n')}\n${idpSection.join('\n')}\n`;
    const configPath = this.scratchPath('crl-config', 'cnf');
    await fs.writeFile(configPath, config);
    return ['-config', configPath, '-crlexts', 'crl_ext_custom'];
  }

  /** A DER OCSPRequest for one certificate (RFC 6960 §4.1); no nonce unless asked. */
  async ocspRequest(cert: IssuedCert, options: OcspRequestOptions = {}): Promise<Uint8Array> {
    const reqPath = this.scratchPath('ocsp-req', 'der');
    // The digest flag must precede -cert: it selects the CertID hash (RFC 6960 §4.1.1).
    await openssl([
      'ocsp',
      '-issuer',
      this.cert.certPath,
      `-${options.hash ?? 'sha1'}`,
      '-cert',
      cert.certPath,
      ...(options.nonce ? ['-nonce'] : ['-no_nonce']),
      '-reqout',
      reqPath,
    ]);
    return new Uint8Array(await fs.readFile(reqPath));
  }

  /** A pre-generated OCSP response from `openssl ocsp -index` acting as the CA's responder. */
  async ocspResponse(cert: IssuedCert, options: OcspResponseOptions = {}): Promise<Uint8Array> {
    const request = await this.ocspRequest(cert, { hash: options.hash ?? 'sha1', nonce: options.nonce });
    return this.exclusive(async () => {
      const reqPath = this.scratchPath('ocsp-req', 'der');
      const respPath = this.scratchPath('ocsp-resp', 'der');
      await fs.writeFile(reqPath, request);
      const signer = options.signer ?? this.cert;
      await openssl([
        'ocsp',
        '-index',
        path.join(this.dir, 'index.txt'),
        '-CA',
        this.cert.certPath,
        '-rsigner',
        signer.certPath,
        '-rkey',
        signer.keyPath,
        '-rmd',
        'sha256',
        ...(options.responderId === 'byKey' ? ['-resp_key_id'] : []),
        '-reqin',
        reqPath,
        '-respout',
        respPath,
        '-nmin',
        String(options.validityMinutes ?? DEFAULT_OCSP_VALIDITY_MINUTES),
      ]);
      return new Uint8Array(await fs.readFile(respPath));
    });
  }

  /** Detached CMS SignedData (RFC 5652 §5) with signed attributes and the signer certificate. */
  async signDetached(
    data: Uint8Array,
    signer: IssuedCert,
    options: SignDetachedOptions = {},
  ): Promise<Uint8Array> {
    return cmsSignDetached(data, signer, options);
  }

  private async certifyKey(keyPath: string, certPath: string, options: IssueOptions): Promise<void> {
    const keyType = options.keyType ?? 'ec';
    const csrPath = certPath.replace(/\.crt$/, '.csr');
    const extPath = certPath.replace(/\.crt$/, '.ext');
    await openssl([
      'req',
      '-new',
      '-config',
      this.configPath,
      '-key',
      keyPath,
      '-subj',
      toSubject(options.commonName, options.organization),
      '-out',
      csrPath,
    ]);
    await fs.writeFile(
      extPath,
      `[ ext ]\n${profileExtensions(options.profile, keyType, options).join('\n')}\n`,
    );
    await this.exclusive(async () => {
      const serial = normaliseSerialHex(options.serialHex ?? randomSerialHex());
      await fs.writeFile(path.join(this.dir, 'serial'), `${serial}\n`);
      await openssl([
        'ca',
        '-batch',
        '-notext',
        '-config',
        this.configPath,
        '-in',
        csrPath,
        '-out',
        certPath,
        '-extfile',
        extPath,
        '-extensions',
        'ext',
        ...validityArgs(options, DEFAULT_LEAF_DAYS, LEAF_BACKDATE_MS),
      ]);
    });
  }

  /** `openssl ca -revoke` always stamps "now"; tests need chosen times, so patch the database. */
  private async setRevocationTime(serialHex: string, time: Date): Promise<void> {
    const indexPath = path.join(this.dir, 'index.txt');
    // Compare as numbers in hex: index.txt and `x509 -serial` may differ in case and leading zeros.
    const canonical = (hex: string) => normaliseSerialHex(hex).replace(/^0+(?=.)/, '');
    const wanted = canonical(serialHex);
    const lines = (await fs.readFile(indexPath, 'utf8')).split('\n');
    let patched = false;
    const updated = lines.map((line) => {
      const fields = line.split('\t');
      if (fields[0] !== 'R' || canonical(fields[3] ?? '') !== wanted) return line;
      const reason = (fields[2] ?? '').split(',').slice(1);
      fields[2] = [toUtcTime(time), ...reason].join(',');
      patched = true;
      return fields.join('\t');
    });
    if (!patched) throw new Error(`serial ${serialHex} is not revoked in ${indexPath}`);
    await fs.writeFile(indexPath, updated.join('\n'));
  }

  private scratchPath(prefix: string, ext: string): string {
    return path.join(this.dir, 'scratch', `${prefix}-${Date.now()}-${randomBytes(4).toString('hex')}.${ext}`);
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private static async prepareDir(dir: string): Promise<string> {
    const absolute = path.resolve(dir);
    const existing = await fs.stat(path.join(absolute, 'ca.crt')).catch(() => undefined);
    if (existing) throw new Error(`${absolute} already holds a CA; use OpensslCa.open() to reuse it`);
    for (const sub of ['newcerts', 'issued', 'crl', 'scratch']) {
      await fs.mkdir(path.join(absolute, sub), { recursive: true });
    }
    await fs.writeFile(path.join(absolute, 'index.txt'), '');
    await fs.writeFile(path.join(absolute, 'index.txt.attr'), 'unique_subject = no\n');
    await fs.writeFile(path.join(absolute, 'crlnumber'), '01\n');
    await fs.writeFile(path.join(absolute, 'openssl.cnf'), caConfig(absolute));
    return absolute;
  }
}

function validityArgs(
  options: { days?: number; notBefore?: Date; notAfter?: Date },
  defaultDays: number,
  backdateMs: number,
): string[] {
  const start = options.notBefore ?? new Date(Date.now() - backdateMs);
  const end = options.notAfter ?? new Date(start.getTime() + (options.days ?? defaultDays) * DAY_MS);
  return ['-startdate', toOpensslTime(start), '-enddate', toOpensslTime(end)];
}

function detectKeyType(keyPem: string): KeyType {
  const type = createPrivateKey(keyPem).asymmetricKeyType;
  if (type === 'rsa') return 'rsa';
  if (type === 'ec') return 'ec';
  throw new Error(`unsupported CA key type ${String(type)}`);
}

/** `openssl cms -sign -binary`: detached by default, signed attributes on, signer cert included. */
export async function cmsSignDetached(
  data: Uint8Array,
  signer: IssuedCert,
  options: SignDetachedOptions = {},
): Promise<Uint8Array> {
  // `cms -certfile` takes a single file, so a chain goes through a temporary bundle.
  const bundleDir = options.extraCertsPem
    ? await fs.mkdtemp(path.join(os.tmpdir(), 'cms-certs-'))
    : undefined;
  const bundlePath = bundleDir ? path.join(bundleDir, 'certs.pem') : undefined;
  if (bundlePath) await fs.writeFile(bundlePath, options.extraCertsPem ?? '');
  try {
    const { stdout } = await openssl(
      [
        'cms',
        '-sign',
        '-binary',
        '-md',
        'sha256',
        '-signer',
        signer.certPath,
        '-inkey',
        signer.keyPath,
        ...(options.cades ? ['-cades'] : []),
        ...(bundlePath ? ['-certfile', bundlePath] : []),
        '-outform',
        options.form ?? 'DER',
      ],
      { input: data },
    );
    return new Uint8Array(stdout);
  } finally {
    if (bundleDir) await fs.rm(bundleDir, { recursive: true, force: true });
  }
}
