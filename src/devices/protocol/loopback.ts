/** The names a loopback agent answers to in `Host` (DNS rebinding: any other name is a web page's). */
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True for the addresses an agent may bind that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Whether a `Host` header names this machine (a device bound to loopback answers nothing else: DNS rebinding). */
export function isLoopbackName(hostHeader: string): boolean {
  const name = /^(\[[^\]]+\]|[^:]+)(?::\d{1,5})?$/.exec(hostHeader)?.[1]?.toLowerCase();
  return name !== undefined && LOOPBACK_NAMES.has(name);
}

/** Whether a URL's host is this machine (so what travels in it clear stays here). */
export function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopback(new URL(url).hostname.toLowerCase());
  } catch {
    return false;
  }
}
