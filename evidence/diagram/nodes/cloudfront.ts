/**
 * CloudFront, drawn in the edge network: the distribution (aliases, price class, HTTP version and
 * each cache behaviour's viewer protocol and methods) and the CloudFront Functions it runs.
 */
import { cacheBehaviors, distributionConfig } from '../../app-topology.ts';
import { asArray, isRecord } from '../../template-query.ts';
import { AWS_CLUSTERS } from '../diagram-scene.ts';
import { shorten, type NodeDrawer } from '../node-drawer.ts';

export const cloudFrontDistribution: NodeDrawer = {
  service: 'CloudFront distribution',
  draw(resource, box) {
    const config = distributionConfig(resource);
    const aliases = asArray(config.Aliases as string[]);
    return {
      ...box,
      kind: 'distribution',
      details: [
        ...(aliases.length > 0 ? [aliases.join(', ')] : []),
        `${String(config.PriceClass ?? 'PriceClass_All')} · ${String(config.HttpVersion ?? 'http2')}`,
        ...cacheBehaviors(resource).map(
          (b) =>
            `${b.pathPattern}: ${b.viewerProtocolPolicy} (${b.allowedMethods.includes('POST') ? 'GET, POST' : 'GET, HEAD'})`,
        ),
      ],
      marks: ['[HTTP + HTTPS]'],
      clusterId: AWS_CLUSTERS.edge,
    };
  },
};

export const cloudFrontFunction: NodeDrawer = {
  service: 'CloudFront Function',
  draw(resource, box) {
    const config = isRecord(resource.properties.FunctionConfig) ? resource.properties.FunctionConfig : {};
    return {
      ...box,
      kind: 'cloudfront-function',
      details: [String(config.Runtime ?? ''), shorten(String(config.Comment ?? ''), 48)].filter((d) => d),
      clusterId: AWS_CLUSTERS.edge,
    };
  },
};
