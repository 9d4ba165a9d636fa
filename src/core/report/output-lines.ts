/**
 * A task's output cut into lines for a view (a log, a live display), in bounded memory however it
 * arrives: one 50 MB line without a newline costs `maxLine` characters here, not 50 MB, and each
 * chunk is scanned once. What a view leaves out is still in the task's output file.
 */
export class OutputLines {
  private partial = '';
  private cut = 0;

  constructor(private readonly maxLine = 2_000) {}

  /** Feeds a chunk; returns the lines it completed, each cut to `maxLine` with a note of the rest. */
  push(data: string): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = data.indexOf('\n'); nl >= 0; nl = data.indexOf('\n', start)) {
      this.take(data, start, nl);
      lines.push(this.finish());
      start = nl + 1;
    }
    this.take(data, start, data.length);
    return lines;
  }

  /** The unfinished last line, if any (the task ended without a final newline). */
  flush(): string | undefined {
    return this.partial === '' && this.cut === 0 ? undefined : this.finish();
  }

  private take(data: string, from: number, to: number): void {
    const room = this.maxLine - this.partial.length;
    const n = to - from;
    if (n <= room) this.partial += data.slice(from, to);
    else {
      if (room > 0) this.partial += data.slice(from, from + room);
      this.cut += n - Math.max(0, room);
    }
  }

  private finish(): string {
    const line = this.cut > 0 ? `${this.partial}… (+${this.cut} characters)` : this.partial;
    this.partial = '';
    this.cut = 0;
    return line;
  }
}
