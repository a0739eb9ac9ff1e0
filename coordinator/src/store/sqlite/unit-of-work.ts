/**
 * Units of work on the one SQLite connection. Every statement runs synchronously, but a unit of
 * work is an async function: between two of its awaits other code may run, and on one
 * connection its statements would join that unit's open transaction (or read what it has not
 * committed). So units of work take turns: a mutex serialises them, each transaction is
 * BEGIN IMMEDIATE .. COMMIT (ROLLBACK on a throw), and savepoints nest inside. A store call
 * made outside any unit of work takes its turn too, and runs at once when nothing else holds
 * the connection.
 *
 * better-sqlite3's own db.transaction() cannot be used: its function must not return a promise.
 */
import type { SqliteStatement } from '../../../../common/src/sqlite.ts';
import type { Db } from './db.ts';
import { prepared } from './statements.ts';

/** A first-come, first-served lock. */
export class Mutex {
  private held = false;
  private readonly waiting: (() => void)[] = [];

  /** True while someone holds the lock. */
  get locked(): boolean {
    return this.held;
  }

  /** Resolves once the caller holds the lock. */
  lock(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Hands the lock to the next waiter, or frees it. */
  unlock(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }
}

/** `work()` as a promise: a throw becomes a rejection. */
export function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

/** Runs units of work on one connection, one at a time. */
export class SqliteUnitsOfWork {
  private readonly mutex = new Mutex();
  private depth = 0;

  constructor(private readonly db: Db) {}

  /** Runs a synchronous store call in its own turn (at once when the connection is free). */
  call<T>(work: () => T): Promise<T> {
    if (!this.mutex.locked) return settle(work);
    return this.turn(async () => work());
  }

  /** Runs `work` in a transaction of its own: committed when it resolves, rolled back when it rejects. */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.turn(async () => {
      this.statement('BEGIN IMMEDIATE').run();
      let result: T;
      try {
        result = await work();
      } catch (err) {
        // A failed COMMIT or a constraint error may already have ended the transaction.
        if (this.db.inTransaction) this.statement('ROLLBACK').run();
        throw err;
      }
      this.statement('COMMIT').run();
      return result;
    });
  }

  /** Runs `work` in its own turn without a transaction (reads: nothing else runs meanwhile). */
  read<T>(work: () => Promise<T>): Promise<T> {
    return this.turn(work);
  }

  /** Runs `work` inside the open transaction so that a throw undoes only what it did. */
  async savepoint<T>(work: () => Promise<T>): Promise<T> {
    const name = `uow_${++this.depth}`;
    this.statement(`SAVEPOINT ${name}`).run();
    try {
      const result = await work();
      this.statement(`RELEASE ${name}`).run();
      return result;
    } catch (err) {
      this.statement(`ROLLBACK TO ${name}`).run();
      this.statement(`RELEASE ${name}`).run();
      throw err;
    } finally {
      this.depth -= 1;
    }
  }

  /** Resolves once no unit of work holds the connection any more. */
  async idle(): Promise<void> {
    await this.turn(async () => undefined);
  }

  private async turn<T>(work: () => Promise<T>): Promise<T> {
    await this.mutex.lock();
    try {
      return await work();
    } finally {
      this.mutex.unlock();
    }
  }

  private statement(sql: string): SqliteStatement {
    return prepared(this.db, sql);
  }
}
