/**
 * Use case A: investigators confirm availability from the operational record. That record is the
 * health checker's hash-chained ledger (a scheduled relying-party probe, issue 5) when the app
 * deploys one, or a ledger written by `ca-repo health` elsewhere and given with --ledger; access
 * logs and log groups with their retention complete it. Without either ledger there is no record
 * of availability to show, and the row says so.
 */
import { findHealthChecker, logBuckets } from '../app-topology.ts';
import { Findings, type Requirement } from '../requirement.ts';
import { asArray, isRecord, versioningStatus } from '../template-query.ts';

export const operationalRecordRequirement: Requirement = {
  id: 'uc-a-operational-record',
  title: 'Operational record of availability (health ledger, logs)',
  source:
    'Use case A: investigators confirm availability from the design drawing, the configuration, an SLA and the operational record of the service',
  group: 'use-case-a',
  evaluate({ assembly, shell, availability }) {
    const findings = new Findings();
    const checker = findHealthChecker(assembly);
    for (const { fn, schedule, trigger } of checker?.functions ?? []) {
      findings.check(trigger, 'ScheduleExpression → Targets', `${schedule} → ${fn.logicalId}`, true);
      findings.command(
        `aws lambda get-function-configuration --function-name ${shell.physicalId(fn)} --region ${fn.stack.region} --query "[FunctionName,LastModified,State]"`,
      );
    }
    for (const ledger of checker?.ledgerBuckets ?? []) {
      const lock = ledger.properties.ObjectLockEnabled === true;
      const versioning = versioningStatus(ledger);
      findings.check(
        ledger,
        'ObjectLockEnabled / VersioningConfiguration.Status',
        `${lock} / ${versioning}`,
        true,
      );
      findings.command(
        `aws s3api list-objects-v2 --bucket ${shell.physicalId(ledger)} --region ${ledger.stack.region} --prefix ledger/ --query "reverse(sort_by(Contents,&Key))[:5].[Key,LastModified]" --output table`,
      );
      findings.command(
        `npx ca-repo report --ledger s3://${shell.physicalId(ledger).replace(/"/g, '')} --out report/`,
      );
    }
    for (const alarm of checker?.alarms ?? []) {
      findings.check(
        alarm,
        'AlarmDescription',
        String(alarm.properties.AlarmDescription ?? alarm.properties.MetricName ?? ''),
        true,
      );
    }
    for (const dashboard of checker?.dashboards ?? []) {
      findings.check(
        dashboard,
        'DashboardName',
        String(dashboard.properties.DashboardName ?? '(generated)'),
        true,
      );
    }
    if (availability) {
      findings.checkRecord(
        availability.ledger,
        'hash chain',
        availability.chainSummary,
        availability.chainIntact,
        `the ledger's hash chain is broken: ${availability.chainSummary}`,
      );
      findings.checkRecord(
        availability.ledger,
        'probe runs',
        `${availability.runs} run(s), ${availability.firstRun ?? '?'} – ${availability.lastRun ?? '?'}; availability ${availability.availabilityPercent} % (SLO ${availability.sloPercent} %)`,
        availability.runs > 0,
        'the ledger holds no probe run',
      );
    }
    for (const [bucket] of logBuckets(assembly)) {
      const lifecycle = bucket.properties.LifecycleConfiguration;
      const expiry = (isRecord(lifecycle) ? asArray(lifecycle.Rules as Record<string, unknown>[]) : [])
        .filter(isRecord)
        .map((r) => r.ExpirationInDays)
        .find((d) => d !== undefined);
      findings.check(
        bucket,
        'LifecycleConfiguration expiration (access logs kept)',
        expiry === undefined ? 'kept indefinitely' : `${String(expiry)} days`,
        true,
      );
    }
    const hasLedger =
      (checker?.functions.length ?? 0) > 0 || (availability !== undefined && availability.runs > 0);
    if (!hasLedger) {
      findings.fail(
        'no health checker in the app (no scheduled probe function) and no ledger given with --ledger: there is no record of measured availability',
      );
      findings.command(
        `npx ca-repo health --repo http://${shell.host(assembly.ofType('AWS::CloudFront::Distribution')[0])}/ --trust CA.pem --ledger ledger/   # on a schedule, e.g. every minute`,
      );
    }
    findings.command(
      'npx ca-repo evidence --config ca-repo.config.json --ledger ledger/ --out evidence/   # this pack with the availability summary',
    );
    return findings.conclude(
      {
        met: checker
          ? `The health checker (${checker.functions.map((f) => f.fn.logicalId).join(', ')}) probes the repository on a schedule and appends to a hash-chained ledger${availability ? '; the given ledger is summarised below' : ''}.`
          : `The given ledger records ${availability?.runs ?? 0} probe run(s) with an intact hash chain.`,
      },
      [
        'lambda/core/health/ledger.ts (hash chain)',
        'reporting/report.ts',
        'cli/report-command.ts (ca-repo report)',
      ],
    );
  },
};
