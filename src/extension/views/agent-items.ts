import * as vscode from 'vscode';
import { roundChange, roundDetails, roundState, roundTone, roundTrigger } from '../../core/report/agent-words';
import { formatCount, plural } from '../../core/report/words';
import { isSetback, type AgentRound } from '../../core/state/agent-timeline';
import { COMMANDS } from '../constants';
import { hasEnded, timelineOf, type RunHandle } from '../run/run-handle';

/** The "Agent" node under a run: the model, what it used, how its rounds went. */
export function agentItem(run: RunHandle): vscode.TreeItem {
  const rounds = timelineOf(run);
  const item = new vscode.TreeItem('Agent', rounds.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = `agent:${run.id}${run.orchestrator ? ':live' : ''}`;
  const setbacks = rounds.filter(isSetback).length;
  const parts = [plural(rounds.length, 'round')];
  if (setbacks > 0) parts.push(`${setbacks} not applied as proposed`);
  const s = run.agent?.stats;
  if (s) parts.push(`${plural(s.calls, 'call')}, ${formatCount(s.tokens)} tokens`);
  if (run.agent?.budget.paused) parts.push('paused: budget used up');
  item.description = parts.join(' · ');
  const md = new vscode.MarkdownString(`**Agent**${run.agent ? ` — ${run.agent.model}` : ''}\n\n${parts.join(' · ')}`);
  if (run.agent) {
    const { maxTokens, maxCalls } = run.agent.budget.current;
    md.appendMarkdown(`\n\nbudget: ${maxTokens ? `${formatCount(maxTokens)} tokens` : 'no token limit'}, ${maxCalls ? plural(maxCalls, 'call') : 'no call limit'}`);
  }
  item.tooltip = md;
  item.iconPath = new vscode.ThemeIcon(run.agent?.budget.paused ? 'debug-pause' : 'sparkle');
  item.contextValue = run.agent?.budget.paused && run.orchestrator && !run.orchestrator.isEnded ? 'agent.paused' : 'agent';
  return item;
}

const TONE_ICONS = {
  good: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  warn: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
  bad: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  busy: new vscode.ThemeIcon('loading~spin'),
} as const;

function roundIcon(r: AgentRound | undefined, ended: boolean): vscode.ThemeIcon {
  if (!r) return new vscode.ThemeIcon('question');
  return !r.outcome && ended ? new vscode.ThemeIcon('circle-slash') : TONE_ICONS[roundTone(r)];
}

/** One round of the agent: what it was about, how it ended; the tooltip tells all of it. */
export function roundItem(run: RunHandle, n: number): vscode.TreeItem {
  const r = timelineOf(run).find((x) => x.round === n);
  const ended = hasEnded(run);
  const item = new vscode.TreeItem(`Round ${n}`, vscode.TreeItemCollapsibleState.None);
  item.id = `round:${run.id}:${n}`;
  item.iconPath = roundIcon(r, ended);
  if (!r) return item;
  item.description = [roundState(r, ended), roundChange(r), roundTrigger(r)].filter(Boolean).join(' · ');
  const md = new vscode.MarkdownString();
  md.appendCodeblock(roundDetails(r, ended).join('\n'), 'text');
  item.tooltip = md;
  item.command = { command: COMMANDS.showAgentRound, title: 'Show Agent Round', arguments: [{ runId: run.id, round: n }] };
  item.contextValue = 'agentRound';
  return item;
}
