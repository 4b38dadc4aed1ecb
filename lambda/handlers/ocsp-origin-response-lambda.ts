/** Lambda@Edge origin-response entry point: RFC 9919 headers, 403 → 404 / unauthorized, OCSP replica read. */
import { storesForS3Origin } from '../adapters/s3-origin-stores.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { createOriginResponseHandler } from './edge-handlers.ts';

export const handler = createOriginResponseHandler({ storesFor: storesForS3Origin, clock: systemClock });
