import { Constellation } from '../../src/core/model/constellation';
import { planFromJson } from '../../src/core/io/plan-file';
import type { DependencyFile, TaskFile } from '../../src/core/model/schema';
import type { DependencyType } from '../../src/core/model/types';

/** A task definition with defaults a test can override. */
export function aTask(id: string, overrides: Partial<TaskFile> = {}): TaskFile {
  return { id, ...overrides };
}

export function aDependency(from: string, to: string, type: DependencyType = 'unconditional', extra: Partial<DependencyFile> = {}): DependencyFile {
  return { from, to, type, ...extra };
}

/** A constellation from tasks and `"a->b"` edge shorthands or full dependencies. */
export function aConstellation(tasks: (TaskFile | string)[], deps: (DependencyFile | string)[] = [], id = 'test'): Constellation {
  return planFromJson({
    id,
    tasks: tasks.map((t) => (typeof t === 'string' ? aTask(t) : t)),
    dependencies: deps.map((d) => {
      if (typeof d !== 'string') return d;
      const [from, to] = d.split('->');
      return aDependency(from!, to!);
    }),
  });
}

export { Constellation };
