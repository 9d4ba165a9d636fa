import * as vscode from 'vscode';
import type { Logger } from '../../core/clock';
import { DeviceFleet } from '../../devices/fleet';
import type { ReconnectingSession as DeviceSession } from '../../devices/session/reconnecting';

/** A device the user added: kept in settings, except its token, which lives in SecretStorage. */
export interface ConfiguredDevice {
  readonly id: string;
  readonly url: string;
  readonly capabilities?: readonly string[] | undefined;
  /** `aip`: a UFO agent server (the reference's protocol); Constellation's own otherwise. */
  readonly dialect?: 'native' | 'aip' | undefined;
  /** The device's id on the UFO agent server, when it differs from `id`. */
  readonly aipTarget?: string | undefined;
}

const SETTING = 'devices';

export function tokenKey(id: string): string {
  return `constellation.device.${id}.token`;
}

/**
 * The devices of `constellation.devices`, each with its own session (a fleet of one), connected
 * on demand. Tokens are read from SecretStorage at connect time and never written to settings.
 */
export class DeviceRegistry implements vscode.Disposable {
  private readonly fleets = new Map<string, DeviceFleet>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly logger: Logger,
    /** Who this workspace is to its devices: the same across reloads, so a resumed run finds what they kept. */
    private readonly orchestratorId: string,
  ) {}

  configured(): ConfiguredDevice[] {
    const raw = vscode.workspace.getConfiguration('constellation').get<unknown[]>(SETTING, []);
    return raw.filter((d): d is ConfiguredDevice => typeof d === 'object' && d !== null && typeof (d as ConfiguredDevice).id === 'string' && typeof (d as ConfiguredDevice).url === 'string');
  }

  /** Saves a device (token to SecretStorage, the rest to user settings) and connects to it. */
  async add(device: ConfiguredDevice, token: string): Promise<DeviceSession> {
    await this.secrets.store(tokenKey(device.id), token);
    const others = this.configured().filter((d) => d.id !== device.id);
    await vscode.workspace.getConfiguration('constellation').update(SETTING, [...others, device], vscode.ConfigurationTarget.Global);
    this.fleets.get(device.id)?.close();
    this.fleets.delete(device.id);
    return this.connect(device.id);
  }

  /** Connects a configured device; throws with the reason if it refuses or cannot be reached. */
  async connect(id: string): Promise<DeviceSession> {
    const device = this.configured().find((d) => d.id === id);
    if (!device) throw new Error(`no device '${id}' in settings (constellation.devices)`);
    const token = await this.secrets.get(tokenKey(id));
    if (!token) throw new Error(`no token stored for device '${id}': add it again with "Constellation: Add Device…"`);
    let fleet = this.fleets.get(id);
    if (!fleet) {
      const aip = device.dialect === 'aip' ? { dialect: 'aip' as const, aipTarget: typeof device.aipTarget === 'string' && device.aipTarget !== '' ? device.aipTarget : undefined } : {};
      fleet = new DeviceFleet([{ id, url: device.url, token, capabilities: device.capabilities, ...aip }], { orchestratorId: this.orchestratorId, logger: this.logger });
      this.fleets.set(id, fleet);
      fleet.sessions[0]!.onChange(() => this.changed.fire());
    }
    try {
      await fleet.connect(10_000);
    } catch (err) {
      fleet.close();
      this.fleets.delete(id);
      this.changed.fire();
      throw err;
    }
    this.changed.fire();
    return fleet.sessions[0]!;
  }

  disconnect(id: string): boolean {
    const fleet = this.fleets.get(id);
    if (!fleet) return false;
    fleet.close();
    this.fleets.delete(id);
    this.changed.fire();
    return true;
  }

  /** Sessions of devices connected (or reconnecting) now. */
  sessions(): DeviceSession[] {
    return [...this.fleets.values()].map((f) => f.sessions[0]!);
  }

  /** Fleets whose device is usable by a new run. */
  connectedFleets(): DeviceFleet[] {
    return [...this.fleets.values()];
  }

  dispose(): void {
    for (const f of this.fleets.values()) f.close();
    this.fleets.clear();
    this.changed.dispose();
  }
}
