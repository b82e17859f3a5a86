import { z } from 'zod';

// Values in gateway.yaml may come from `${env.NAME}` expansion, which always yields strings, so every
// scalar schema here also takes the string spelling of its value ("4000", "true").

const DURATION_UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const SIZE_UNITS_BYTES = { b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2, gb: 1024 ** 3, gib: 1024 ** 3 } as const;

const DURATION_MESSAGE = 'expected a duration such as "30s" or a number of milliseconds';
const SIZE_MESSAGE = 'expected a size such as "1mb" or a number of bytes';

/**
 * Milliseconds in a duration: a number is milliseconds; a string is one or more `<number><unit>` parts
 * with units ms, s, m, h (`"500ms"`, `"30s"`, `"1m30s"`), or digits only (milliseconds).
 * Returns `undefined` for anything else.
 *
 * @example
 * parseDuration('1m30s'); // 90000
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(amount) * DURATION_UNITS_MS[unit as keyof typeof DURATION_UNITS_MS];
  }
  return Math.round(total);
}

/**
 * Bytes in a size: a number is bytes; a string is `<number><unit>` with units b, kb, mb, gb (binary
 * multiples, so `"1mb"` is 1 MiB; kib, mib, gib are accepted as synonyms), or digits only (bytes).
 * Returns `undefined` for anything else.
 *
 * @example
 * parseByteSize('512kb'); // 524288
 */
export function parseByteSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?$/.exec(value.trim().toLowerCase());
  if (!match) return undefined;
  const unit = (match[2] ?? 'b') as keyof typeof SIZE_UNITS_BYTES;
  return Math.round(Number(match[1]) * SIZE_UNITS_BYTES[unit]);
}

/** A duration field; the parsed value is milliseconds. */
export function duration() {
  return z.union([z.number(), z.string()], { error: DURATION_MESSAGE }).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: DURATION_MESSAGE, input: value });
      return z.NEVER;
    }
    return ms;
  });
}

/** A size field; the parsed value is bytes. */
export function byteSize() {
  return z.union([z.number(), z.string()], { error: SIZE_MESSAGE }).transform((value, ctx) => {
    const bytes = parseByteSize(value);
    if (bytes === undefined) {
      ctx.addIssue({ code: 'custom', message: SIZE_MESSAGE, input: value });
      return z.NEVER;
    }
    return bytes;
  });
}

/** An integer in `[min, max]`, given as a number or as a string of digits. */
export function integer(min: number, max: number) {
  const message = `expected an integer from ${min} to ${max}`;
  return z
    .union([z.number(), z.string().regex(/^\s*-?\d+\s*$/).transform(Number)], { error: message })
    .pipe(z.number().int({ error: message }).min(min, { error: message }).max(max, { error: message }));
}

/** A boolean, given as `true`/`false` or as the strings "true"/"false". */
export function flag() {
  return z.union([z.boolean(), z.enum(['true', 'false']).transform((text) => text === 'true')], {
    error: 'expected true or false',
  });
}

const ENFORCEMENT_MODES = ['enforce', 'measure'] as const;

/** `enforce` or `measure`: the mode of a feature that can reject requests or only report what it would reject. */
export function enforcementMode() {
  return z.enum(ENFORCEMENT_MODES, { error: `expected one of ${ENFORCEMENT_MODES.join(', ')}` });
}

/** An absolute http:// or https:// URL. */
export function httpUrl() {
  return z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });
}

/** An HTTP header name, lower-cased. */
export function headerName() {
  return z
    .string({ error: 'expected an HTTP header name' })
    .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'expected an HTTP header name' })
    .transform((name) => name.toLowerCase());
}
