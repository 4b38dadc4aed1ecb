import { describe, expect, it } from 'vitest';
import { targetFromOutputs } from '../../onprem/stack-target.ts';

describe('publish --stack: the target from CloudFormation outputs', () => {
  it('takes the ingest bucket and repository URL', () => {
    expect(
      targetFromOutputs('CaRepo', [
        { OutputKey: 'IngestBucketName', OutputValue: 'ca-repo-ingest-123' },
        { OutputKey: 'IngestBucketRegion', OutputValue: 'ap-northeast-1' },
        { OutputKey: 'RepositoryUrl', OutputValue: 'http://pki.example.jp' },
        { OutputKey: 'OcspUrl', OutputValue: 'http://pki.example.jp/ocsp' },
      ]),
    ).toEqual({
      ingestBucket: 'ca-repo-ingest-123',
      ingestRegion: 'ap-northeast-1',
      repositoryUrl: 'http://pki.example.jp',
    });
  });

  it('names the missing output', () => {
    expect(() => targetFromOutputs('Other', [{ OutputKey: 'RepositoryUrl', OutputValue: 'x' }])).toThrow(
      'stack Other has no output IngestBucketName: is it a ca-repo repository stack?',
    );
  });
});
