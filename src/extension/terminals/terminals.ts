import * as vscode from 'vscode';
import type { RunHandle, RunService } from '../run/run-service';
import { TaskTerminal } from './task-terminal';

/** One terminal per task per run, created on demand and reused while it stays open. */
export class TaskTerminals implements vscode.Disposable {
  private readonly open = new Map<string, { terminal: vscode.Terminal; pty: TaskTerminal }>();
  private readonly sub: vscode.Disposable;

  constructor(
    private readonly runs: RunService,
    /** Runs a finished task again; resolves with the run it runs in (the same or a new one). */
    private readonly again: (run: RunHandle, taskId: string) => Promise<RunHandle>,
  ) {
    this.sub = vscode.window.onDidCloseTerminal((t) => {
      for (const [k, v] of this.open) {
        if (v.terminal === t) {
          v.pty.dispose();
          this.open.delete(k);
        }
      }
    });
  }

  /** Shows the terminal of a task (creating it), and returns its pseudoterminal. */
  show(run: RunHandle, taskId: string, preserveFocus = false): TaskTerminal {
    const key = `${run.id}/${taskId}`;
    let entry = this.open.get(key);
    if (entry && entry.pty.runHandle !== run) {
      // A past run resumed since: a fresh terminal replays its output and follows it live.
      entry.terminal.dispose();
      entry.pty.dispose();
      this.open.delete(key);
      entry = undefined;
    }
    if (!entry) {
      const pty = new TaskTerminal(run, taskId, this.runs.onEvent, async (r, id) => {
        const next = await this.again(r, id);
        if (next !== r) this.show(next, id);
      });
      const terminal = vscode.window.createTerminal({ name: `Constellation: ${taskId}`, pty, iconPath: new vscode.ThemeIcon('type-hierarchy') });
      entry = { terminal, pty };
      this.open.set(key, entry);
    }
    entry.terminal.show(preserveFocus);
    return entry.pty;
  }

  /** The terminal of a task, if one is open (tests read what it was sent). */
  get(run: RunHandle, taskId: string): { terminal: vscode.Terminal; pty: TaskTerminal } | undefined {
    return this.open.get(`${run.id}/${taskId}`);
  }

  dispose(): void {
    this.sub.dispose();
    for (const v of this.open.values()) {
      v.terminal.dispose();
      v.pty.dispose();
    }
    this.open.clear();
  }
}
