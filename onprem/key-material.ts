/**
 * Private key material found in a bundle on the CA's machine: the upload stops before a byte is
 * sent, with its own exit code (3) and one line per file.
 */
import { CliError } from '../lambda/core/contract/cli-error.ts';
import { EXIT } from '../lambda/core/contract/exit-codes.ts';
import type { PreflightVerdict } from '../lambda/core/publish/preflight.ts';

export type KeyMaterialVerdict = Extract<PreflightVerdict, { outcome: 'key-material' }>;

/**
 * A bundle holding private key material: nothing was sent. Its message is one line per file, the
 * form of the key named, as an operator needs it to find and remove each one.
 */
export class KeyMaterialError extends CliError {
  override name = 'KeyMaterialError';

  constructor(readonly files: readonly KeyMaterialVerdict[]) {
    super(files.map(describeKeyMaterial).join('\n'), { exitCode: EXIT.keyMaterial });
  }
}

export function describeKeyMaterial(verdict: KeyMaterialVerdict): string {
  return `${verdict.file}: private key material (${verdict.form}): nothing was sent; move the file out of the bundle, keys never leave the CA`;
}
