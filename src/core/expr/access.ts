/**
 * Reading outside data the safe way, shared by conditions and data references: own data
 * properties of arrays and plain objects, `length` and indices of strings, `undefined` for
 * everything else. Descriptors rather than `obj[name]`: accessors are never invoked, so a getter
 * cannot run code or throw, and no prototype is ever climbed.
 */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The value of an own data property, or undefined. */
export function ownDataValue(target: object, name: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(target, name);
  if (descriptor === undefined || !('value' in descriptor)) return undefined;
  const value: unknown = descriptor.value;
  return value;
}

/** `target[name]` for data: see the module comment. */
export function readOwn(target: unknown, name: string): unknown {
  if (typeof target === 'string') {
    if (name === 'length') return target.length;
    const index = /^(?:0|[1-9]\d*)$/.test(name) ? Number(name) : -1;
    return index >= 0 && index < target.length ? target.charAt(index) : undefined;
  }
  if (Array.isArray(target) || isPlainObject(target)) return ownDataValue(target as object, name);
  return undefined;
}

/** The escapes a quoted string may use, in conditions and in references alike. */
export const STRING_ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', '"': '"', "'": "'", '\\': '\\' };

export function escapeFor(c: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(STRING_ESCAPES, c) ? STRING_ESCAPES[c] : undefined;
}
