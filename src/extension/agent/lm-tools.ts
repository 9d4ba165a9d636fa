import { parseBatch } from '../../core/editing/operations';
import * as vscode from 'vscode';
import { toPlanFile } from '../../core/io/plan-file';
import type { ExtensionCtx } from '../context';
import type { RunHandle } from '../run/run-service';
import { isActive, runStateOf } from '../run/run-handle';
import { describeViolations } from '../../agent/prompts/repair-prompt';
import { describeOperation } from '../../core/report/operation-words';

export const TOOLS = { read: 'constellation_get_constellation', propose: 'constellation_propose_edit' } as const;

interface ReadInput {
  readonly runId?: string;
}
interface ProposeInput extends ReadInput {
  readonly operations: readonly unknown[];
  readonly reason?: string;
}

const text = (s: string) => new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(s)]);

/**
 * Language-model tools, so a chat agent in VS Code can read the running constellation and
 * propose an edit batch. A proposal is checked, confirmed, then goes through the same review
 * in the editor as the run's own agent; nothing changes without the user's decision.
 */
export function registerLmTools(ctx: ExtensionCtx): vscode.Disposable[] {
  const runOf = (runId: string | undefined): RunHandle => {
    const run = runId ? ctx.runs.runs.find((r) => r.id === runId) : ctx.runs.current;
    if (!run) throw new Error(runId ? `no run '${runId}' in this window` : 'no constellation has run in this window');
    return run;
  };
  return [
    vscode.lm.registerTool<ReadInput>(TOOLS.read, {
      invoke: (options) => {
        const run = runOf(options.input.runId);
        const state = runStateOf(run);
        const plan = toPlanFile(run.constellation, true);
        return text(`Run ${run.id} of '${run.name}' (${state}). Only pending tasks may be edited.\n${JSON.stringify(plan).slice(0, 60_000)}`);
      },
    }),
    vscode.lm.registerTool<ProposeInput>(TOOLS.propose, {
      prepareInvocation: (options) => {
        const ops = Array.isArray(options.input.operations) ? options.input.operations : [];
        return {
          invocationMessage: `Proposing ${ops.length} edit(s) to the constellation`,
          confirmationMessages: {
            title: 'Propose edits to the running constellation?',
            message: new vscode.MarkdownString(`${describeRaw(ops).map((line) => `- ${line}`).join('\n')}\n\nThey open for review in the editor; nothing changes until you accept.`),
          },
        };
      },
      invoke: async (options, token) => {
        const run = runOf(options.input.runId);
        if (!isActive(run)) return text(`Run ${run.id} is not running in this window (${runStateOf(run)}); it cannot be edited.`);
        const raw = Array.isArray(options.input.operations) ? options.input.operations : [];
        const validate = (batch: readonly unknown[]) => run.orchestrator.validateEdit(batch);
        const parsed = parseBatch(raw);
        const violations = parsed.ok ? validate(parsed.operations) : parsed.violations;
        if (!parsed.ok || violations.length > 0) return text(`Rejected without review; fix and propose again:\n${describeViolations(violations, raw)}`);
        const ops = parsed.operations;
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        try {
          const verdict = await ctx.reviews.reviewerFor(() => `${run.name} (from chat)`).review({ round: 0, operations: ops, status: 'continue', reason: options.input.reason, constellation: run.constellation, validate }, abort.signal);
          if (verdict.accepted.length === 0) return text('The user rejected the proposed edits; nothing changed.');
          const kept = verdict.accepted.map((i) => ops[i]!);
          const result = run.orchestrator.applyEdit(kept, 'chat');
          if (!result.ok) return text(`The accepted edits no longer apply (tasks started meanwhile):\n${describeViolations(result.violations, kept)}`);
          return text(`Applied ${verdict.accepted.length} of ${ops.length} operation(s) to run ${run.id}.`);
        } finally {
          sub.dispose();
        }
      },
    }),
  ];
}

/** Operations as the model sent them, in words when they are well-formed, else as JSON. */
function describeRaw(ops: readonly unknown[]): string[] {
  return ops.map((o) => {
    const one = parseBatch([o]);
    return one.ok ? describeOperation(one.operations[0]!) : JSON.stringify(o).slice(0, 200);
  });
}
