// Counts how many operations are running at once and remembers the peak: deterministic evidence
// of concurrency (or of a limit) that does not depend on how fast the machine is.
export class InFlightCounter {
  current = 0;
  peak = 0;
  total = 0;

  enter(): void {
    this.current++;
    this.total++;
    this.peak = Math.max(this.peak, this.current);
  }

  exit(): void {
    this.current--;
  }

  async track<T>(operation: () => Promise<T>): Promise<T> {
    this.enter();
    try {
      return await operation();
    } finally {
      this.exit();
    }
  }
}
