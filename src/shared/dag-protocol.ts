import { z } from 'zod';

/**
 * The DAG panel's message protocol, one union per direction, shared by the extension and the
 * webview. The host sends one snapshot, then deltas numbered by `seq`; a webview that sees a
 * gap asks for a resync.
 */

export type NodeStatus = 'pending' | 'ready' | 'running' | 'completed' | 'failed' | 'cancelled' | 'skipped';
export type EdgeKind = 'unconditional' | 'success_only' | 'completion_only' | 'conditional';

export interface DagNode {
  readonly id: string;
  readonly label: string;
  /** Column (longest path from a root) and row within it. */
  readonly layer: number;
  readonly row: number;
  status: NodeStatus;
  device?: string | undefined;
  durationMs?: number | undefined;
}

export interface DagEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
}

/** A task's full story, for the details pane. */
export interface TaskDetails {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly status: NodeStatus;
  readonly device?: string | undefined;
  readonly attempts: number;
  readonly inputs?: string | undefined;
  readonly result?: string | undefined;
  readonly error?: string | undefined;
  readonly timeline: readonly { readonly at: string; readonly text: string }[];
  readonly canCancel: boolean;
  readonly canRetry: boolean;
}

/** One round of the agent, in words, for the details pane. */
export interface AgentRoundView {
  readonly round: number;
  /** `Round 3 · rejected by the user · 0 of 1 operation applied`. */
  readonly title: string;
  /** `good`: applied or nothing to do; `warn`: not as proposed; `bad`: refused or failed; `busy`: still going. */
  readonly tone: 'good' | 'warn' | 'bad' | 'busy';
  readonly lines: readonly string[];
}

export type HostMessage =
  | { readonly type: 'snapshot'; readonly seq: number; readonly runId: string; readonly title: string; readonly nodes: readonly DagNode[]; readonly edges: readonly DagEdge[]; readonly state: string }
  | {
      readonly type: 'delta';
      readonly seq: number;
      readonly nodes: readonly Pick<DagNode, 'id' | 'status' | 'device' | 'durationMs'>[];
      readonly state: string;
      /** Wall-clock time of the earliest event in this batch: repaint delay is measured from it. */
      readonly eventAt: number;
    }
  | { readonly type: 'details'; readonly task: TaskDetails }
  | { readonly type: 'gone'; readonly message: string }
  /** The agent's timeline, newest round first: `summary` is the toolbar's button; empty clears it. */
  | { readonly type: 'agent'; readonly summary: string; readonly rounds: readonly AgentRoundView[] }
  /** An agent batch waiting for review: the tasks it touches and a one-line summary; empty clears it. */
  | { readonly type: 'proposal'; readonly touched: readonly string[]; readonly summary: string };

export const webviewMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready') }),
  z.strictObject({ type: z.literal('resync'), lastSeq: z.number().int() }),
  z.strictObject({ type: z.literal('select'), id: z.string().max(400) }),
  z.strictObject({ type: z.literal('action'), action: z.enum(['cancel', 'retry', 'output']), id: z.string().max(400) }),
  z.strictObject({ type: z.literal('rendered'), seq: z.number().int(), kind: z.enum(['snapshot', 'delta']), ms: z.number(), lagMs: z.number().optional() }),
]);

export type WebviewMessage = z.output<typeof webviewMessageSchema>;
