/**
 * The Issuing Distribution Point CRL extension (RFC 5280 §5.2.5): which certificates a CRL covers
 * and where it is distributed. A CRL carrying one is a partition (a "sharded" CRL, BR §7.2.2.1);
 * its fullName URIs are the URLs the certificates it covers name in their CRL distribution point.
 *
 *   IssuingDistributionPoint ::= SEQUENCE {
 *     distributionPoint          [0] DistributionPointName OPTIONAL,
 *     onlyContainsUserCerts      [1] BOOLEAN DEFAULT FALSE,
 *     onlyContainsCACerts        [2] BOOLEAN DEFAULT FALSE,
 *     onlySomeReasons            [3] ReasonFlags OPTIONAL,
 *     indirectCRL                [4] BOOLEAN DEFAULT FALSE,
 *     onlyContainsAttributeCerts [5] BOOLEAN DEFAULT FALSE }
 *   DistributionPointName ::= CHOICE { fullName [0] GeneralNames, nameRelativeToCRLIssuer [1] RDN }
 *
 * Parsed by hand over asn1js: the implicitly tagged booleans are where generic decoders go wrong.
 */
import * as asn1js from 'asn1js';
import type * as pkijs from 'pkijs';
import { parseBer } from '../encoding/asn1.ts';
import { OID } from '../pki/oids.ts';
import { RejectedError } from '../rejection.ts';

export interface IssuingDistributionPoint {
  critical: boolean;
  /** uniformResourceIdentifier [6] names of the fullName, as encoded (IA5String). */
  fullNameUris: string[];
  /** Some fullName holds a name of another form (directoryName, dNSName...). */
  otherNames: boolean;
  nameRelativeToCrlIssuer: boolean;
  onlyContainsUserCerts: boolean;
  onlyContainsCaCerts: boolean;
  onlySomeReasons: boolean;
  indirectCrl: boolean;
  onlyContainsAttributeCerts: boolean;
  /** The extension's value (the DER of the SEQUENCE): a replacement must carry the same. */
  der: Uint8Array;
}

const CONTEXT = 3;
const URI_TAG = 6;

function contextTag(block: asn1js.AsnType): number | undefined {
  const id = (block as asn1js.BaseBlock).idBlock;
  return id.tagClass === CONTEXT ? id.tagNumber : undefined;
}

function bad(what: string): never {
  throw new RejectedError(`CRL Issuing Distribution Point is malformed: ${what} (RFC 5280 §5.2.5)`);
}

/** A DER BOOLEAN's content octet under an implicit tag: 0xFF true, 0x00 false (X.690 §11.1). */
function implicitBoolean(block: asn1js.AsnType, field: string): boolean {
  const bytes = (block as asn1js.Primitive).valueBlock.valueHexView;
  if (bytes.length !== 1 || (bytes[0] !== 0xff && bytes[0] !== 0x00)) bad(`${field} is not a DER BOOLEAN`);
  // DER (X.690 §11.5): a field equal to its DEFAULT is absent, never encoded FALSE.
  if (bytes[0] === 0x00) bad(`${field} encodes its default FALSE, which DER omits`);
  return true;
}

function readGeneralNames(fullName: asn1js.Constructed, into: IssuingDistributionPoint): void {
  for (const name of fullName.valueBlock.value) {
    if (contextTag(name) === URI_TAG && !(name as asn1js.BaseBlock).idBlock.isConstructed) {
      const bytes = (name as asn1js.Primitive).valueBlock.valueHexView;
      // IA5String: 7-bit only (RFC 5280 §4.2.1.6).
      if (bytes.some((b) => b > 0x7f)) bad('a URI is not an IA5String');
      into.fullNameUris.push(String.fromCharCode(...bytes));
    } else {
      into.otherNames = true;
    }
  }
}

/** The CRL's Issuing Distribution Point, or undefined when it has none. */
export function issuingDistributionPointOf(
  crl: pkijs.CertificateRevocationList,
): IssuingDistributionPoint | undefined {
  const extension = crl.crlExtensions?.extensions.find((e) => e.extnID === OID.issuingDistributionPoint);
  if (!extension) return undefined;
  const der = new Uint8Array(extension.extnValue.valueBlock.valueHexView);
  const parsed = parseBer(der);
  if (!parsed.ok || !(parsed.result instanceof asn1js.Sequence) || parsed.length !== der.length) {
    bad('not a DER SEQUENCE');
  }
  const idp: IssuingDistributionPoint = {
    critical: extension.critical,
    fullNameUris: [],
    otherNames: false,
    nameRelativeToCrlIssuer: false,
    onlyContainsUserCerts: false,
    onlyContainsCaCerts: false,
    onlySomeReasons: false,
    indirectCrl: false,
    onlyContainsAttributeCerts: false,
    der,
  };
  for (const item of parsed.result.valueBlock.value) {
    switch (contextTag(item)) {
      case 0: {
        const [choice] = (item as asn1js.Constructed).valueBlock.value ?? [];
        if (!choice) bad('empty distributionPoint');
        const tag = contextTag(choice);
        if (tag === 0) readGeneralNames(choice as asn1js.Constructed, idp);
        else if (tag === 1) idp.nameRelativeToCrlIssuer = true;
        else bad('distributionPoint is neither fullName nor nameRelativeToCRLIssuer');
        break;
      }
      case 1:
        idp.onlyContainsUserCerts = implicitBoolean(item, 'onlyContainsUserCerts');
        break;
      case 2:
        idp.onlyContainsCaCerts = implicitBoolean(item, 'onlyContainsCACerts');
        break;
      case 3:
        idp.onlySomeReasons = true;
        break;
      case 4:
        idp.indirectCrl = implicitBoolean(item, 'indirectCRL');
        break;
      case 5:
        idp.onlyContainsAttributeCerts = implicitBoolean(item, 'onlyContainsAttributeCerts');
        break;
      default:
        bad('unknown field');
    }
  }
  return idp;
}
