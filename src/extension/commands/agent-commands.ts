import * as vscode from 'vscode';
import { createPlan, PlanningError } from '../../agent/planner';
import { toPlanFile } from '../../core/io/plan-file';
import { config } from '../config';
import { COMMANDS } from '../constants';
import type { ExtensionCtx } from '../context';
import { selectModel } from '../agent/lm-model';
import { slugOf, writeNewPlan } from './new-plan-file';
import { UserFacingError } from './wrap';
import { roundLine } from '../../core/report/agent-words';
import { hasEnded, isActive, timelineOf, type RunHandle } from '../run/run-handle';

type Handler = (...args: unknown[]) => unknown;

/** The agent's commands: plan from a request, and the decisions on a proposed edit. */
export const AGENT_COMMANDS = {
  [COMMANDS.planFromRequest]: (ctx: ExtensionCtx): Handler => async (arg?: unknown) => {
    const scripted = typeof arg === 'string' && arg.trim() !== '';
    let request = scripted ? arg : await askRequest('');
    // The request is kept: when no answer is a valid plan, the box opens again with it.
    while (request) {
      const planned = await planOnce(ctx, request, !scripted);
      if (planned !== AGAIN) return planned;
      request = await askRequest(request);
    }
    return undefined;
  },
  [COMMANDS.acceptEdit]: (ctx: ExtensionCtx): Handler => (uri?: unknown) => {
    ctx.reviews.accept(pendingReview(ctx, uri));
  },
  [COMMANDS.rejectEdit]: (ctx: ExtensionCtx): Handler => async (uri?: unknown, reason?: unknown) => {
    const p = pendingReview(ctx, uri);
    // The reason is optional; Escape keeps the review open.
    const why = typeof reason === 'string' ? reason : await vscode.window.showInputBox({
      title: `Reject the agent's edit (round ${p.batch.round})`,
      prompt: 'Why? Optional: the agent is told, and the journal keeps it. Enter rejects; Escape goes back to the review.',
      placeHolder: 'e.g. no new tasks on the build server',
      ignoreFocusOut: true,
    });
    if (why === undefined) return;
    if (p.decided) {
      void vscode.window.showWarningMessage(`Round ${p.batch.round}'s review had already ended (it timed out or the run ended) while you typed; your reason was not recorded.`);
      return;
    }
    ctx.reviews.reject(p, why);
  },
  [COMMANDS.chooseEdits]: (ctx: ExtensionCtx): Handler => (uri?: unknown, chosen?: unknown) =>
    ctx.reviews.choose(pendingReview(ctx, uri), Array.isArray(chosen) ? chosen.filter((i): i is number => typeof i === 'number') : undefined),
  [COMMANDS.extendAgentBudget]: (ctx: ExtensionCtx): Handler => (arg?: unknown) => {
    const node = arg as { kind?: unknown; run?: RunHandle } | undefined;
    const run = node?.kind === 'agent' && node.run ? node.run : ctx.runs.current;
    if (!run?.agent || !isActive(run)) throw new UserFacingError('No run in progress is steered by the agent.');
    run.agent.budget.extend(config.agentBudget());
    ctx.log.info(`agent of '${run.name}' goes on with a new budget`);
    ctx.runs.touch(run);
  },
  [COMMANDS.showAgentRound]: (ctx: ExtensionCtx): Handler => async (arg?: unknown) => {
    const target = arg as { runId?: unknown; round?: unknown } | undefined;
    if (typeof target?.runId === 'string' && typeof target.round === 'number') {
      const run = ctx.runs.find(target.runId);
      if (!run) throw new UserFacingError(`Run ${target.runId} is no longer listed.`);
      return ctx.agentNotices.show(run, target.round);
    }
    const run = ctx.runs.current;
    const rounds = run ? [...timelineOf(run)].reverse() : [];
    if (!run || rounds.length === 0) throw new UserFacingError('The current run has no agent rounds to show.');
    const pick = await vscode.window.showQuickPick(
      rounds.map((r) => ({ label: `Round ${r.round}`, description: roundLine(r, hasEnded(run)).replace(/^round \d+ /, ''), round: r.round })),
      { title: `The agent's rounds in '${run.name}'` },
    );
    if (pick) await ctx.agentNotices.show(run, pick.round);
  },
};

