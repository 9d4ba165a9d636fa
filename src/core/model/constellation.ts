import { DirectedGraph } from 'graphology';
import { topologicalSort } from 'graphology-dag';
import { compileExpression, type CompiledExpression } from '../expr/expression';
import { CycleError, ConstellationError } from './errors';
import { findCycle, TopoOrder } from './topo-order';
import { deriveState, emptyStatusCounts, type StatusCounts } from './state';
import type { ConstellationState, Dependency, Task, TaskStatus } from './types';

/** Identity and free-form facts of a constellation. */
export interface ConstellationInfo {
  id: string;
  name: string;
  request?: string | undefined;
  metadata: Record<string, unknown>;
}

// graphology keeps each node's adjacency in plain objects keyed by the neighbours' keys, so a
// task id that is also a name of Object.prototype ('__proto__', 'constructor', 'toString', …)
// would read or replace the prototype there. Such ids are stored under an escaped key; every
// other id is its own key. Ids never contain NUL, so the escape cannot collide.
const RESERVED = new Set(Object.getOwnPropertyNames(Object.prototype));
const ESCAPE = '\u0000';
const keyOf = (id: string): string => (RESERVED.has(id) ? ESCAPE + id : id);
const idOf = (key: string): string => (key.charCodeAt(0) === 0 ? key.slice(1) : key);

/**
 * Tasks and dependencies on a graphology `DirectedGraph`: node attributes are the tasks,
 * edge keys are dependency ids, edge attributes the dependencies. The graph is private: every
 * traversal goes through this class, in task ids, whatever the ids are.
 *
 * Structural mutators check their own preconditions (existence, uniqueness, acyclicity);
 * policy (which statuses may be edited) belongs to the editor. Statuses change only through
 * {@link Constellation.transition}, which only the orchestrator calls.
 */
export class Constellation {
  private readonly graph = new DirectedGraph<Task, Dependency>({ allowSelfLoops: false });
  /**
   * The graph's node attributes by task id, in the graph's order: a task is looked up on every
   * event and every readiness check, and one `Map` read costs less than escaping the id and
   * asking the graph twice. Changed only beside the graph's nodes (`addTask`, `removeTask`).
   */
  private readonly byId = new Map<string, Task>();
  private readonly order = new TopoOrder(this.graph);
  private readonly predicates = new Map<string, CompiledExpression>();
  private counts: StatusCounts = emptyStatusCounts();

  constructor(public info: ConstellationInfo) {}

  get id(): string {
    return this.info.id;
  }

  get size(): number {
    return this.graph.order;
  }

  hasTask(id: string): boolean {
    return this.byId.has(id);
  }

  /** The live task object; treat it as read-only outside the core. */
  task(id: string): Task {
    const task = this.byId.get(id);
    if (task === undefined) throw new ConstellationError('unknown_task', `no task '${id}'`);
    return task;
  }

  tryTask(id: string): Task | undefined {
    return this.byId.get(id);
  }

  taskIds(): string[] {
    return [...this.byId.keys()];
  }

  /** Every task, in the order they were added (the graph's order). */
  tasks(): IterableIterator<Task> {
    return this.byId.values();
  }

  hasDependency(id: string): boolean {
    return this.graph.hasEdge(id);
  }

  dependency(id: string): Dependency {
    if (!this.graph.hasEdge(id)) throw new ConstellationError('unknown_dependency', `no dependency '${id}'`);
    return this.graph.getEdgeAttributes(id);
  }

  /** The dependency `from → to`, if any. */
  dependencyBetween(from: string, to: string): Dependency | undefined {
    const key = this.hasTask(from) && this.hasTask(to) ? this.graph.edge(keyOf(from), keyOf(to)) : undefined;
    return key === undefined ? undefined : this.graph.getEdgeAttributes(key);
  }

  *dependencies(): IterableIterator<Dependency> {
    for (const { attributes } of this.graph.edgeEntries()) yield attributes;
  }

  incoming(taskId: string): Dependency[] {
    return this.graph.mapInEdges(keyOf(taskId), (_k, a) => a);
  }

  outgoing(taskId: string): Dependency[] {
    return this.graph.mapOutEdges(keyOf(taskId), (_k, a) => a);
  }

  /** Number of tasks that depend directly on `taskId`. */
  dependantCount(taskId: string): number {
    return this.graph.outDegree(keyOf(taskId));
  }

  /** Calls `fn` with each dependency into `taskId`. */
  forEachIncoming(taskId: string, fn: (dep: Dependency) => void): void {
    this.graph.forEachInEdge(keyOf(taskId), (_k, dep) => fn(dep));
  }

  /** Calls `fn` with each dependency out of `taskId`. */
  forEachOutgoing(taskId: string, fn: (dep: Dependency) => void): void {
    this.graph.forEachOutEdge(keyOf(taskId), (_k, dep) => fn(dep));
  }

