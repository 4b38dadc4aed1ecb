/**
 * The parts of the drawing that are in no template: the on-premises side (HSM, CA, uploader host),
 * the relying parties on the Internet, and the operators the alarm topics' subscriptions reach.
 */
import { referencedResource } from '../template-query.ts';
import type { DiagramScene } from './diagram-scene.ts';
import { nodeIdOf, ON_PREM, PEOPLE } from './model.ts';

/** The closed network: the HSM, the CA and the host that uploads. */
export function drawOnPremises(scene: DiagramScene): void {
  scene.addCluster({
    id: ON_PREM.cluster,
    kind: 'on-prem',
    label: 'On-premises (closed network)',
    sublabel: 'signing keys never leave; nothing in AWS connects in',
  });
  const box = (id: string, title: string, service: string, details: string[]) =>
    scene.addNode({
      id,
      kind: 'on-prem',
      title,
      service,
      details,
      marks: [],
      logicalIds: [],
      clusterId: ON_PREM.cluster,
    });
  box(ON_PREM.hsm, 'HSM', 'hardware security module', ['CA private keys (never exported)']);
  box(ON_PREM.ca, 'Certification authority', 'issuing system', [
    'signs certificates, CRLs,',
    'OCSP responses, CP/CPS',
  ]);
  box(ON_PREM.uploader, 'Uploader host', 'ca-repo publish', [
    'packs signed files into bundles,',
    'uploads, polls for the receipt',
  ]);
}

export function drawRelyingParties(scene: DiagramScene): void {
  scene.addCluster({ id: PEOPLE.cluster, kind: 'internet', label: 'Internet' });
  scene.addNode({
    id: PEOPLE.relyingParties,
    kind: 'people',
    title: 'Relying parties',
    service: 'OpenSSL, Java, Windows, browsers',
    details: ['fetch CRLs (CDP), CA certificates (AIA),', 'OCSP (GET/POST), CP/CPS, index.json'],
    marks: [],
    logicalIds: [],
    clusterId: PEOPLE.cluster,
  });
}

/** The signing chain inside the closed network (the uploader's outbound path is wired from its role). */
export function wireOnPremises(scene: DiagramScene): void {
  scene.addEdge({
    from: ON_PREM.hsm,
    to: ON_PREM.ca,
    kind: 'control',
    label: 'signs (keys stay in the HSM)',
  });
  scene.addEdge({ from: ON_PREM.ca, to: ON_PREM.uploader, kind: 'data', label: 'signed artifacts' });
}

/** The operators, when an SNS subscription reaches someone, with an arrow from each subscribed topic. */
export function drawOperators(scene: DiagramScene): void {
  const { assembly } = scene;
  const subscriptions = assembly.ofType('AWS::SNS::Subscription');
  if (subscriptions.length === 0) return;
  scene.addCluster({ id: PEOPLE.operatorsCluster, kind: 'internet', label: 'CA operations' });
  scene.addNode({
    id: PEOPLE.operators,
    kind: 'people',
    title: 'Operators',
    service: 'CA operations team',
    details: subscriptions.map(
      (s) =>
        `${String(s.properties.Protocol)}: ${typeof s.properties.Endpoint === 'string' ? s.properties.Endpoint : '…'}`,
    ),
    marks: [],
    logicalIds: [],
    clusterId: PEOPLE.operatorsCluster,
  });
  for (const subscription of subscriptions) {
    const topic = referencedResource(assembly, subscription.stack, subscription.properties.TopicArn);
    if (topic) {
      scene.addEdge({
        from: nodeIdOf(topic),
        to: PEOPLE.operators,
        kind: 'notify',
        label: `${String(subscription.properties.Protocol)} notification`,
      });
    }
  }
}
