import { ConstellationError } from '../core/model/errors';
import type { DeviceAvailability, DevicePool, DeviceSpec } from '../core/orchestrator/device-pool';
import { AipSession } from './session/aip-session';
import { DeviceSession, type DeviceSessionOptions } from './session/device-session';
import { DeviceRefusedError, type DeviceDialect, type ReconnectingSession } from './session/reconnecting';

/** A device to connect to (from `devices.json`, settings, or a spawned local agent). */
export interface RemoteDevice {
  readonly id: string;
  readonly url: string;
  readonly token: string;
  /** The protocol it speaks (default `native`); `aip` is a UFO agent server. */
  readonly dialect?: DeviceDialect | undefined;
  /** The device's id on the UFO agent server, when it differs from `id` (AIP only). */
  readonly aipTarget?: string | undefined;
  readonly capabilities?: readonly string[] | undefined;
  readonly metadata?: Readonly<Record<string, string>> | undefined;
}

/** What a fleet drives: the orchestrator's device availability and slots. */
export interface FleetTarget {
  readonly devices: DevicePool;
  setDeviceAvailability(deviceId: string, availability: DeviceAvailability): void;
}

export type SessionDefaults = Omit<DeviceSessionOptions, 'id' | 'url' | 'token'>;

/** Thrown when no device of a fleet could be reached, or one refused us. */
export class DevicesUnavailableError extends ConstellationError {
  constructor(message: string) {
    super('devices_unavailable', message);
  }
}

/** One session per device, connected together, and kept in step with the orchestrator. */
export class DeviceFleet {
  readonly sessions: readonly ReconnectingSession[];
  private readonly unsubscribe = new Set<() => void>();

  constructor(
    private readonly devices: readonly RemoteDevice[],
    defaults: SessionDefaults,
  ) {
    this.sessions = devices.map((d) => (d.dialect === 'aip' ? new AipSession({ ...defaults, id: d.id, url: d.url, token: d.token, aipTarget: d.aipTarget }) : new DeviceSession({ ...defaults, id: d.id, url: d.url, token: d.token })));
  }

  /**
   * Connects every device. A device that refuses us (wrong token, protocol) is an error; one
   * that does not answer within `timeoutMs` is reported in `late` and keeps trying in the
   * background (tasks pinned to it wait for it). If none answers, that is an error too.
   */
  async connect(timeoutMs: number): Promise<{ late: readonly { id: string; reason: string }[] }> {
    const results = await Promise.all(
      this.sessions.map(async (s) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
        try {
          return await Promise.race([s.connect().then(() => 'ok' as const), timeout]);
        } catch (err) {
          return err instanceof DeviceRefusedError ? err : new DeviceRefusedError(String(err));
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const refused = results.filter((r): r is DeviceRefusedError => r instanceof Error);
    if (refused.length > 0) {
      this.close();
      throw new DevicesUnavailableError(refused.map((e) => e.message).join('; '));
    }
    const late = this.sessions.filter((_, i) => results[i] === 'timeout').map((s) => ({ id: s.id, reason: s.lastError ?? `no answer within ${timeoutMs} ms` }));
    if (late.length === this.sessions.length) {
      this.close();
      throw new DevicesUnavailableError(`no device answered within ${timeoutMs} ms: ${late.map((l) => `${l.id} (${l.reason})`).join(', ')}`);
    }
    return { late };
  }

  /** Device specs for the orchestrator: capabilities from config and profile, announced slots. */
  specs(): DeviceSpec[] {
    return this.sessions.map((s, i) => {
      const d = this.devices[i]!;
      const caps = new Set([...(d.capabilities ?? []), ...(s.profile?.capabilities ?? [])]);
      return {
        id: s.id,
        executor: s,
        capabilities: [...caps],
        concurrency: s.profile?.concurrency ?? 1,
        availability: s.availability,
        shell: s.profile?.os === 'win32' ? 'cmd' : 'posix',
        metadata: { url: s.url, ...(s.dialect === 'aip' ? { dialect: 'aip' } : {}), ...(d.metadata ?? {}), ...(s.profile ? { os: s.profile.os, hostname: s.profile.hostname } : {}) },
      };
    });
  }

  /**
   * Keeps the orchestrator's view of each device in step with its session, until the returned
   * function is called (or the fleet closes).
   */
  attach(target: FleetTarget): () => void {
    const mine = this.sessions.map((s) =>
      s.onChange(() => {
        const slot = target.devices.get(s.id);
        if (slot && s.profile) slot.concurrency = s.profile.concurrency;
        target.setDeviceAvailability(s.id, s.availability);
      }),
    );
    for (const u of mine) this.unsubscribe.add(u);
    // Detaching forgets them too: a fleet that outlives many runs (the local device) keeps none of theirs.
    return () => {
      for (const u of mine) {
        u();
        this.unsubscribe.delete(u);
      }
    };
  }

  close(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe.clear();
    for (const s of this.sessions) s.close();
  }
}
