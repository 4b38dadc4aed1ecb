/** ca-repo's CDK library: the reusable constructs, the configuration loader and the app builder. */
export {
  CaRepository,
  type CaRepositoryProps,
  type CaRepositoryReplica,
} from './constructs/ca-repository.ts';
export { ReplicaBucket, type ReplicaBucketProps } from './constructs/replica-bucket.ts';
export { LogBucket, type LogBucketProps } from './constructs/log-bucket.ts';
export { RepositoryBucket, type RepositoryBucketProps } from './constructs/repository-bucket.ts';
export { IngestBucket, type IngestBucketProps } from './constructs/ingest-bucket.ts';
export {
  UploaderRole,
  type UploaderRoleIdentity,
  type UploaderRoleProps,
} from './constructs/uploader-role.ts';
export { Publisher, type PublisherProps } from './constructs/publisher.ts';
export { OcspEdge, type OcspEdgeProps } from './constructs/ocsp-edge.ts';
export { RepositoryDistribution, type DistributionProps } from './constructs/distribution.ts';
export { AlarmTopic, type AlarmTopicProps } from './constructs/alarm-topic.ts';
export { AuditTrail, type AuditTrailProps } from './constructs/audit-trail.ts';
export { OcspWebAcl, type OcspWebAclProps } from './constructs/ocsp-web-acl.ts';
export { ReplicationMonitor, type ReplicationMonitorProps } from './constructs/replication-monitor.ts';
export { CaRepoStack, type CaRepoStackProps } from './stacks/ca-repo-stack.ts';
export { CaRepoReplicaStack, type CaRepoReplicaStackProps } from './stacks/ca-repo-replica-stack.ts';
export { CaRepoEdgeStack, type CaRepoEdgeStackProps } from './stacks/ca-repo-edge-stack.ts';
export { loadConfig, validateConfig, ConfigError, type CaRepoConfig } from './config.ts';
export {
  addNagChecks,
  buildCaRepoApp,
  replicaBucketName,
  repositoryBucketName,
  type CaRepoStacks,
} from './build-app.ts';
