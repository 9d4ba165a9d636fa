import type { EditProposal, EditRequest, EditSource } from '../../src/core/orchestrator/edit-source';

/** An edit source the test answers by hand, one request at a time. */
export class DeferredEditSource implements EditSource {
  readonly requests: EditRequest[] = [];
  private answers: ((p: EditProposal | undefined) => void)[] = [];

  propose(request: EditRequest): Promise<EditProposal | undefined> {
    this.requests.push(request);
    return new Promise((resolve) => this.answers.push(resolve));
  }

  /** Answers the oldest open request. */
  answer(p: EditProposal | undefined = { operations: [] }): void {
    const next = this.answers.shift();
    if (!next) throw new Error('no open edit request');
    next(p);
  }

  get open(): number {
    return this.answers.length;
  }
}
