import { DisposableBase } from '../../core/lifecycle/disposable';
import * as vscode from 'vscode';
import type { ReconnectingSession as DeviceSession } from '../../devices/session/reconnecting';
import type { ConfiguredDevice, DeviceRegistry } from '../run/device-registry';
import type { LocalDevice } from '../run/local-device';

const STATE_ICON: Record<DeviceSession['state'], [string, string]> = {
  ready: ['vm-active', 'testing.iconPassed'],
  connecting: ['loading~spin', 'charts.blue'],
  backoff: ['debug-disconnect', 'list.warningForeground'],
  failed: ['error', 'testing.iconFailed'],
  disconnected: ['vm-outline', 'disabledForeground'],
};

/** A row of the Devices view: a live session, or an added device that is not connected. */
export type DeviceNode = DeviceSession | { readonly kind: 'offline'; readonly device: ConfiguredDevice };

/** The devices this window talks to, with their connection state, load and capabilities. */
export class DevicesTree extends DisposableBase implements vscode.TreeDataProvider<DeviceNode>, vscode.Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<DeviceNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly watched = new Map<DeviceSession, () => void>();

  /** `runsChanged` fires (throttled) as runs progress: running counts change with it. */
  constructor(
    private readonly local: LocalDevice,
    private readonly registry: DeviceRegistry,
    runsChanged: vscode.Event<unknown>,
  ) {
    super();
    this.register(runsChanged(() => this.changed.fire(undefined)));
    this.register(registry.onDidChange(() => this.changed.fire(undefined)));
    this.register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('constellation.devices') && this.changed.fire(undefined)));
    this.store.defer(() => {
      for (const u of this.watched.values()) u();
      this.watched.clear();
    });
  }

  /** Re-reads the device list (after the local device starts, a device is added, …). */
  refresh(): void {
    this.changed.fire(undefined);
  }

  private sessions(): DeviceSession[] {
    return [...(this.local.current?.sessions ?? []), ...this.registry.sessions()];
  }

  getChildren(node?: DeviceNode): DeviceNode[] {
    if (node) return [];
    const list = this.sessions();
    for (const s of list) {
      if (!this.watched.has(s)) this.watched.set(s, s.onChange(() => this.changed.fire(s)));
    }
    const live = new Set(list.map((s) => s.id));
    const offline = this.registry.configured().filter((d) => !live.has(d.id)).map((device) => ({ kind: 'offline' as const, device }));
    return [...list, ...offline];
  }

  getTreeItem(node: DeviceNode): vscode.TreeItem {
    if ('kind' in node) {
      const item = new vscode.TreeItem(node.device.id, vscode.TreeItemCollapsibleState.None);
      item.id = `device:${node.device.id}`;
      item.description = 'not connected';
      item.tooltip = `${node.device.id} at ${node.device.url}`;
      item.iconPath = new vscode.ThemeIcon('vm-outline', new vscode.ThemeColor('disabledForeground'));
      item.contextValue = 'device.offline';
      return item;
    }
    const s = node;
    const item = new vscode.TreeItem(s.id, vscode.TreeItemCollapsibleState.None);
    item.id = `device:${s.id}`;
    const state = s.state === 'backoff' ? 'reconnecting' : s.state;
    const parts = [state];
    if (s.dialect === 'aip') parts.push('AIP');
    if (s.inFlight > 0) parts.push(`${s.inFlight} running`);
    if (s.latencyMs !== undefined && s.state === 'ready') parts.push(`${s.latencyMs.toFixed(0)} ms`);
    item.description = parts.join(' · ');
    const [icon, colour] = STATE_ICON[s.state];
    item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(colour));
    const p = s.profile;
    // What a device says about itself (its profile, its errors) is its own text: shown as text, never as markdown.
    const md = new vscode.MarkdownString();
    md.appendMarkdown('**').appendText(s.id).appendMarkdown(`** — ${state}\n\n`);
    md.appendText(`${s.dialect === 'aip' ? 'a UFO agent server (AIP) at ' : ''}${s.url}`);
    if (p) {
      md.appendMarkdown('\n\n').appendText(`${p.os}${p.arch ? `/${p.arch}` : ''}${p.hostname ? ` on ${p.hostname}` : ''}, ${p.concurrency} slot(s), version ${p.version}`);
      md.appendMarkdown('\n\n').appendText(`capabilities: ${p.capabilities.join(', ') || 'none'}`);
    }
    if (s.lastError) md.appendMarkdown('\n\n').appendText(`last error: ${s.lastError}`);
    item.tooltip = md;
    item.contextValue = `device.${s.state}`;
    return item;
  }

}
