/**
 * The last lines of hook output per deployment, kept in memory for live viewing. Best effort:
 * never persisted, bounded in lines per deployment and in deployments remembered.
 */

/** One buffered output line. */
export interface BufferedLine {
  instanceId: string;
  lifecycleEvent: string;
  at: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Bounded per-deployment ring buffers; the least recently written deployment is dropped first. */
export class LogBuffer {
  private readonly byDeployment = new Map<string, BufferedLine[]>();

  /**
   * @param maxLinesPerDeployment @default 500
   * @param maxDeployments @default 50
   */
  constructor(
    private readonly maxLinesPerDeployment = 500,
    private readonly maxDeployments = 50,
  ) {}

  /** Appends lines to the deployment's buffer, dropping the oldest beyond the limits. */
  append(deploymentId: string, lines: readonly BufferedLine[]): void {
    const buf = this.byDeployment.get(deploymentId) ?? [];
    // Re-inserting moves the deployment to the end of the Map's insertion order (most recent).
    this.byDeployment.delete(deploymentId);
    buf.push(...lines);
    if (buf.length > this.maxLinesPerDeployment) buf.splice(0, buf.length - this.maxLinesPerDeployment);
    this.byDeployment.set(deploymentId, buf);
    for (const key of this.byDeployment.keys()) {
      if (this.byDeployment.size <= this.maxDeployments) break;
      this.byDeployment.delete(key);
    }
  }

  /** The buffered lines of a deployment, oldest first. */
  lines(deploymentId: string): readonly BufferedLine[] {
    return this.byDeployment.get(deploymentId) ?? [];
  }
}
