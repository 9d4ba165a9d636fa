/**
 * Objects keyed by outside ids (task ids in reports, dependency ids in exports): a key such as
 * `__proto__` must become an ordinary own property, not replace the object's prototype.
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  // Only `__proto__` is special to an assignment; defining every key would turn a large report
  // into a slow dictionary-mode object.
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
