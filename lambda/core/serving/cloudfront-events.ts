/**
 * Lambda@Edge event shapes (origin-request, origin-response) as CloudFront delivers them; only the
 * fields ca-repo reads or writes. Headers are lowercase keys to lists of {key, value}.
 */
export type CfHeaders = Record<string, { key?: string; value: string }[]>;

export interface CfS3Origin {
  s3: {
    domainName: string;
    region?: string;
    path?: string;
    authMethod?: string;
    customHeaders?: CfHeaders;
  };
}

export interface CfRequest {
  clientIp?: string;
  method: string;
  uri: string;
  querystring: string;
  headers: CfHeaders;
  origin?: CfS3Origin;
  body?: { action?: string; encoding: 'base64' | 'text'; data: string; inputTruncated: boolean };
}

export interface CfResponse {
  status: string;
  statusDescription?: string;
  headers: CfHeaders;
  body?: string;
  bodyEncoding?: 'base64' | 'text';
}

export interface CfConfig {
  distributionDomainName?: string;
  distributionId?: string;
  eventType: 'origin-request' | 'origin-response';
  requestId?: string;
}

export interface CfOriginRequestEvent {
  Records: { cf: { config: CfConfig; request: CfRequest } }[];
}

export interface CfOriginResponseEvent {
  Records: { cf: { config: CfConfig; request: CfRequest; response: CfResponse } }[];
}

/** The first value of a header, case-insensitively. */
export function headerValue(headers: CfHeaders | undefined, name: string): string | undefined {
  return headers?.[name.toLowerCase()]?.[0]?.value;
}

/** Header names already spelt for CloudFront (`content-type` → `Content-Type`), bounded: a client
 *  may send any names, while the edge's own answers use a dozen, every request. */
const SPELT_NAMES = new Map<string, string>();
const MAX_SPELT_NAMES = 256;

function speltName(name: string): string {
  let key = SPELT_NAMES.get(name);
  if (key === undefined) {
    key = name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
    if (SPELT_NAMES.size < MAX_SPELT_NAMES) SPELT_NAMES.set(name, key);
  }
  return key;
}

/** Plain lowercase headers → CloudFront's list form (Lambda@Edge requires both key and value);
 *  `omit` names a header left out (one CloudFront sets itself). */
export function toCfHeaders(headers: Record<string, string>, omit?: string): CfHeaders {
  const out: CfHeaders = {};
  for (const name in headers) {
    if (name === omit) continue;
    out[name.toLowerCase()] = [{ key: speltName(name), value: headers[name]! }];
  }
  return out;
}

export function fromCfHeaders(headers: CfHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of Object.entries(headers ?? {})) {
    if (values[0]) out[name.toLowerCase()] = values[0].value;
  }
  return out;
}
