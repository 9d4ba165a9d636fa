import { ConstellationError } from '../model/errors';

/** Raised for every problem in an expression's source, always pointing at a character offset. */
export class ExpressionError extends ConstellationError {
  constructor(
    message: string,
    /** Zero-based offset into the source where the problem was detected. */
    readonly position: number,
  ) {
    super('bad_expression', message);
  }
}

/** A malformed reference, an unknown task at resolution time, or an unconvertible value. */
export class TaskReferenceError extends ConstellationError {
  constructor(
    message: string,
    /** Where the offending text is: `description`, `tips[1]`, `inputs.args[2]`, …. */
    readonly location: string,
  ) {
    super('bad_reference', message);
  }
}
