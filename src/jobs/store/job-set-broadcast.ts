// The subscriber side every JobStore shares: who listens to the running job set and to refused
// loads, the last refusal, and delivering both to listeners without letting one listener's
// bug stop the others (or undo a refusal).

import type { Job } from '../types.ts';
import type { JobsListener, RejectionListener, StoreRejection } from './job-store.ts';

export class JobSetBroadcast {
  private readonly listeners = new Set<JobsListener>();
  private readonly rejectionListeners = new Set<RejectionListener>();
  /** The running set, sorted by id; what subscribers get. */
  current: readonly Job[] = Object.freeze([]);
  /** The last refused load, until an accepted one replaces it. */
  rejection: StoreRejection | null = null;
  /** Subscribers are called at once only after the store has loaded. */
  started = false;
  /** `rejection.job_ids` as a set, built once per rejection (a list answer asks once per job). */
  private held: { of: StoreRejection; ids: ReadonlySet<number> } | null = null;

  subscribe(listener: JobsListener): () => void {
    this.listeners.add(listener);
    if (this.started) listener(this.current);
    return () => this.listeners.delete(listener);
  }

  onRejected(listener: RejectionListener): () => void {
    this.rejectionListeners.add(listener);
    return () => this.rejectionListeners.delete(listener);
  }

  /** Replaces the running set (sorted by id) and tells every subscriber. */
  publish(jobs: Iterable<Job>): void {
    this.current = Object.freeze([...jobs].sort((a, b) => a.id - b.id));
    for (const listener of this.listeners) {
      try {
        listener(this.current);
      } catch {
        // one subscriber's bug must not stop the others from seeing the change
      }
    }
  }

  /** `rejection` if it keeps job `id` on its last good version, else null. */
  rejectionOf(id: number): StoreRejection | null {
    const rejection = this.rejection;
    if (rejection === null) return null;
    if (this.held?.of !== rejection) this.held = { of: rejection, ids: new Set(rejection.job_ids) };
    return this.held.ids.has(id) ? rejection : null;
  }

  /** Records a refused load and tells every rejection listener; the running set is unchanged. */
  reject(rejection: StoreRejection): StoreRejection {
    this.rejection = rejection;
    return this.notify(rejection);
  }

  /** Tells every rejection listener without recording it (a stray record: it holds back no job). */
  notify(rejection: StoreRejection): StoreRejection {
    for (const listener of this.rejectionListeners) {
      try {
        listener(rejection);
      } catch {
        // a failing observer must not undo the refusal
      }
    }
    return rejection;
  }

  clear(): void {
    this.listeners.clear();
    this.rejectionListeners.clear();
  }
}
