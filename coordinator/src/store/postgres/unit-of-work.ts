/**
 * Units of work on PostgreSQL: each is a transaction on one pooled connection, with savepoints
 * inside. Two transactions that deadlock, or that PostgreSQL cannot serialize, are not errors
 * of the caller's: the one PostgreSQL aborted is rolled back and run again (a few times, after a
 * short random pause), which is why a unit of work keeps its effects in the store or in what it
 * returns (store.ts). That holds inside a savepoint too: a deadlock or serialization failure there
 * is passed on to the work as any error, but it dooms the unit of work, which then runs again
 * whole even when the work caught the error and went on. Rolling back to the savepoint alone
 * would keep the locks taken before it, and the work's caller would treat a retryable collision
 * as its own failure: the hub answered such an agent event with coord.error and committed the
 * burst without it, and the host's last event was lost (event-batch.ts).
 */
import type pg from 'pg';
import type { Repositories, UnitOfWork } from '../store.ts';
import { sqlOf, sqlState, type Sql } from './sql.ts';

/** SQLSTATEs after which the whole transaction may simply run again. */
const LOCKING = /\bFOR\s+(NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b|pg_advisory|nextval|setval|pg_notify/i;

/** A statement that neither writes nor locks: outside a transaction it means the same. */
function isPlainRead(text: string): boolean {
  return /^\s*SELECT\b/i.test(text) && !LOCKING.test(text);
}

const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;

function isRetryable(err: unknown): boolean {
  return RETRYABLE.has(sqlState(err) ?? '');
}

/** Runs units of work on a pool; tracks them so {@link close} waits for them. */
export class PgUnitsOfWork {
  private running = new Set<Promise<unknown>>();
  private ended = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly repositories: (q: Sql) => Repositories,
  ) {}

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.ended;
  }

  /** Runs `work` in a transaction: committed when it resolves, rolled back when it rejects. */
  transaction<T>(work: (tx: UnitOfWork) => Promise<T>): Promise<T> {
    return this.track(
      this.withRetries(() =>
        this.once('BEGIN', async (client) => {
          const unit = this.unitOn(client);
          const result = await work(unit.tx);
          // A savepoint hit a deadlock or serialization failure that the work caught: run it all again.
          if (unit.doomed) throw unit.doomed;
          return result;
        }),
      ),
    );
  }

  /**
   * Runs `work` as a call on the store itself, a unit of work of its own (store.ts): its plain
   * reads run as they come, and a transaction begins before the first statement that writes or
   * locks, so what it changes and locks is whole. Under READ COMMITTED a plain read sees the same
   * inside a transaction or out of it, and most calls are one read: they cost one round trip, not
   * three (BEGIN, the read, COMMIT).
   */
  call<T>(work: (q: Sql) => Promise<T>): Promise<T> {
    return this.track(this.withRetries(() => this.lazily(work)));
  }

  /** Runs `work` over one consistent snapshot, in a read-only transaction. */
  read<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
    return this.track(this.once('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', (client) => work(this.repositories(sqlOf(client)))));
  }

  /** Waits for the units of work running, then closes every connection. */
  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await Promise.allSettled([...this.running]);
    await this.pool.end();
  }

  /** The unit of work on `client`; `doomed` is the retryable error a savepoint met, if any. */
  private unitOn(client: pg.PoolClient): { tx: UnitOfWork; readonly doomed: unknown } {
    let depth = 0;
    let doomed: unknown;
    const savepoint = async <T>(work: () => Promise<T>): Promise<T> => {
      // Nothing done after the collision is kept: the unit of work runs again from its start.
      if (doomed !== undefined) throw doomed;
      const name = `uow_${++depth}`;
      await client.query(`SAVEPOINT ${name}`);
      try {
        const result = await work();
        await client.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (err) {
        if (doomed === undefined && isRetryable(err)) doomed = err;
        await client.query(`ROLLBACK TO SAVEPOINT ${name}`);
        await client.query(`RELEASE SAVEPOINT ${name}`);
        throw err;
      } finally {
        depth -= 1;
      }
    };
    return {
      tx: { ...this.repositories(sqlOf(client)), savepoint },
      get doomed() {
        return doomed;
      },
    };
  }

  private async withRetries<T>(attempt: () => Promise<T>): Promise<T> {
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (err) {
        if (n >= MAX_ATTEMPTS || !isRetryable(err)) throw err;
        // A random pause, so the two transactions that collided do not collide again.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * n));
      }
    }
  }

  private async lazily<T>(work: (q: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const plain = sqlOf(client);
    let begun = false;
    let broken: Error | undefined;
    const begin = async (text: string): Promise<void> => {
      if (begun || isPlainRead(text)) return;
      await client.query('BEGIN');
      begun = true;
    };
    const q: Sql = {
      rows: async (text, params) => (await begin(text), plain.rows(text, params)),
      one: async (text, params) => (await begin(text), plain.one(text, params)),
      run: async (text, params) => (await begin(text), plain.run(text, params)),
    };
    try {
      let result: T;
      try {
        result = await work(q);
      } catch (err) {
        if (begun) {
          await client.query('ROLLBACK').catch((rollbackFailed: unknown) => {
            // The connection itself failed: it is dropped from the pool below, and the caller gets `err`.
            broken = rollbackFailed as Error;
          });
        }
        throw err;
      }
      if (begun) {
        try {
          await client.query('COMMIT');
        } catch (err) {
          broken = err as Error;
          throw err;
        }
      }
      return result;
    } finally {
      client.release(broken);
    }
  }

  private async once<T>(begin: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(begin);
      let result: T;
      try {
        result = await work(client);
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackFailed: unknown) => {
          // The connection itself failed: it is dropped from the pool below, and the caller gets `err`.
          broken = rollbackFailed as Error;
        });
        throw err;
      }
      try {
        await client.query('COMMIT');
      } catch (err) {
        broken = err as Error;
        throw err;
      }
      return result;
    } finally {
      client.release(broken);
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.running.add(p);
    const done = (): void => {
      this.running.delete(p);
    };
    p.then(done, done);
    return p;
  }
}
