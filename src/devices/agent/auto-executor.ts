import type { Execution, ExecutionRequest, ExecutionSink, Executor } from '../../core/executors/executor';

/** Runs a task with `inputs.sim` on the simulator and everything else in the shell. */
export class AutoExecutor implements Executor {
  constructor(
    private readonly sim: Executor,
    private readonly shell: Executor,
  ) {}

  start(request: ExecutionRequest, sink: ExecutionSink): Execution {
    const inputs = request.inputs;
    const isSim = typeof inputs === 'object' && inputs !== null && 'sim' in inputs;
    return (isSim ? this.sim : this.shell).start(request, sink);
  }
}
