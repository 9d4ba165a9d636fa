/**
 * Objects keyed by outside ids (task ids in reports, dependency ids in exports): a key such as
 * `__proto__` must become an ordinary own property, not replace the object's prototype.
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
