// `Progress: [#####>------] 2/5 exercises, 9/40 points`
export function progressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? 0 : Math.round((done / total) * width);
  const head = filled < width && filled > 0 ? '>' : '';
  const body = '#'.repeat(Math.max(0, filled - head.length)) + head;
  return `[${body.padEnd(width, '-')}] ${done}/${total}`;
}
