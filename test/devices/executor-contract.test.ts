import * as os from 'node:os';
import { SimExecutor } from '../../src/core/executors/sim-executor';
import { ShellExecutor } from '../../src/devices/agent/shell-executor';
import { executorContract, SHELL_DIALECT, SIM_DIALECT } from '../contract/executor-contract';
import { connectFleet, startAgents } from '../helpers/ws-devices';

/** A real device agent in its own process, reached over a real WebSocket. */
async function wsDevice(executor: 'sim' | 'shell') {
  const agents = await startAgents([`contract-${executor}`], { executor, workdir: os.tmpdir() });
  const fleet = await connectFleet(agents);
  return {
    executor: fleet.sessions[0]!,
    close: async () => {
      fleet.close();
      await agents.stop();
    },
  };
}

executorContract('in-process sim', SIM_DIALECT, () => Promise.resolve({ executor: new SimExecutor(), close: () => undefined }));
executorContract('WebSocket device, sim', SIM_DIALECT, () => wsDevice('sim'));
executorContract('in-process shell', SHELL_DIALECT, () => Promise.resolve({ executor: new ShellExecutor(os.tmpdir()), close: () => undefined }));
executorContract('WebSocket device, shell', SHELL_DIALECT, () => wsDevice('shell'));
