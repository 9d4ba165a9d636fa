/** Something that holds a resource (a subscription, a timer, a process) until disposed. */
export interface Disposable {
  dispose(): void;
}

/**
 * Disposables released together, newest first, once. One that throws does not keep the others
 * from being released; the first error is rethrown after all of them have run. Adding to a
 * store that is already disposed disposes the newcomer at once, so nothing outlives its scope.
 */
export class DisposableStore implements Disposable {
  private readonly items: Disposable[] = [];
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  add<T extends Disposable>(item: T): T {
    if (this.disposed) item.dispose();
    else this.items.push(item);
    return item;
  }

  /** Registers a function to call on dispose. */
  defer(fn: () => void): void {
    this.add({ dispose: fn });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    let first: Error | undefined;
    for (const item of this.items.splice(0).reverse()) {
      try {
        item.dispose();
      } catch (err) {
        first ??= err instanceof Error ? err : new Error(`a disposable threw: ${JSON.stringify(err)}`);
      }
    }
    if (first !== undefined) throw first;
  }
}

/** A base for classes that own disposables: `this.register(x)` ties `x` to the instance's life. */
export abstract class DisposableBase implements Disposable {
  protected readonly store = new DisposableStore();

  protected register<T extends Disposable>(item: T): T {
    return this.store.add(item);
  }

  get isDisposed(): boolean {
    return this.store.isDisposed;
  }

  dispose(): void {
    this.store.dispose();
  }
}
