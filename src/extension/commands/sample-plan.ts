/**
 * The plan "New Sample Plan" writes: real shell commands on the local device, with parallel
 * branches, a task that streams its output slowly (to watch in its terminal), a task that reads
 * another's result, and a clean-up that runs whatever happened before it.
 */
export function samplePlan(deviceId: string): object {
  return {
    id: 'hello-constellation',
    name: 'Hello, Constellation',
    request: 'Look around this workspace on the local device and summarise what is there.',
    tasks: [
      { id: 'system', name: 'Describe the machine', device: deviceId, inputs: { command: 'uname -a; echo "cores: $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo ?)"' } },
      { id: 'files', name: 'Count the files', device: deviceId, inputs: { command: "find . -type f -not -path './node_modules/*' -not -path './.git/*' | wc -l | tr -d ' '" } },
      { id: 'disk', name: 'Check free disk space', device: deviceId, inputs: { command: 'df -h . | tail -n 1' } },
      {
        id: 'watch',
        name: 'Stream progress for ten seconds',
        description: 'Open its terminal (Show Task Output) to follow it live, or press Ctrl+C there to cancel it.',
        device: deviceId,
        inputs: { command: 'for i in 1 2 3 4 5 6 7 8 9 10; do echo "step $i of 10"; sleep 1; done' },
      },
      {
        id: 'summary',
        name: 'Summarise',
        device: deviceId,
        inputs: { command: ['echo', 'files in the workspace: ${tasks.files.result.stdout}'] },
      },
      { id: 'tidy', name: 'Tidy up (runs even if the summary fails)', device: deviceId, inputs: { command: 'echo nothing to tidy' } },
    ],
    dependencies: [
      { from: 'system', to: 'summary' },
      { from: 'files', to: 'summary' },
      { from: 'disk', to: 'summary' },
      { from: 'watch', to: 'summary' },
      { from: 'summary', to: 'tidy', type: 'completion_only' },
    ],
  };
}
