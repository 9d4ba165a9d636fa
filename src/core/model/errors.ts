/** One problem found in a plan, an edit batch or a command line, located precisely. */
export interface Problem {
  /** Stable machine-readable code, e.g. `cycle`, `unknown_task`, `invalid_field`. */
  readonly code: string;
  readonly message: string;
  /** Where: a JSON path (`tasks[3].priority`), a file position, or an operation index. */
  readonly path?: string | undefined;
}

/** Base of every error the core throws on purpose. */
export class ConstellationError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Adding an edge would close a cycle. `cycle` lists the task ids along it, first = last. */
export class CycleError extends ConstellationError {
  constructor(readonly cycle: readonly string[]) {
    super('cycle', `dependency would create a cycle: ${cycle.join(' → ')}`);
  }
}

/** A plan or an input document is invalid; every problem is listed. */
export class InvalidInputError extends ConstellationError {
  constructor(
    readonly problems: readonly Problem[],
    readonly source?: string,
  ) {
    super('invalid_input', formatProblems(problems, source));
  }
}

/** Renders problems one per line, prefixed by their location. */
export function formatProblems(problems: readonly Problem[], source?: string): string {
  const head = source ? `${source}: ` : '';
  return problems
    .map((p) => `${head}${p.path ? `${p.path}: ` : ''}${p.message} [${p.code}]`)
    .join('\n');
}
