/**
 * The requirements of the evidence pack, in the order an investigator reads them: use case A of the
 * Digital Agency study group, then the Baseline Requirements' repository rules. Adding a row is
 * adding a file here; every row is always shown, whatever its status.
 */
import type { Requirement } from '../requirement.ts';
import { abuseLimitsRequirement } from './abuse-limits.ts';
import { alwaysOnlineRequirement } from './always-online.ts';
import { caRetentionRequirement } from './ca-retention.ts';
import { availabilityZonesRequirement } from './availability-zones.ts';
import { encryptedLogsRequirement } from './encrypted-logs.ts';
import { fingerprintsRequirement } from './fingerprints.ts';
import { httpNotRedirectedRequirement } from './http-not-redirected.ts';
import { logIntegrityRequirement } from './log-integrity.ts';
import { monitoringRequirement } from './monitoring.ts';
import { noKeyInCloudRequirement } from './no-key-in-cloud.ts';
import { operationalRecordRequirement } from './operational-record.ts';
import { outboundOnlyUploadRequirement } from './outbound-only-upload.ts';
import { privateStorageRequirement } from './private-storage.ts';
import { replicationMonitoringRequirement } from './replication-monitoring.ts';
import { responseTimeRequirement } from './response-time.ts';
import { secondRegionRequirement } from './second-region.ts';
import { signedArtifactsRequirement } from './signed-artifacts.ts';
import { uploadAccessRequirement } from './upload-access.ts';

export const REQUIREMENTS: readonly Requirement[] = [
  availabilityZonesRequirement,
  secondRegionRequirement,
  signedArtifactsRequirement,
  privateStorageRequirement,
  noKeyInCloudRequirement,
  encryptedLogsRequirement,
  fingerprintsRequirement,
  outboundOnlyUploadRequirement,
  monitoringRequirement,
  operationalRecordRequirement,
  httpNotRedirectedRequirement,
  alwaysOnlineRequirement,
  responseTimeRequirement,
  caRetentionRequirement,
  // Audit-grade infrastructure: immutable records, the uploader identity, abuse limits, replication.
  logIntegrityRequirement,
  uploadAccessRequirement,
  abuseLimitsRequirement,
  replicationMonitoringRequirement,
];
