import { DisposableBase } from '../../core/lifecycle/disposable';
import * as vscode from 'vscode';
import { parsePlanText } from '../../core/io/plan-file';
import { InvalidInputError } from '../../core/model/errors';
import { parse } from 'jsonc-parser';
import { locate } from './json-location';

/** Problems the JSON Schema (jsonValidation) already reports; repeating them would be noise. */
const SCHEMA_CODES = new Set(['invalid_field', 'invalid_json']);
const PLAN_SUFFIX = '.constellation.json';

/**
 * Checks `*.constellation.json` documents as they are edited, beyond what their JSON Schema can
 * say: cycles, unknown tasks and devices, bad `${tasks.…}` references, bad conditions. Each
 * problem lands in the Problems panel on the exact value it is about.
 */
export class PlanDiagnostics extends DisposableBase implements vscode.Disposable {
  private readonly collection = this.register(vscode.languages.createDiagnosticCollection('constellation'));
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly knownDevices: () => readonly string[]) {
    super();
    this.store.defer(() => {
      for (const t of this.timers.values()) clearTimeout(t);
      this.timers.clear();
    });
    this.register(vscode.workspace.onDidOpenTextDocument((d) => this.check(d)));
    this.register(vscode.workspace.onDidChangeTextDocument((e) => this.checkSoon(e.document)));
    this.register(vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)));
    for (const d of vscode.workspace.textDocuments) this.check(d);
  }

  private checkSoon(doc: vscode.TextDocument): void {
    if (!isPlan(doc)) return;
    const key = doc.uri.toString();
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.check(doc);
      }, 250),
    );
  }

  /** Checks one document now; returns the diagnostics set on it. */
  check(doc: vscode.TextDocument): readonly vscode.Diagnostic[] {
    if (!isPlan(doc)) return [];
    const text = doc.getText();
    const devices = this.knownDevices();
    const found: vscode.Diagnostic[] = [];
    const add = (path: string | undefined, message: string, code: string, severity: vscode.DiagnosticSeverity) => {
      const at = locate(text, path);
      const range = at ? new vscode.Range(doc.positionAt(at.offset), doc.positionAt(at.offset + at.length)) : new vscode.Range(0, 0, 0, 1);
      const d = new vscode.Diagnostic(range, message, severity);
      d.source = 'constellation';
      d.code = code;
      found.push(d);
    };
    try {
      // Devices are checked apart: a device unknown here may exist where the plan runs, and
      // must not hide the cycle or reference problems the loader finds after the structure.
      parsePlanText(text, { source: doc.fileName });
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      for (const p of err.problems) if (!SCHEMA_CODES.has(p.code)) add(p.path, p.message, p.code, vscode.DiagnosticSeverity.Error);
    }
    const plan = parse(text) as { tasks?: unknown } | undefined;
    if (Array.isArray(plan?.tasks)) {
      plan.tasks.forEach((t: unknown, i) => {
        const task = typeof t === 'object' && t !== null ? (t as { device?: unknown; inputs?: unknown }) : {};
        if (typeof task.device === 'string' && !devices.includes(task.device)) {
          add(`tasks[${i}].device`, `device '${task.device}' is not known here (known: ${devices.join(', ') || 'none'}); it may exist where the plan runs`, 'unknown_device', vscode.DiagnosticSeverity.Warning);
        }
        const command = typeof task.inputs === 'object' && task.inputs !== null ? (task.inputs as { command?: unknown }).command : undefined;
        if (typeof command === 'string' && command.includes('${tasks')) {
          add(`tasks[${i}].inputs.command`, 'each ${tasks…} value here is put in as one quoted shell word: data, never code (so do not quote it yourself)', 'quoted_reference', vscode.DiagnosticSeverity.Information);
        }
      });
    }
    this.collection.set(doc.uri, found);
    return found;
  }

}

function isPlan(doc: vscode.TextDocument): boolean {
  return doc.uri.path.endsWith(PLAN_SUFFIX);
}
