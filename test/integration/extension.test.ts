import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/extension/constants';
import type { ConstellationApi } from '../../src/extension/extension';
import type { TaskStatus } from '../../src/core/model/types';
import type { RunHandle } from '../../src/extension/run/run-handle';

const EXTENSION_ID = 'constellation-dev.constellation';

async function api(): Promise<ConstellationApi> {
  const ext = vscode.extensions.getExtension<ConstellationApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is installed`);
  return ext.activate();
}

function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return folder.uri.fsPath;
}

/** What a task of a journaled run wrote, from its output file (attempt 1). */
function outputOf(run: RunHandle, taskId: string): string {
  const file = path.join(workspaceDir(), '.constellation', 'runs', run.id, 'output', `${encodeURIComponent(taskId)}.1.log`);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

function writePlan(name: string, plan: unknown): vscode.Uri {
  const file = path.join(workspaceDir(), `${name}.constellation.json`);
  fs.writeFileSync(file, JSON.stringify(plan, null, 2));
  return vscode.Uri.file(file);
}

describe('activation and commands', () => {
  it('every contributed command is registered, and the constants match package.json', async () => {
    const a = await api();
    assert.ok(a.ctx.runs);
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: { command: string }[] } };
    const contributed = pkg.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(contributed, Object.values(COMMANDS).sort());
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const id of contributed) assert.ok(registered.has(id), `${id} is registered`);
  });

  it('a command that cannot act says so instead of throwing into VS Code', async () => {
    // No run exists yet in this window: the handler reports it and resolves.
    assert.equal(await vscode.commands.executeCommand(COMMANDS.pause), undefined);
  });
});

describe('first use', () => {
  it('New Sample Plan writes a valid plan (never over an existing one) that runs to completion here', async function () {
    this.timeout(60_000);
    const a = await api();
    const first = await vscode.commands.executeCommand<string>(COMMANDS.newPlan);
    const second = await vscode.commands.executeCommand<string>(COMMANDS.newPlan);
    assert.equal(path.basename(first), 'hello.constellation.json');
    assert.equal(path.basename(second), 'hello-2.constellation.json', 'the first file is kept');
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, second, 'the new plan is open');
    const runId = await vscode.commands.executeCommand<string>(COMMANDS.runPlan, vscode.Uri.file(first));
    const run = a.ctx.runs.runs.find((r) => r.id === runId)!;
    const report = await run.orchestrator!.run();
    assert.equal(report.state, 'completed', JSON.stringify(report.tasks));
    const summary = outputOf(run, 'summary');
    assert.match(summary, /files in the workspace: \d+/, 'a later task read an earlier task’s result');
    fs.rmSync(first);
    fs.rmSync(second);
  });

  it('the walkthrough and the welcome views link only to commands that exist, and their media ships', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const pkg = ext.packageJSON as { contributes: { walkthroughs: { steps: { description: string; media: { markdown: string } }[] }[]; viewsWelcome: { contents: string }[] } };
    const texts = [...pkg.contributes.walkthroughs.flatMap((w) => w.steps.map((s) => s.description)), ...pkg.contributes.viewsWelcome.map((v) => v.contents)];
    const registered = new Set(await vscode.commands.getCommands(true));
    const linked = texts.flatMap((t) => [...t.matchAll(/\(command:([\w.]+)/g)].map((m) => m[1]!));
    assert.ok(linked.length >= 5);
    for (const id of linked) assert.ok(registered.has(id), `${id} is a command`);
    for (const step of pkg.contributes.walkthroughs.flatMap((w) => w.steps)) {
      assert.ok(fs.existsSync(path.join(ext.extensionPath, step.media.markdown)), `${step.media.markdown} exists`);
    }
  });
});

describe('running a plan on the embedded local device', () => {
  it('completes, and the Constellations tree shows each status change', async function () {
    this.timeout(60_000);
    const a = await api();
    const uri = writePlan('tree', {
      id: 'tree-demo',
      name: 'Tree demo',
      tasks: [
        { id: 'build', inputs: { command: ['sh', '-c', 'echo building; sleep 0.3; echo built'] } },
        { id: 'test', inputs: { sim: { durationMs: 300, result: { passed: 12 } } } },
        { id: 'broken', inputs: { sim: { durationMs: 100, fail: 'exit 3' } } },
        { id: 'after-broken', inputs: { sim: { durationMs: 10 } } },
      ],
      dependencies: [
        { from: 'build', to: 'test', type: 'success_only' },
        { from: 'build', to: 'broken' },
        { from: 'broken', to: 'after-broken', type: 'success_only' },
      ],
    });
    const seen = new Map<string, Set<TaskStatus>>();
    const sub = a.ctx.runs.onDidChange(() => {
      const runNode = a.ctx.runsTree.getChildren()[0];
      if (!runNode) return;
      for (const node of a.ctx.runsTree.getChildren(runNode)) {
        if (node.kind !== 'task') continue;
        const item = a.ctx.runsTree.getTreeItem(node);
        const status = String(item.description).split(' · ')[0] as TaskStatus;
        const set = seen.get(node.taskId) ?? new Set<TaskStatus>();
        set.add(status);
        seen.set(node.taskId, set);
      }
    });
    try {
      const runId = await vscode.commands.executeCommand<string>(COMMANDS.runPlan, uri);
      assert.ok(runId, 'the command returns the run id');
      const run = a.ctx.runs.runs.find((r) => r.id === runId)!;
      const report = await run.orchestrator!.run();
      assert.equal(report.state, 'partially_failed');
      assert.equal(run.constellation.task('build').assignedDevice, 'local');
      assert.deepEqual(run.constellation.task('build').result, { exitCode: 0, stdout: 'building\nbuilt' });
      assert.deepEqual(run.constellation.task('test').result, { passed: 12 });
      assert.equal(run.constellation.task('after-broken').status, 'skipped');
      await new Promise((r) => setTimeout(r, 300)); // the tree's last refresh
      assert.ok(seen.get('build')?.has('running'), `build was shown running (saw ${[...(seen.get('build') ?? [])].join(', ')})`);
      assert.ok(seen.get('build')?.has('completed'));
      assert.ok(seen.get('broken')?.has('failed'));
      assert.ok(seen.get('after-broken')?.has('skipped'));
      const runItem = a.ctx.runsTree.getTreeItem(a.ctx.runsTree.getChildren()[0]!);
      assert.match(String(runItem.description), /^partially failed · \d[\d.]*m?s · 4\/4 · 1 failed$/);
      assert.match(typeof runItem.label === 'string' ? runItem.label : (runItem.label?.label ?? ''), /^Tree demo · \d\d:\d\d:\d\d$/, 'the start time tells runs of one plan apart');
      const events = path.join(workspaceDir(), '.constellation', 'runs', runId, 'events.jsonl');
      assert.ok(fs.existsSync(events), `the run is journaled in ${events}`);
      assert.match(fs.readFileSync(events, 'utf8'), /"type":"constellation_failed"/);
      const device = a.ctx.devicesTree.getChildren()[0];
      assert.ok(device, 'the Devices view lists the local device');
      assert.match(String(a.ctx.devicesTree.getTreeItem(device).description), /^ready/);
    } finally {
      sub.dispose();
    }
  });
});

describe('settings', () => {
  it('with the local device turned off, Run Plan refuses with a reason and starts nothing', async () => {
    const a = await api();
    const before = a.ctx.runs.runs.length;
    const cfg = vscode.workspace.getConfiguration('constellation');
    await cfg.update('localDevice.enabled', false, vscode.ConfigurationTarget.Workspace);
    try {
      const uri = writePlan('off', { id: 'off', tasks: [{ id: 'a', inputs: { sim: {} } }] });
      assert.equal(await vscode.commands.executeCommand(COMMANDS.runPlan, uri), undefined);
      assert.equal(a.ctx.runs.runs.length, before, 'no run was started');
    } finally {
      await cfg.update('localDevice.enabled', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('an empty journal directory turns journaling off', async () => {
    const a = await api();
    const cfg = vscode.workspace.getConfiguration('constellation');
    await cfg.update('journal.directory', '', vscode.ConfigurationTarget.Workspace);
    try {
      const uri = writePlan('unjournaled', { id: 'unjournaled', tasks: [{ id: 'a', inputs: { sim: { durationMs: 10 } } }] });
      const runId = await vscode.commands.executeCommand<string>(COMMANDS.runPlan, uri);
      const run = a.ctx.runs.runs.find((r) => r.id === runId)!;
      assert.equal((await run.orchestrator!.run()).state, 'completed');
      assert.ok(!fs.existsSync(path.join(workspaceDir(), '.constellation', 'runs', runId)), 'no journal for this run');
    } finally {
      await cfg.update('journal.directory', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});

describe('task terminals', () => {
  it('a task terminal shows live output, forwards typed input, Ctrl+C cancels the task, and r runs it again', async function () {
    this.timeout(60_000);
    const a = await api();
    const uri = writePlan('terminal', { id: 'terminal', name: 'Terminal', tasks: [{ id: 'echo', inputs: { command: ['sh', '-c', 'echo ready; cat'] } }] });
    const runId = await vscode.commands.executeCommand<string>(COMMANDS.runPlan, uri);
    const run = a.ctx.runs.runs.find((r) => r.id === runId)!;
    await vscode.commands.executeCommand(COMMANDS.showTaskOutput, { runId, taskId: 'echo' });
    const entry = a.ctx.terminals.get(run, 'echo');
    assert.ok(entry, 'the terminal is open');
    const until = async (what: string, test: () => boolean) => {
      for (let i = 0; i < 500 && !test(); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(test(), `timed out waiting for ${what}; terminal so far: ${JSON.stringify(entry.pty.written)}`);
    };
    await until('the device output', () => entry.pty.written.includes('ready'));
    entry.terminal.sendText('hello device', true); // through VS Code's terminal, as typing would
    const fromDevice = () => outputOf(run, 'echo');
    await until('the echo from the device', () => fromDevice().includes('hello device'));
    entry.terminal.sendText('\x03', false);
    const report = await run.orchestrator!.run();
    assert.equal(run.constellation.task('echo').status, 'cancelled');
    assert.match(run.constellation.task('echo').error?.message ?? '', /Ctrl\+C/);
    assert.equal(report.state, 'cancelled');
    await until('the exit status', () => entry.pty.written.includes('✖ cancelled'));
    // The run has ended: `r` runs the task again as a new run, in a terminal of its own.
    const before = a.ctx.runs.runs.length;
    entry.terminal.sendText('r', false);
    await until('a new run', () => a.ctx.runs.runs.length === before + 1);
    const again = a.ctx.runs.runs.at(-1)!;
    assert.match(again.name, /› echo \(again\)$/);
    const second = a.ctx.terminals.get(again, 'echo');
    assert.ok(second, 'the new run has its own terminal');
    await until('the new run’s output', () => second.pty.written.includes('ready'));
    second.terminal.sendText('\x04', false); // Ctrl+D: end of input, so `cat` exits
    const againReport = await again.orchestrator!.run();
    assert.equal(againReport.state, 'completed');
    await until('the new run’s exit status', () => second.pty.written.includes('✔ completed'));
  });
});

describe('plan diagnostics', () => {
  it('the generated JSON Schema flags schema errors in a plan as it is opened (jsonValidation)', async function () {
    this.timeout(40_000);
    await api();
    const uri = writePlan('schema-broken', { id: 'schema-broken', tasks: [{ id: 'a', retries: 'three', colour: 'red' }] });
    await vscode.window.showTextDocument(uri);
    const fromSchema = () => vscode.languages.getDiagnostics(uri).filter((d) => d.source !== 'constellation');
    for (let i = 0; i < 600 && fromSchema().length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    const messages = fromSchema().map((d) => d.message).join(' | ');
    assert.ok(fromSchema().length >= 2, `the JSON language service reports the schema errors (got: ${messages || 'none'})`);
    assert.match(messages, /colour/, 'the unknown property is named');
    assert.match(messages, /type|integer|number/i, 'the wrong type is reported');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('cycles, bad references and unknown devices appear in the Problems panel on the right spot, and clear when fixed', async function () {
    this.timeout(30_000);
    await api();
    const uri = writePlan('broken', {
      id: 'broken',
      tasks: [
        { id: 'a', device: 'mainframe' },
        { id: 'b', description: 'uses ${tasks.c.result}' },
        { id: 'c' },
      ],
      dependencies: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
        { from: 'c', to: 'a' },
      ],
    });
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const ours = () => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'constellation');
    for (let i = 0; i < 200 && ours().length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    const found = ours();
    const codes = found.map((d) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code))).sort();
    assert.ok(codes.includes('cycle'), `a cycle is reported (got ${codes.join(', ')})`);
    const device = found.find((d) => d.code === 'unknown_device');
    assert.ok(device, 'the unknown device is reported');
    assert.equal(device.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(doc.getText(device.range), /"device": "mainframe"/);
    const cycle = found.find((d) => d.code === 'cycle')!;
    assert.match(cycle.message, /a → b → c → a|b → c → a → b|c → a → b → c/);
    assert.equal(cycle.severity, vscode.DiagnosticSeverity.Error);

    // Break the cycle but keep b's reference to c, which runs after it: a bad reference.
    const replaceAll = async (value: unknown) => {
      const edit = new vscode.WorkspaceEdit();
      edit.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), JSON.stringify(value, null, 2));
      assert.ok(await vscode.workspace.applyEdit(edit));
    };
    await replaceAll({ id: 'broken', tasks: [{ id: 'a', device: 'local' }, { id: 'b', description: 'uses ${tasks.c.result}' }, { id: 'c' }], dependencies: [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }] });
    for (let i = 0; i < 200 && !ours().some((d) => d.code === 'bad_reference'); i++) await new Promise((r) => setTimeout(r, 25));
    const ref = ours().find((d) => d.code === 'bad_reference');
    assert.ok(ref, `a bad reference is reported (got ${ours().map((d) => d.message).join('; ')})`);
    assert.match(doc.getText(ref.range), /tasks\.c\.result/);

    // Fix it as a user would: edit the document; the problems go away.
    const fixed = JSON.stringify({ id: 'broken', tasks: [{ id: 'a', device: 'local' }, { id: 'b' }, { id: 'c' }], dependencies: [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }] }, null, 2);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), fixed);
    assert.ok(await vscode.workspace.applyEdit(edit));
    for (let i = 0; i < 200 && ours().length > 0; i++) await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(ours().map((d) => d.message), []);
  });

  it('a reference in a shell command line is marked: its value goes in as one quoted word; one inside $(…) is an error', async function () {
    this.timeout(30_000);
    await api();
    const uri = writePlan('quoted', {
      id: 'quoted',
      tasks: [{ id: 'a' }, { id: 'b', inputs: { command: 'echo got: ${tasks.a.result.stdout}' } }, { id: 'c', inputs: { command: 'echo $(cat ${tasks.a.result.stdout})' } }],
      dependencies: [{ from: 'a', to: 'b' }, { from: 'a', to: 'c' }],
    });
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const ours = () => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'constellation');
    for (let i = 0; i < 200 && ours().length < 3; i++) await new Promise((r) => setTimeout(r, 25));
    const info = ours().filter((d) => d.code === 'quoted_reference');
    assert.equal(info.length, 2, 'both command lines with a reference are marked');
    assert.equal(info[0]!.severity, vscode.DiagnosticSeverity.Information);
    assert.match(info[0]!.message, /one quoted shell word: data, never code/);
    assert.match(doc.getText(info[0]!.range), /echo got: \$\{tasks\.a\.result\.stdout\}/);
    const refused = ours().find((d) => d.code === 'bad_reference');
    assert.ok(refused, 'the reference inside $(…) is an error');
    assert.match(refused.message, /command substitution/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});

describe('DAG panel', () => {
  it('opens for a run, draws its snapshot, then repaints from deltas as tasks change', async function () {
    this.timeout(60_000);
    const a = await api();
    const tasks = Array.from({ length: 40 }, (_, i) => ({ id: `t${i}`, inputs: { sim: { durationMs: 200 + (i % 5) * 100 } } }));
    const dependencies = tasks.slice(8).map((t, i) => ({ from: `t${i}`, to: t.id }));
    const uri = writePlan('dag', { id: 'dag', name: 'DAG demo', tasks, dependencies });
    const runId = await vscode.commands.executeCommand<string>(COMMANDS.runPlan, uri);
    const run = a.ctx.runs.runs.find((r) => r.id === runId)!;
    // Hold dispatch until the webview has drawn its snapshot: on a slow machine the webview can
    // take longer to load than this run takes to finish, and a finished run sends no deltas.
    run.orchestrator!.pause();
    await vscode.commands.executeCommand(COMMANDS.openDag, a.ctx.runsTree.runNode(run));
    const panel = a.ctx.dags.get(run);
    assert.ok(panel, 'a panel is open for the run');
    for (let i = 0; i < 1200 && !panel.renders.some((r) => r.kind === 'snapshot'); i++) await new Promise((r) => setTimeout(r, 25));
    const snapshot = panel.renders.find((r) => r.kind === 'snapshot');
    assert.ok(snapshot, `the webview drew the snapshot (renders: ${JSON.stringify(panel.renders.slice(0, 3))})`);
    run.orchestrator!.resume();
    await run.orchestrator!.run();
    for (let i = 0; i < 400 && !panel.renders.some((r) => r.kind === 'delta'); i++) await new Promise((r) => setTimeout(r, 25));
    const deltas = panel.renders.filter((r) => r.kind === 'delta');
    assert.ok(deltas.length > 0, 'and repainted from deltas');
    assert.ok(deltas.every((d) => d.lagMs !== undefined && d.lagMs >= 0), 'each delta repaint reports its delay');
    panel.panel.dispose();
  });
});

describe('devices', () => {
  it('the Devices view follows the local device being killed and coming back', async function () {
    this.timeout(60_000);
    const a = await api();
    // Make sure the local device is up (an earlier run started it; start one if not).
    const uri = writePlan('warm', { id: 'warm', tasks: [{ id: 'a', inputs: { sim: { durationMs: 1 } } }] });
    const runId = await vscode.commands.executeCommand<string>(COMMANDS.runPlan, uri);
    await a.ctx.runs.runs.find((r) => r.id === runId)!.orchestrator!.run();
    const agent = a.ctx.local.agent;
    assert.ok(agent, 'the local device agent is running');
    const described = () => {
      const node = a.ctx.devicesTree.getChildren()[0];
      return node ? String(a.ctx.devicesTree.getTreeItem(node).description) : '';
    };
    const states: string[] = [];
    const sub = a.ctx.devicesTree.onDidChangeTreeData(() => states.push(described()));
    try {
      const pid = agent.pid;
      assert.ok(pid, 'it has a process');
      await agent.kill();
      for (let i = 0; i < 400 && !described().startsWith('reconnecting'); i++) await new Promise((r) => setTimeout(r, 25));
      assert.match(described(), /^reconnecting/);
      await a.ctx.local.restartAgent();
      for (let i = 0; i < 600 && !described().startsWith('ready'); i++) await new Promise((r) => setTimeout(r, 25));
      assert.match(described(), /^ready/);
      assert.notEqual(a.ctx.local.agent?.pid, pid, 'a new process');
      assert.ok(states.some((s) => s.startsWith('reconnecting')) && states.at(-1)?.startsWith('ready'), `the view went through reconnecting to ready (${states.join(' | ')})`);
    } finally {
      sub.dispose();
    }
  });
});
