import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planFromJson } from '../../src/core/io/plan-file';
import { REFERENCE_SHA256, WORKLOAD_NAMES, sha256, workloadText } from '../bench/workload-set';

describe('benchmark workloads, inside the repository', () => {
  it('W1–W3 and S1 are byte for byte the graphs the reference was measured on', () => {
    const checked = Object.keys(REFERENCE_SHA256);
    assert.deepEqual(checked.sort(), ['S1-fanout-100', 'S1-fanout-5000', 'S1-fanout-50000', 'W1-chain-1000', 'W2-fanout-1000', 'W3-layered-2000']);
    for (const name of WORKLOAD_NAMES) {
      const expected = REFERENCE_SHA256[name];
      if (expected !== undefined) assert.equal(sha256(workloadText(name)), expected, `${name} differs from the reference's graph`);
    }
  });

  it('every workload is a valid plan as it is, of the size its name says', () => {
    for (const name of WORKLOAD_NAMES) {
      const c = planFromJson(JSON.parse(workloadText(name)), { source: name });
      const size = Number(/(\d+)$/.exec(name)![1]);
      assert.equal(c.size, name.includes('fanout') ? size + 2 : size, name);
    }
  });

  it('S2 is generated the same way every time (seeded), with 1–3 parents per task after the first layer', () => {
    const text = workloadText('S2-layered-100000');
    const w = JSON.parse(text) as { dependencies: { from: string; to: string }[] };
    const parents = new Map<string, number>();
    for (const d of w.dependencies) parents.set(d.to, (parents.get(d.to) ?? 0) + 1);
    assert.equal(parents.size, 99_000);
    assert.ok([...parents.values()].every((n) => n >= 1 && n <= 3));
    // Pinned: a change to the generator would silently change what the S2 figures measure.
    assert.equal(sha256(text), '4d5c6bfd6d187de4964697d635d6e7411abfc7b68fa39537621229ebb55b5498');
  });
});
