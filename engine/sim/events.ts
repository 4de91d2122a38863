/**
 * A typed event map, so that writers and progress bars observe the slot
 * loop without touching it.
 *
 * @module
 */

/** A minimal typed emitter; listeners run synchronously in subscription order. */
export class Emitter<Events extends { [K in keyof Events]: unknown }> {
  readonly #listeners: { [K in keyof Events]?: ((e: Events[K]) => void)[] } = {};

  /** Subscribes; returns a function that unsubscribes. */
  on<K extends keyof Events>(name: K, fn: (e: Events[K]) => void): () => void {
    const list = (this.#listeners[name] ??= []);
    list.push(fn);
    return () => list.splice(list.indexOf(fn), 1);
  }

  /** Whether anyone listens to `name` (lets the loop skip building an event). */
  has<K extends keyof Events>(name: K): boolean {
    return (this.#listeners[name]?.length ?? 0) > 0;
  }

  emit<K extends keyof Events>(name: K, event: Events[K]): void {
    const list = this.#listeners[name];
    if (list) { for (const fn of list) fn(event); }
  }
}