  /** Ids of the tasks `taskId` depends on directly. */
  upstreamOf(taskId: string): string[] {
    return this.graph.mapInNeighbors(keyOf(taskId), (_k, t) => t.id);
  }

  /** Ids of the tasks that depend on `taskId` directly. */
  dependantsOf(taskId: string): string[] {
    return this.graph.mapOutNeighbors(keyOf(taskId), (_k, t) => t.id);
  }

  /** Every task id, each after all the tasks it depends on. */
  topologicalOrder(): string[] {
    const order = topologicalSort(this.graph);
    for (let i = 0; i < order.length; i++) order[i] = idOf(order[i]!);
    return order;
  }

  statusCounts(): Readonly<StatusCounts> {
    return this.counts;
  }

  /** Derived from task statuses; see {@link deriveState}. */
  get state(): ConstellationState {
    return deriveState(this.counts, this.graph.order);
  }

  /** Position in a topological order maintained incrementally. */
  topoPosition(taskId: string): number {
    return this.order.position(keyOf(taskId));
  }

  /** Compiled `when` predicate of a conditional dependency (cached). */
  predicate(dep: Dependency): CompiledExpression | undefined {
    if (dep.type !== 'conditional' || dep.when === undefined || dep.when.trim() === '') return undefined;
    const cached = this.predicates.get(dep.id);
    if (cached && cached.source === dep.when) return cached;
    const compiled = compileExpression(dep.when);
    this.predicates.set(dep.id, compiled);
    return compiled;
  }

  addTask(task: Task): void {
    const key = keyOf(task.id);
    if (this.graph.hasNode(key)) throw new ConstellationError('duplicate_id', `task id '${task.id}' is already used`);
    this.graph.addNode(key, task);
    this.byId.set(task.id, task);
    this.order.addNode(key);
    this.counts[task.status]++;
  }

  /** Removes a task and its edges; returns the removed edges so they can be restored. */
  removeTask(id: string): Dependency[] {
    const task = this.task(id);
    const edges = [...this.incoming(id), ...this.outgoing(id)];
    for (const e of edges) this.predicates.delete(e.id);
    this.graph.dropNode(keyOf(id));
    this.byId.delete(id);
    this.order.deleteNode(keyOf(id));
    this.counts[task.status]--;
    return edges;
  }

  /** Adds an edge; throws {@link CycleError} (and changes nothing) if it would close a cycle. */
  addDependency(dep: Dependency): void {
    if (this.graph.hasEdge(dep.id)) throw new ConstellationError('duplicate_id', `dependency id '${dep.id}' is already used`);
    for (const end of [dep.from, dep.to]) {
      if (!this.hasTask(end)) throw new ConstellationError('unknown_task', `no task '${end}'`);
    }
    const [from, to] = [keyOf(dep.from), keyOf(dep.to)];
    if (this.graph.hasEdge(from, to)) {
      throw new ConstellationError('duplicate_dependency', `'${dep.to}' already depends on '${dep.from}'`);
    }
    const cycle = this.order.checkAndPrepare(from, to);
    if (cycle) throw new CycleError(cycle.map(idOf));
    this.graph.addDirectedEdgeWithKey(dep.id, from, to, dep);
  }

  removeDependency(id: string): Dependency {
    const dep = this.dependency(id);
    this.graph.dropEdge(id);
    this.predicates.delete(id);
    return dep;
  }

  /**
   * Adds tasks and edges in bulk, checking acyclicity once with a full topological sort
   * instead of per edge. Used to load plans; throws on the first structural problem, a
   * {@link CycleError} naming one cycle if the dependencies form any.
   */
  load(tasks: readonly Task[], deps: readonly Dependency[]): void {
    for (const t of tasks) this.addTask(t);
    for (const d of deps) {
      if (this.graph.hasEdge(d.id)) throw new ConstellationError('duplicate_id', `dependency id '${d.id}' is already used`);
      const [from, to] = [keyOf(d.from), keyOf(d.to)];
      if (this.graph.hasEdge(from, to)) {
        throw new ConstellationError('duplicate_dependency', `'${d.to}' already depends on '${d.from}'`);
      }
      this.graph.addDirectedEdgeWithKey(d.id, from, to, d);
    }
    let sorted: string[];
    try {
      sorted = topologicalSort(this.graph);
    } catch {
      throw new CycleError(findCycle(this.graph).map(idOf));
    }
    this.order.reset(sorted);
  }

  /**
   * Moves a task to a new status. Orchestrator only: edits never change statuses.
   * Keeps the per-status counts behind {@link Constellation.state} exact.
   */
  transition(id: string, status: TaskStatus): Task {
    return this.setStatus(this.task(id), status);
  }

  /** {@link transition} for a task object of this constellation, already looked up (the event path). */
  setStatus(task: Task, status: TaskStatus): Task {
    if (task.status !== status) {
      this.counts[task.status]--;
      this.counts[status]++;
      task.status = status;
    }
    return task;
  }
}

export type { StatusCounts };
