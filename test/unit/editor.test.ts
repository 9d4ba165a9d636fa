import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConstellationEditor } from '../../src/core/editing/editor';
import { toPlanFile } from '../../src/core/io/plan-file';
import { aConstellation } from '../helpers/builders';

const devices = { hasDevice: (id: string) => ['d1', 'd2'].includes(id) };
/** The constellation's content, independent of insertion order. */
const snapshot = (e: ConstellationEditor) => {
  const plan = toPlanFile(e.constellation, true);
  const byId = (a: { id?: string | undefined }, b: { id?: string | undefined }) => String(a.id).localeCompare(String(b.id));
  return JSON.stringify({ ...plan, tasks: [...plan.tasks].sort(byId), dependencies: [...(plan.dependencies ?? [])].sort(byId) });
};

function editor() {
  const c = aConstellation(['a', 'b', 'c', 'd'], ['a->b', 'b->c']);
  return new ConstellationEditor(c, { devices });
}

describe('edit batches', () => {
  it('applies a valid batch and reports the diff', () => {
    const e = editor();
    const r = e.applyInput([
      { op: 'add_task', task: { id: 'x', device: 'd1' } },
      { op: 'add_dependency', dependency: { from: 'c', to: 'x', type: 'success_only' } },
      { op: 'update_task', taskId: 'd', changes: { priority: 'high', description: 'now urgent' } },
      { op: 'remove_dependency', dependencyId: 'a->b' },
    ]);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.diff.addedTasks, ['x']);
    assert.deepEqual(r.diff.addedDependencies, ['c->x']);
    assert.deepEqual(r.diff.removedDependencies, ['a->b']);
    assert.equal(e.constellation.task('d').priority, 3);
    assert.equal(e.constellation.dependency('c->x').type, 'success_only');
    assert.equal(e.constellation.hasDependency('a->b'), false);
  });

  it('an invalid batch changes nothing and lists every violation with its index', () => {
    const e = editor();
    const before = snapshot(e);
    const semantic = [
      { op: 'add_task', task: { id: 'ok1' } },
      { op: 'add_task', task: { id: 'a' } },
      { op: 'add_dependency', dependency: { from: 'c', to: 'a' } },
      { op: 'remove_task', taskId: 'ghost' },
      { op: 'assign_device', taskId: 'b', device: 'nowhere' },
      { op: 'add_dependency', dependency: { from: 'ok1', to: 'd' } },
    ];
    // Schema errors are reported before anything is tried.
    const r = e.applyInput([...semantic.slice(0, 5), { op: 'frobnicate' }, semantic[5]]);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.deepEqual(r.violations.map((v) => [v.opIndex, v.code]), [[5, 'invalid_operation']]);
    const r2 = e.applyInput(semantic);
    assert.equal(r2.ok, false);
    if (r2.ok) return;
    assert.deepEqual(
      r2.violations.map((v) => [v.opIndex, v.code]),
      [
        [1, 'duplicate_id'],
        [2, 'cycle'],
        [3, 'unknown_task'],
        [4, 'unknown_device'],
      ],
    );
    assert.match(r2.violations[1]!.message, /c → a → b → c/);
    assert.equal(snapshot(e), before, 'nothing changed');
    assert.equal(e.constellation.hasTask('ok1'), false);
    assert.equal(e.canUndo, false);
  });

  it('I1/I3: running and finished tasks are read-only, and so are edges into them', () => {
    const e = editor();
    e.constellation.transition('a', 'running');
    e.constellation.transition('b', 'completed');
    const ops = [
      { op: 'assign_device', taskId: 'a', device: 'd2' },
      { op: 'update_task', taskId: 'b', changes: { name: 'renamed' } },
      { op: 'remove_task', taskId: 'b' },
      { op: 'remove_dependency', dependencyId: 'a->b' },
      { op: 'add_dependency', dependency: { from: 'd', to: 'a' } },
    ];
    for (const [i, op] of ops.entries()) {
      const r = e.applyInput([op]);
      assert.equal(r.ok, false, `op ${i} should be refused`);
      if (!r.ok) assert.equal(r.violations[0]!.code, 'not_modifiable', JSON.stringify(r.violations));
    }
    // An edge out of a finished task into a pending one is fine.
    assert.equal(e.applyInput([{ op: 'add_dependency', dependency: { from: 'b', to: 'd' } }]).ok, true);
  });

  it('I2: a cycle is rejected, also through several edges added in one batch', () => {
    const e = editor();
    const r = e.applyInput([
      { op: 'add_dependency', dependency: { from: 'c', to: 'd' } },
      { op: 'add_dependency', dependency: { from: 'd', to: 'a' } },
    ]);
    assert.equal(r.ok, false);
    if (!r.ok) assert.deepEqual(r.violations.map((v) => [v.opIndex, v.code]), [[1, 'cycle']]);
    assert.equal(e.constellation.hasDependency('c->d'), false, 'first op rolled back');
  });

  it('I2: the incremental order stays valid after edges are added against it', () => {
    const c = aConstellation(['a', 'b', 'c', 'd', 'e'], []);
    const e = new ConstellationEditor(c);
    assert.ok(e.applyInput([{ op: 'add_dependency', dependency: { from: 'e', to: 'a' } }]).ok);
    assert.ok(e.applyInput([{ op: 'add_dependency', dependency: { from: 'd', to: 'e' } }]).ok);
    assert.ok(e.applyInput([{ op: 'add_dependency', dependency: { from: 'a', to: 'b' } }]).ok);
    const r = e.applyInput([{ op: 'add_dependency', dependency: { from: 'b', to: 'd' } }]);
    assert.equal(r.ok, false);
    for (const dep of c.dependencies()) assert.ok(c.topoPosition(dep.from) < c.topoPosition(dep.to), `${dep.from} before ${dep.to}`);
  });

  it('I4: references must point at ancestors; devices must exist; ids unique', () => {
    const e = editor();
    const r = e.applyInput([
      { op: 'add_task', task: { id: 'r1', description: 'use ${tasks.d.result}' } },
      { op: 'add_task', task: { id: 'r2', inputs: { x: '${tasks.nope.result}' } } },
      { op: 'add_task', task: { id: 'r3', description: 'from ${tasks.c.result.files[0]}' } },
      { op: 'add_dependency', dependency: { from: 'c', to: 'r3' } },
    ]);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.deepEqual(r.violations.map((v) => [v.opIndex, v.code]), [[0, 'bad_reference'], [1, 'bad_reference']]);
      assert.match(r.violations[0]!.message, /not upstream/);
      assert.match(r.violations[1]!.message, /unknown task 'nope'/);
    }
    // Removing the edge that makes a referenced task an ancestor is refused too.
    assert.ok(e.applyInput([{ op: 'add_task', task: { id: 'r3', description: 'from ${tasks.a.result}' } }, { op: 'add_dependency', dependency: { from: 'b', to: 'r3' } }]).ok);
    const cut = e.applyInput([{ op: 'remove_dependency', dependencyId: 'a->b' }]);
    assert.equal(cut.ok, false);
    if (!cut.ok) assert.equal(cut.violations[0]!.code, 'bad_reference');
  });

  it('bad conditions are rejected with the parser message', () => {
    const e = editor();
    const r = e.applyInput([{ op: 'update_dependency', dependencyId: 'a->b', changes: { type: 'conditional', when: 'result.x ==' } }]);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.violations[0]!.code, 'bad_condition');
  });

  it('validate() reports without applying', () => {
    const e = editor();
    assert.deepEqual(e.validate([{ op: 'add_task', task: { id: 'z' } }]), []);
    assert.equal(e.constellation.hasTask('z'), false);
  });

  it('undo and redo applied batches', () => {
    const e = editor();
    const start = snapshot(e);
    assert.ok(e.applyInput([{ op: 'remove_task', taskId: 'b' }]).ok);
    const afterRemove = snapshot(e);
    assert.ok(e.applyInput([{ op: 'update_task', taskId: 'd', changes: { device: 'd1', tips: ['x'] } }]).ok);
    assert.ok(e.undo()?.ok);
    assert.equal(snapshot(e), afterRemove);
    assert.ok(e.undo()?.ok);
    assert.equal(snapshot(e), start, 'task b and both its edges are back');
    assert.equal(e.canUndo, false);
    assert.ok(e.redo()?.ok);
    assert.equal(snapshot(e), afterRemove);
    assert.ok(e.redo()?.ok);
    assert.equal(e.constellation.task('d').device, 'd1');
    assert.equal(e.canRedo, false);
  });

  it('undo is refused once the edited task has started', () => {
    const e = editor();
    assert.ok(e.applyInput([{ op: 'add_task', task: { id: 'n' } }]).ok);
    e.constellation.transition('n', 'running');
    const r = e.undo();
    assert.equal(r?.ok, false);
    assert.equal(e.constellation.hasTask('n'), true);
    assert.equal(e.canUndo, true);
  });
});
