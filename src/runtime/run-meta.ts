/**
 * What a journal's `run.json` says about how a run started, written once by whichever front end
 * starts it and read back by `resume`, `runs` and the extension's history.
 */
export interface RunMeta {
  readonly version: 1;
  /** Who the run is to its devices: a resume under the same id takes over what they hold. */
  readonly orchestratorId: string;
  readonly constellationId: string;
  /** ISO time. */
  readonly startedAt: string;
  /** The plan file, when there is one. */
  readonly plan?: string | undefined;
  /** The run it continues (a rerun). */
  readonly continues?: string | undefined;
  /** `vscode` for the extension; the command line writes its version under `cli`. */
  readonly from?: string | undefined;
  readonly cli?: string | undefined;
  /** Front-end specific facts (devices, strategy, edits…). */
  readonly [field: string]: unknown;
}

/** What a front end gives {@link newRunMeta}: a run's facts but the format version, the start time if it has one. */
export interface RunMetaFields {
  readonly orchestratorId: string;
  readonly constellationId: string;
  readonly startedAt?: string | undefined;
  readonly [field: string]: unknown;
}

/** A new run's facts: the format version and (unless given) the start time filled in. */
export function newRunMeta(fields: RunMetaFields): RunMeta {
  return { ...fields, orchestratorId: fields.orchestratorId, constellationId: fields.constellationId, version: 1, startedAt: fields.startedAt ?? new Date().toISOString() };
}
