import * as vscode from 'vscode';
import { createPlan } from '../../agent/planner';
import { toPlanFile } from '../../core/io/plan-file';
import { config } from '../config';
import { COMMANDS } from '../constants';
import type { ExtensionCtx } from '../context';
import { selectModel } from '../agent/lm-model';
import { writeNewPlan } from './new-plan-file';
import { UserFacingError } from './wrap';

type Handler = (...args: unknown[]) => unknown;

/** The agent's commands: plan from a request, and the decisions on a proposed edit. */
export const AGENT_COMMANDS = {
  [COMMANDS.planFromRequest]: (ctx: ExtensionCtx): Handler => async (arg?: unknown) => {
    const request = typeof arg === 'string' && arg.trim() !== '' ? arg : await vscode.window.showInputBox({
      title: 'Plan from Request', prompt: 'Describe the job; the agent turns it into tasks on your devices', placeHolder: 'e.g. run the test suites on every device and summarise the failures', ignoreFocusOut: true,
    });
    if (!request) return undefined;
    const model = await selectModel();
    // The local device starts now if it is on, so the model sees it among the devices.
    await ctx.fleets();
    const devices = ctx.profiles();
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Planning with ${model.name}…`, cancellable: true },
      (_progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        return createPlan(model, { request, devices, repairRounds: config.agentRepairRounds(), signal: abort.signal }).finally(() => {
          sub.dispose();
        });
      },
    );
    const uri = await writeNewPlan(`${result.constellation.id}`, `${JSON.stringify(toPlanFile(result.constellation), null, 2)}\n`);
    await vscode.window.showTextDocument(uri);
    const n = result.constellation.size;
    const note = `Planned ${n} task${n === 1 ? '' : 's'} with ${model.name} (${result.stats.calls} call${result.stats.calls === 1 ? '' : 's'}, ${result.stats.inputTokens + result.stats.outputTokens} tokens).`;
    if (typeof arg === 'string') return uri.fsPath; // from a script or a test: no prompt
    void vscode.window.showInformationMessage(note, 'Run It').then((c) => c && vscode.commands.executeCommand(COMMANDS.runPlan, uri));
    return uri.fsPath;
  },
  [COMMANDS.acceptEdit]: (ctx: ExtensionCtx): Handler => (uri?: unknown) => {
    ctx.reviews.accept(pendingReview(ctx, uri));
  },
  [COMMANDS.rejectEdit]: (ctx: ExtensionCtx): Handler => (uri?: unknown) => {
    ctx.reviews.reject(pendingReview(ctx, uri));
  },
  [COMMANDS.chooseEdits]: (ctx: ExtensionCtx): Handler => (uri?: unknown, chosen?: unknown) =>
    ctx.reviews.choose(pendingReview(ctx, uri), Array.isArray(chosen) ? chosen.filter((i): i is number => typeof i === 'number') : undefined),
};

function pendingReview(ctx: ExtensionCtx, uri: unknown) {
  const p = ctx.reviews.current(uri instanceof vscode.Uri ? uri : undefined);
  if (!p) throw new UserFacingError('No agent edit is waiting for review.');
  return p;
}
