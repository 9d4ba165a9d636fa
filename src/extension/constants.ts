/** Every command id the extension contributes, in one place (a test checks package.json). */
export const COMMANDS = {
  newPlan: 'constellation.newPlan',
  openPlan: 'constellation.openPlan',
  runPlan: 'constellation.runPlan',
  pause: 'constellation.pause',
  resume: 'constellation.resume',
  cancel: 'constellation.cancel',
  retryTask: 'constellation.retryTask',
  cancelTask: 'constellation.cancelTask',
  showLog: 'constellation.showLog',
  showTaskOutput: 'constellation.showTaskOutput',
  openDag: 'constellation.openDag',
  addDevice: 'constellation.addDevice',
  connectDevice: 'constellation.connectDevice',
  disconnectDevice: 'constellation.disconnectDevice',
  exportReport: 'constellation.exportReport',
  planFromRequest: 'constellation.planFromRequest',
  acceptEdit: 'constellation.acceptEdit',
  rejectEdit: 'constellation.rejectEdit',
  chooseEdits: 'constellation.chooseEdits',
  showAgentRound: 'constellation.showAgentRound',
  extendAgentBudget: 'constellation.extendAgentBudget',
  resumeRun: 'constellation.resumeRun',
  rerun: 'constellation.rerun',
  rerunFromFailure: 'constellation.rerunFromFailure',
  openReport: 'constellation.openReport',
  deleteRun: 'constellation.deleteRun',
  refreshRuns: 'constellation.refreshRuns',
} as const;

export type CommandId = (typeof COMMANDS)[keyof typeof COMMANDS];

export const VIEWS = {
  container: 'constellation',
  runs: 'constellation.runs',
  devices: 'constellation.devices',
} as const;

/** Context keys for `when` clauses. */
export const CONTEXT = {
  running: 'constellation.running',
  hasRuns: 'constellation.hasRuns',
  reviewPending: 'constellation.reviewPending',
  paused: 'constellation.paused',
} as const;
