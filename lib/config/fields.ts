/**
 * Reading one JSON configuration field at a time: every check names the field it is about, so an
 * operator fixes the file, not the code. Shared by lib/config.ts and the readers beside this file.
 */

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function object(raw: unknown, field: string): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`${field} must be a JSON object`);
  }
  return raw as Record<string, unknown>;
}

export function check(condition: boolean, field: string, message: string): asserts condition {
  if (!condition) throw new ConfigError(`${field}: ${message}`);
}

/** Refuses keys an object does not know: a misspelt field would otherwise be silently ignored. */
export function knownFields(c: Record<string, unknown>, field: string, known: readonly string[]): void {
  for (const key of Object.keys(c)) {
    if (!known.includes(key))
      throw new ConfigError(`${field}: unknown field "${key}"; known: ${known.join(', ')}`);
  }
}

export function requiredString(c: Record<string, unknown>, key: string, prefix = ''): string {
  const value = optionalString(c, key, prefix);
  check(value !== undefined, `${prefix}${key}`, 'is required');
  return value;
}

export function optionalString(c: Record<string, unknown>, key: string, prefix = ''): string | undefined {
  const value = c[key];
  if (value === undefined) return undefined;
  check(typeof value === 'string' && value.length > 0, `${prefix}${key}`, 'must be a non-empty string');
  return value;
}

export function optionalBoolean(
  c: Record<string, unknown>,
  key: string,
  fallback: boolean,
  prefix = '',
): boolean {
  const value = c[key] ?? fallback;
  check(typeof value === 'boolean', `${prefix}${key}`, 'must be true or false');
  return value;
}

export function stringArray(
  c: Record<string, unknown>,
  key: string,
  options: { required?: boolean; prefix?: string } = {},
): string[] {
  const value = c[key];
  const field = `${options.prefix ?? ''}${key}`;
  if (value === undefined) {
    check(!options.required, field, 'is required');
    return [];
  }
  check(
    Array.isArray(value) && value.every((v) => typeof v === 'string' && v.length > 0),
    field,
    'must be an array of non-empty strings',
  );
  return value as string[];
}

export function integer(
  c: Record<string, unknown>,
  key: string,
  fallback: number,
  min: number,
  max: number,
  prefix = '',
): number {
  const value = c[key];
  if (value === undefined) return fallback;
  check(
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
    `${prefix}${key}`,
    `must be an integer from ${min} to ${max}`,
  );
  return value;
}

export function isCidr(value: string): boolean {
  const [address, bits, extra] = value.split('/');
  if (extra !== undefined || address === undefined || bits === undefined || !/^\d{1,3}$/.test(bits))
    return false;
  const length = Number(bits);
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) {
    return length <= 32 && address.split('.').every((octet) => Number(octet) <= 255);
  }
  return address.includes(':') && /^[0-9a-fA-F:]+$/.test(address) && length <= 128;
}
