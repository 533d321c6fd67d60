/** Durations in tenant files: `90s`, `15m`, `1h`, `3d` (also `500ms`). */
export const DURATION_PATTERN = /^(\d+)\s*(ms|s|m|h|d)$/;

export function durationMs(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
