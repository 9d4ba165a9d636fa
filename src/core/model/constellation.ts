import { DirectedGraph } from 'graphology';
import { compileExpression, type CompiledExpression } from '../expr/expression';
import { CycleError, ConstellationError } from './errors';
import { TopoOrder } from './topo-order';
import { deriveState, emptyStatusCounts, type StatusCounts } from './state';
import type { ConstellationState, Dependency, Task, TaskStatus } from './types';

/** Identity and free-form facts of a constellation. */
export interface ConstellationInfo {
  id: string;
  name: string;
  request?: string | undefined;
  metadata: Record<string, unknown>;
}

/**
 * Tasks and dependencies on a graphology `DirectedGraph`: node attributes are the tasks,
 * edge keys are dependency ids, edge attributes the dependencies.
 *
 * Structural mutators check their own preconditions (existence, uniqueness, acyclicity);
 * policy (which statuses may be edited) belongs to the editor. Statuses change only through
 * {@link Constellation.transition}, which only the orchestrator calls.
 */
export class Constellation {
  readonly graph = new DirectedGraph<Task, Dependency>({ allowSelfLoops: false });
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
    return this.graph.hasNode(id);
  }

  /** The live task object; treat it as read-only outside the core. */
  task(id: string): Task {
    if (!this.graph.hasNode(id)) throw new ConstellationError('unknown_task', `no task '${id}'`);
    return this.graph.getNodeAttributes(id);
  }

  tryTask(id: string): Task | undefined {
    return this.graph.hasNode(id) ? this.graph.getNodeAttributes(id) : undefined;
  }

  taskIds(): string[] {
    return this.graph.nodes();
  }

  *tasks(): IterableIterator<Task> {
    for (const { attributes } of this.graph.nodeEntries()) yield attributes;
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
    const key = this.graph.hasNode(from) && this.graph.hasNode(to) ? this.graph.edge(from, to) : undefined;
    return key === undefined ? undefined : this.graph.getEdgeAttributes(key);
  }

  *dependencies(): IterableIterator<Dependency> {
    for (const { attributes } of this.graph.edgeEntries()) yield attributes;
  }

  incoming(taskId: string): Dependency[] {
    return this.graph.mapInEdges(taskId, (_k, a) => a);
  }

  outgoing(taskId: string): Dependency[] {
    return this.graph.mapOutEdges(taskId, (_k, a) => a);
  }

  /** Number of tasks that depend directly on `taskId`. */
  dependantCount(taskId: string): number {
    return this.graph.outDegree(taskId);
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
    return this.order.position(taskId);
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
    if (this.graph.hasNode(task.id)) throw new ConstellationError('duplicate_id', `task id '${task.id}' is already used`);
    this.graph.addNode(task.id, task);
    this.order.addNode(task.id);
    this.counts[task.status]++;
  }

  /** Removes a task and its edges; returns the removed edges so they can be restored. */
  removeTask(id: string): Dependency[] {
    const task = this.task(id);
    const edges = [...this.incoming(id), ...this.outgoing(id)];
    for (const e of edges) this.predicates.delete(e.id);
    this.graph.dropNode(id);
    this.order.deleteNode(id);
    this.counts[task.status]--;
    return edges;
  }

  /** Adds an edge; throws {@link CycleError} (and changes nothing) if it would close a cycle. */
  addDependency(dep: Dependency): void {
    if (this.graph.hasEdge(dep.id)) throw new ConstellationError('duplicate_id', `dependency id '${dep.id}' is already used`);
    for (const end of [dep.from, dep.to]) {
      if (!this.graph.hasNode(end)) throw new ConstellationError('unknown_task', `no task '${end}'`);
    }
    if (this.graph.hasEdge(dep.from, dep.to)) {
      throw new ConstellationError('duplicate_dependency', `'${dep.to}' already depends on '${dep.from}'`);
    }
    const cycle = this.order.checkAndPrepare(dep.from, dep.to);
    if (cycle) throw new CycleError(cycle);
    this.graph.addDirectedEdgeWithKey(dep.id, dep.from, dep.to, dep);
  }

  removeDependency(id: string): Dependency {
    const dep = this.dependency(id);
    this.graph.dropEdge(id);
    this.predicates.delete(id);
    return dep;
  }

  /**
   * Adds tasks and edges in bulk, checking acyclicity once with a full topological sort
   * instead of per edge. Used to load plans; throws on the first structural problem.
   */
  load(tasks: readonly Task[], deps: readonly Dependency[], sortedIds: () => string[]): void {
    for (const t of tasks) this.addTask(t);
    for (const d of deps) {
      if (this.graph.hasEdge(d.id)) throw new ConstellationError('duplicate_id', `dependency id '${d.id}' is already used`);
      if (this.graph.hasEdge(d.from, d.to)) {
        throw new ConstellationError('duplicate_dependency', `'${d.to}' already depends on '${d.from}'`);
      }
      this.graph.addDirectedEdgeWithKey(d.id, d.from, d.to, d);
    }
    this.order.reset(sortedIds());
  }

  /**
   * Moves a task to a new status. Orchestrator only: edits never change statuses.
   * Keeps the per-status counts behind {@link Constellation.state} exact.
   */
  transition(id: string, status: TaskStatus): Task {
    const task = this.task(id);
    if (task.status !== status) {
      this.counts[task.status]--;
      this.counts[status]++;
      task.status = status;
    }
    return task;
  }
}

export type { StatusCounts };
