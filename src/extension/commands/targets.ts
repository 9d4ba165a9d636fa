import * as vscode from 'vscode';
import type { ExtensionCtx } from '../context';
import { isActive, type LiveRun, type RunHandle } from '../run/run-handle';
import type { RunsNode } from '../views/runs-tree';
import { UserFacingError } from './wrap';

/** A node of the Constellations view, as menus pass it. */
export function isRunsNode(v: unknown): v is RunsNode {
  return typeof v === 'object' && v !== null && 'kind' in v && 'run' in v;
}

/** The run a command was given: a tree node, `{runId}`, a run id, else the current run. */
export function runArg(ctx: ExtensionCtx, arg: unknown): RunHandle | undefined {
  if (isRunsNode(arg)) return arg.run;
  const id = typeof arg === 'string' ? arg : typeof arg === 'object' && arg !== null && 'runId' in arg && typeof arg.runId === 'string' ? arg.runId : undefined;
  if (id !== undefined) {
    const run = ctx.runs.find(id);
    if (!run) throw new UserFacingError(`No run '${id}' in this window or its journal.`);
    return run;
  }
  return ctx.runs.current;
}

/** The run a command acts on, which must be going in this window. */
export function activeRun(ctx: ExtensionCtx, node: unknown): LiveRun {
  const run = runArg(ctx, node);
  if (!run) throw new UserFacingError('No constellation is running.');
  if (!isActive(run)) throw new UserFacingError(`Run '${run.name}' is not running in this window${run.report ? ' (it has ended)' : ''}.`);
  return run;
}

/** Asks which of `runs` to act on (newest first), unless there is just one. */
export async function pickRun(runs: readonly RunHandle[], title: string, none: string): Promise<RunHandle | undefined> {
  if (runs.length === 0) throw new UserFacingError(none);
  if (runs.length === 1) return runs[0];
  const picked = await vscode.window.showQuickPick(
    [...runs].reverse().map((run) => ({ label: run.name, description: `${new Date(run.startedAt).toLocaleString()} · ${run.id}`, run })),
    { title },
  );
  return picked?.run;
}

/**
 * The run a command acts on: the one it was given; else the one run going in this window;
 * else, with several runs listed, the one the user picks (newest first).
 */
export async function chosenRun(ctx: ExtensionCtx, arg: unknown, title: string): Promise<RunHandle | undefined> {
  if (arg !== undefined) return runArg(ctx, arg);
  const active = ctx.runs.runs.filter(isActive);
  if (active.length === 1) return active[0];
  return pickRun(ctx.runs.runs, title, 'No constellation has run in this window yet, and the journal has none.');
}