/** The user wants to edit the request and plan again. */
const AGAIN = Symbol('again');

function askRequest(value: string): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title: 'Plan from Request',
    prompt: 'Describe the job; the agent turns it into tasks on your devices',
    placeHolder: 'e.g. run the test suites on every device and summarise the failures',
    value,
    ignoreFocusOut: true,
  });
}

/**
 * One planning attempt (the model's answer and its repairs): the plan's path, or {@link AGAIN} when
 * the user wants to edit the request and try again after every answer was refused.
 */
async function planOnce(ctx: ExtensionCtx, request: string, interactive: boolean): Promise<string | typeof AGAIN | undefined> {
  const model = await selectModel();
  // The local device starts now if it is on, so the model sees it among the devices.
  await ctx.fleets();
  const devices = ctx.profiles();
  let result;
  try {
    result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Planning with ${model.name}…`, cancellable: true }, (_progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      return createPlan(model, { request, devices, repairRounds: config.agentRepairRounds(), signal: abort.signal }).finally(() => {
        sub.dispose();
      });
    });
  } catch (err) {
    if (!interactive || (err instanceof Error && err.name === 'AbortError')) throw err;
    return planningFailed(ctx, model.name, request, err);
  }
  const c = result.constellation;
  const uri = await writeNewPlan(slugOf(c.info.name || c.id), `${JSON.stringify(toPlanFile(c), null, 2)}\n`);
  await vscode.window.showTextDocument(uri);
  if (!interactive) return uri.fsPath; // from a script or a test: no prompt
  const n = c.size;
  const note = `Planned ${n} task${n === 1 ? '' : 's'} with ${model.name} (${result.stats.calls} call${result.stats.calls === 1 ? '' : 's'}, ${result.stats.tokens} tokens).`;
  void vscode.window.showInformationMessage(note, 'Run It').then((c) => c && vscode.commands.executeCommand(COMMANDS.runPlan, uri));
  return uri.fsPath;
}

/** No plan came (every answer refused, or the call failed): say why in a sentence, offer the answers and another try with the request kept. */
async function planningFailed(ctx: ExtensionCtx, model: string, request: string, err: unknown): Promise<typeof AGAIN | undefined> {
  let message: string;
  if (err instanceof PlanningError) {
    const first = err.problems[0];
    const more = err.problems.length > 1 ? ` (and ${err.problems.length - 1} more problem${err.problems.length === 2 ? '' : 's'})` : '';
    message = `${model} gave no valid plan in ${err.attempts} answer${err.attempts === 1 ? '' : 's'}. The last one: ${first ? `${first.path ? `${first.path}: ` : ''}${first.message}` : 'unreadable'}${more}.`;
  } else message = `Planning with ${model} failed: ${err instanceof Error ? err.message : String(err)}`;
  ctx.log.warn(`Plan from Request: ${err instanceof Error ? err.message : String(err)}`);
  const answers = err instanceof PlanningError ? err.answers : [];
  for (;;) {
    const pick = await vscode.window.showErrorMessage(message, 'Try Again', ...(answers.length > 0 ? ['Show Answers'] : []));
    if (pick === 'Try Again') return AGAIN;
    if (pick !== 'Show Answers' || !(err instanceof PlanningError)) return undefined;
    const text = [`Plan from Request — ${model}, ${err.attempts} answer(s), none a valid plan.`, '', 'Request:', request, '', 'Problems with the last answer:', err.message, '', ...answers.flatMap((a, i) => [`--- answer ${i + 1} ---`, a, ''])].join('\n');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'markdown', content: text }), { preview: true });
  }
}

function pendingReview(ctx: ExtensionCtx, uri: unknown) {
  const p = ctx.reviews.current(uri instanceof vscode.Uri ? uri : undefined);
  if (!p) throw new UserFacingError('No agent edit is waiting for review.');
  return p;
}
