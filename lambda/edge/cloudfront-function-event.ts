/**
 * The CloudFront Functions event and response shapes (runtime cloudfront-js-2.0) that the
 * viewer-request function reads and returns.
 */
export interface CfValue {
  value: string;
}

export interface CfFunctionRequest {
  method: string;
  uri: string;
  querystring: Record<string, CfValue & { multiValue?: CfValue[] }>;
  headers: Record<string, CfValue & { multiValue?: CfValue[] }>;
  cookies: Record<string, CfValue>;
}

export interface CfFunctionResponse {
  statusCode: number;
  statusDescription?: string;
  headers?: Record<string, CfValue>;
  body?: { encoding: 'text' | 'base64'; data: string };
}

export interface CfFunctionEvent {
  version: '1.0';
  context: {
    eventType: 'viewer-request';
    distributionDomainName?: string;
    distributionId?: string;
    requestId?: string;
  };
  viewer: { ip: string };
  request: CfFunctionRequest;
}
