/* global module */
/**
 * The walls of the house (docs/ARCHITECTURE.md draws them). `npm test` runs this over every
 * production room; test/unit/architecture.test.ts shows that a wrong import fails it.
 *
 * Rooms, from the ground up:
 *   lambda/core      pure domain logic by subdomain; imports nothing with I/O
 *   lambda/storage   the object-store port and its S3, memory and directory implementations
 *   lambda/services  orchestrate core through ports
 *   lambda/adapters  implement ports (clock, CDN, HTTP, S3 events)
 *   lambda/handlers  Lambda entry points: translate events, wire adapters
 *   lambda/edge      the CloudFront Function (core only: it runs in CloudFront's JS runtime)
 *   lambda/local     the local repository: runs the same handlers on an embedded S3 server
 *   onprem           what runs on the CA's machine: bundle packer, uploader
 *   lib              CDK infrastructure only
 *   reporting        availability report and cost model (read by the CLI and the evidence pack)
 *   evidence         the investigator pack, read from the synthesized app
 *   testkit          PKI, documents and bundles generated at run time (demo, tests, bench)
 *   cli, bin         commands: the only rooms that wire everything together
 */
const PURE_FORBIDDEN_MODULES = [
  '^node:(fs|fs/promises|child_process|net|http|https|http2|dgram|dns|tls|worker_threads|cluster|os|process)$',
  '^(fs|child_process|net|http|https|os)$',
  // npm packages resolve to node_modules/<name>/..., or stay bare when not installed
  '(^|node_modules/)(@aws-sdk|@smithy|aws-cdk-lib|constructs|s3rver)(/|$)',
];

/** Rooms that ship to AWS or to the CA's machine: none of them may reach into tests or fixtures. */
const PRODUCTION = '^(lambda|onprem|lib|reporting|evidence|cli|bin)/';

module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment: 'lambda/core holds no I/O: no SDK, file system, network or process access.',
      severity: 'error',
      from: { path: '^lambda/core/' },
      to: { path: PURE_FORBIDDEN_MODULES },
    },
    {
      name: 'core-imports-only-core',
      comment: 'lambda/core is the ground floor: it imports nothing of the project outside itself.',
      severity: 'error',
      from: { path: '^lambda/core/' },
      to: { dependencyTypes: ['local'], pathNot: '^lambda/core/' },
    },
    {
      name: 'storage-stands-on-core',
      comment: 'lambda/storage is shared with on-prem code: it imports only core and itself.',
      severity: 'error',
      from: { path: '^lambda/storage/' },
      to: { dependencyTypes: ['local'], pathNot: '^lambda/(core|storage)/' },
    },
    {
      name: 'services-talk-through-ports',
      comment: 'lambda/services reach the outside world only through ports (no adapter, handler, local).',
      severity: 'error',
      from: { path: '^lambda/services/' },
      to: { dependencyTypes: ['local'], pathNot: '^lambda/(core|storage|services)/' },
    },
    {
      name: 'services-no-sdk',
      comment: 'Services use ports; SDK clients belong to adapters and storage.',
      severity: 'error',
      from: { path: '^lambda/services/' },
      to: { path: '(^|node_modules/)@aws-sdk/' },
    },
    {
      name: 'adapters-never-import-handlers',
      comment: 'Adapters implement ports; they never reach up into handlers, local or the CLI.',
      severity: 'error',
      from: { path: '^lambda/adapters/' },
      to: { dependencyTypes: ['local'], pathNot: '^lambda/(core|storage|services|adapters)/' },
    },
    {
      name: 'handlers-are-thin',
      comment: 'Handlers translate events and wire adapters; they do not use the local repository.',
      severity: 'error',
      from: { path: '^lambda/handlers/' },
      to: { dependencyTypes: ['local'], pathNot: '^lambda/(core|storage|services|adapters|handlers)/' },
    },
    {
      name: 'edge-function-stands-on-core',
      comment: 'The CloudFront Function is built from lambda/edge and core alone (one ES5 file).',
      severity: 'error',
      from: { path: '^lambda/edge/', pathNot: '^lambda/edge/build-viewer-request[.]ts$' },
      to: { dependencyTypes: ['local'], pathNot: '^lambda/(core|edge)/' },
    },
    {
      name: 'local-stays-in-lambda',
      comment: 'The local repository runs the cloud-side code; it knows nothing of the CLI or on-prem.',
      severity: 'error',
      from: { path: '^lambda/local/' },
      to: { dependencyTypes: ['local'], pathNot: '^lambda/' },
    },
    {
      name: 'onprem-never-imports-cloud-side',
      comment:
        'On-prem code runs in the closed network: core and storage only, never services, adapters, handlers, edge or local.',
      severity: 'error',
      from: { path: '^onprem/' },
      to: { dependencyTypes: ['local'], pathNot: '^(onprem|lambda/core|lambda/storage)/' },
    },
    {
      name: 'lib-is-infrastructure',
      comment:
        'lib/ is CDK only: shared names from core and the edge function build, never CLI, services, handlers.',
      severity: 'error',
      from: { path: '^lib/' },
      to: {
        dependencyTypes: ['local'],
        pathNot: '^(lib/|lambda/core/|lambda/edge/build-viewer-request[.]ts$)',
      },
    },
    {
      name: 'reporting-stands-on-core',
      comment: 'Reports and the cost model are pure renderings of core data.',
      severity: 'error',
      from: { path: '^reporting/' },
      to: { dependencyTypes: ['local'], pathNot: '^(reporting|lambda/core)/' },
    },
    {
      name: 'evidence-reads-the-app',
      comment:
        'The evidence pack reads the synthesized app (lib) and renders core/reporting data; it runs nothing.',
      severity: 'error',
      from: { path: '^evidence/' },
      to: { dependencyTypes: ['local'], pathNot: '^(evidence|lib|reporting|lambda/core)/' },
    },
    {
      name: 'testkit-only-for-demo-tests-bench',
      comment: 'Generated test PKI is for the demo, the tests and the bench; production code never uses it.',
      severity: 'error',
      from: { path: PRODUCTION, pathNot: '^cli/demo-command[.]ts$' },
      to: { path: '^(testkit|test|bench)/' },
    },
    {
      name: 'no-circular',
      comment: 'A circle of imports has no floor to stand on.',
      severity: 'error',
      from: { path: PRODUCTION },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves (a moved file leaves no dangling import behind).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|cdk[.]out|dist|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
