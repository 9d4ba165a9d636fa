import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { edgeOutcome } from '../../src/core/model/dependency-rules';
import { compileExpression } from '../../src/core/expr/expression';
import type { Dependency, DependencyType, TaskStatus } from '../../src/core/model/types';

const dep = (type: DependencyType, extra: Partial<Dependency> = {}): Dependency => ({ id: 'e', from: 'a', to: 'b', type, ...extra });
const FINISHED_BADLY: TaskStatus[] = ['failed', 'cancelled', 'skipped'];

describe('dependency rules', () => {
  for (const type of ['unconditional', 'completion_only', 'success_only', 'conditional'] as const) {
    it(`${type}: waits while the upstream is not finished`, () => {
      for (const status of ['pending', 'ready', 'running'] as const) assert.equal(edgeOutcome(dep(type), { status }), 'wait');
    });
  }

  for (const type of ['unconditional', 'completion_only'] as const) {
    it(`${type}: satisfied whatever the upstream's final status`, () => {
      for (const status of ['completed', ...FINISHED_BADLY] as const) assert.equal(edgeOutcome(dep(type), { status }), 'satisfied');
    });
  }

  it('success_only: satisfied on completed, skip on failed/cancelled/skipped', () => {
    assert.equal(edgeOutcome(dep('success_only'), { status: 'completed' }), 'satisfied');
    for (const status of FINISHED_BADLY) assert.equal(edgeOutcome(dep('success_only'), { status }), 'skip');
  });

  it('conditional: the when predicate decides on the upstream result', () => {
    const d = dep('conditional', { when: 'result.exitCode == 0' });
    const predicate = compileExpression(d.when!);
    assert.equal(edgeOutcome(d, { status: 'completed', result: { exitCode: 0 } }, { predicate }), 'satisfied');
    assert.equal(edgeOutcome(d, { status: 'completed', result: { exitCode: 3 } }, { predicate }), 'skip');
  });

  it('conditional: the predicate wins over an agent decision', () => {
    const d = dep('conditional', { when: 'result.ok', satisfied: false });
    assert.equal(edgeOutcome(d, { status: 'completed', result: { ok: true } }, { predicate: compileExpression('result.ok') }), 'satisfied');
  });

  it('conditional without a predicate: the agent decides, and is waited for', () => {
    assert.equal(edgeOutcome(dep('conditional', { satisfied: true }), { status: 'completed' }), 'satisfied');
    assert.equal(edgeOutcome(dep('conditional', { satisfied: false }), { status: 'completed' }), 'skip');
    assert.equal(edgeOutcome(dep('conditional'), { status: 'completed' }, { awaitingAgent: true }), 'wait');
  });

  it('conditional with neither: behaves as success_only', () => {
    assert.equal(edgeOutcome(dep('conditional'), { status: 'completed' }), 'satisfied');
    for (const status of FINISHED_BADLY) assert.equal(edgeOutcome(dep('conditional'), { status }), 'skip');
  });

  it('conditional: a failed upstream skips even when the agent said satisfied', () => {
    assert.equal(edgeOutcome(dep('conditional', { satisfied: true }), { status: 'failed' }), 'skip');
  });
});
