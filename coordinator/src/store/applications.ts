/**
 * Applications: a name under which revisions and deployment groups live.
 */

/** One stored application. */
export interface ApplicationRow {
  applicationId: string;
  name: string;
  createdAt: string;
}

/** Reads and writes applications. */
export interface ApplicationRepository {
  /** Creates an application; rejects with CONFLICT when the name is taken. */
  insert(input: { name: string; createdAt: string }): Promise<ApplicationRow>;
  /** The application with this id, if any. */
  get(applicationId: string): Promise<ApplicationRow | undefined>;
  /** The application with this name, if any. */
  getByName(name: string): Promise<ApplicationRow | undefined>;
  /** Every application, by name. */
  list(): Promise<ApplicationRow[]>;
  /**
   * Removes the application and its revisions (the caller refuses while it has groups). Returns
   * the content addresses no revision uses any more, whose bundles may be deleted.
   */
  remove(applicationId: string): Promise<string[]>;
}
