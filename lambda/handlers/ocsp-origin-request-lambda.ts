/** Lambda@Edge origin-request entry point (OCSP behaviour, includeBody): answers OCSP POSTs. */
import { storesForS3Origin } from '../adapters/s3-origin-stores.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { createOcspOriginRequestHandler } from './edge-handlers.ts';

export const handler = createOcspOriginRequestHandler({ storesFor: storesForS3Origin, clock: systemClock });
