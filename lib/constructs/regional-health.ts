/**
 * The health checker of a second Region (issue 16 item 5: "the probes run from the primary and the
 * replica Regions, each Region with its own hash-chained ledger"). It probes the same public URLs
 * as the primary's checker, from another Region's network, into a ledger bucket of its own, with
 * its own trust layer and alarm topic: Lambda layers and SNS topics are regional, and the replica
 * stack is deployed before the primary one, so it can share nothing with it. `ca-repo report
 * --ledger PRIMARY --ledger REPLICA` sets the two ledgers side by side.
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { CaPolicies } from '../../lambda/core/publish/ca-policy.ts';
import { AlarmTopic } from './alarm-topic.ts';
import type { CaRepositoryHealth } from './ca-repository.ts';
import { HealthChecker } from './health-checker.ts';
import type { ObjectLockSettings } from './object-lock.ts';
import { stageTrustDirectory, TRUST_DIR } from './publisher.ts';

export interface RegionalHealthProps extends CaRepositoryHealth {
  /** The repository's public base URLs (known before the distribution exists: configured). */
  repositoryUrls: string[];
  trustCertificates: readonly Uint8Array[];
  alarmEmail?: string;
  accessLogs: s3.IBucket;
  logRetentionDays: number;
  buildDirectory: string;
  objectLock?: ObjectLockSettings;
  caPolicies?: CaPolicies;
}

export class RegionalHealth extends Construct {
  readonly alarms: AlarmTopic;
  readonly trustLayer: lambda.LayerVersion;
  readonly checker: HealthChecker;

  constructor(scope: Construct, id: string, props: RegionalHealthProps) {
    super(scope, id);
    this.alarms = new AlarmTopic(this, 'Alarms', { alarmEmail: props.alarmEmail });
    this.trustLayer = new lambda.LayerVersion(this, 'TrustLayer', {
      code: lambda.Code.fromAsset(stageTrustDirectory(props.buildDirectory, props.trustCertificates)),
      description: `ca-repo pinned CA certificates (${props.trustCertificates.length}) under ${TRUST_DIR}`,
    });
    const {
      repositoryUrls,
      trustCertificates: _certificates,
      alarmEmail: _email,
      accessLogs,
      ...rest
    } = props;
    this.checker = new HealthChecker(this, 'Health', {
      ...rest,
      repositoryUrls,
      trustLayer: this.trustLayer,
      trustDir: TRUST_DIR,
      alarmTopic: this.alarms.topic,
      accessLogs,
    });
  }
}
