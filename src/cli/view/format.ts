import type { LockView } from './lock-view.js';

/** "4.2 s", "3 min 5 s", "2 h 10 min": short, for a human. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 10_000) return `${(abs / 1000).toFixed(1)} s`;
  const s = Math.round(abs / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** "in 4.2 s" or "4.2 s ago". */
export function formatRelative(atMs: number, nowMs: number): string {
  return atMs >= nowMs ? `in ${formatDuration(atMs - nowMs)}` : `${formatDuration(nowMs - atMs)} ago`;
}

/** An ISO time in UTC, to the second. */
export function formatTime(atMs: number): string {
  return new Date(atMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Who holds a lock, for a human: its `owner` and the first characters of its owner code
 * (`worker-7 (0123abcd)`), the code alone for a holder that writes no owner (Python).
 */
export function formatHolder(view: LockView): string {
  const code = view.holder ?? '?';
  return view.owner === undefined ? code : `${view.owner} (${code})`;
}

/**
 * `data` on one line: JSON-quoted (so a newline or a quote in it cannot break the line or the
 * columns) and cut to `max` characters.
 */
export function formatData(data: string, max = Number.POSITIVE_INFINITY): string {
  const quoted = JSON.stringify(data);
  return quoted.length <= max ? quoted : `${quoted.slice(0, Math.max(1, max - 1))}…`;
}

/** One line describing a lock (or one slot of it), as `status` prints it. */
export function formatLockLine(view: LockView, nowMs: number): string {
  const token = view.fencingToken === undefined ? '' : `, last fencing token ${view.fencingToken}`;
  const name = view.slot === undefined ? view.resourceId : `${view.resourceId} slot ${view.slot}`;
  const data = view.data === undefined ? '' : `; data ${formatData(view.data)}`;
  switch (view.state) {
    case 'free':
      return `${name}: free (no lock item)`;
    case 'released': {
      const by = view.forced ? ' by release --force' : view.owner === undefined ? '' : ` by ${view.owner}`;
      return `${name}: free (released${by}${token})${data}`;
    }
    case 'expired':
      return `${name}: free, expired ${formatRelative(view.expiresAt ?? 0, nowMs)} without release (holder ${formatHolder(view)}${token}); the next acquire takes it over${data}`;
    case 'held':
      return `${name}: held by ${formatHolder(view)} until ${formatTime(view.expiresAt ?? 0)} (${formatDuration((view.expiresAt ?? 0) - nowMs)} left), fencing token ${view.fencingToken ?? '?'}${data}`;
  }
}

/**
 * What `status` prints for a resource on a 'slots' table: how many slots are held, then one
 * line per slot. With `concurrency`, every slot below it is shown, free ones included (a slot
 * never taken has no item); without, only the slots that have an item.
 */
export function formatSlotLines(
  resourceId: string,
  views: readonly LockView[],
  concurrency: number | undefined,
  nowMs: number,
): string[] {
  const shown = slotViews(resourceId, views, concurrency);
  const held = shown.filter((v) => v.state === 'held').length;
  const of =
    concurrency === undefined
      ? `${shown.length} slot${shown.length === 1 ? '' : 's'} with an item`
      : `${concurrency} slot${concurrency === 1 ? '' : 's'}`;
  return [`${resourceId}: ${held} of ${of} held`, ...shown.map((v) => `  ${formatLockLine(v, nowMs)}`)];
}

/** The slots to show: those read, plus (with `concurrency`) a free view of every slot without an item. */
export function slotViews(resourceId: string, views: readonly LockView[], concurrency: number | undefined): LockView[] {
  const bySlot = new Map(views.map((v) => [v.slot ?? 0, v]));
  const slots = new Set([...bySlot.keys(), ...Array.from({ length: concurrency ?? 0 }, (_, i) => i)]);
  return [...slots]
    .sort((a, b) => a - b)
    .map(
      (slot) =>
        bySlot.get(slot) ?? {
          resourceId,
          slot,
          state: 'free',
          owner: undefined,
          data: undefined,
          holder: undefined,
          expiresAt: undefined,
          fencingToken: undefined,
          forced: false,
        },
    );
}

/** A lock as JSON for scripts: times as ISO strings, time left in milliseconds at `nowMs`. */
export function lockToJson(view: LockView, nowMs: number): Record<string, unknown> {
  return {
    resourceId: view.resourceId,
    ...(view.slot === undefined ? {} : { slot: view.slot }),
    state: view.state,
    owner: view.owner ?? null,
    data: view.data ?? null,
    holder: view.holder ?? null,
    expiresAt: view.expiresAt === undefined ? null : new Date(view.expiresAt).toISOString(),
    // Left of the lease by the reader's clock: 0 once expired, null when nobody holds it.
    timeLeftMs:
      view.expiresAt === undefined || (view.state !== 'held' && view.state !== 'expired')
        ? null
        : Math.max(0, view.expiresAt - nowMs),
    fencingToken: view.fencingToken ?? null,
    forcedRelease: view.forced,
  };
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function formatTable(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** How much of `data` a `list` row shows; `status` and `--json` show all of it. */
export const LIST_DATA_CHARS = 40;

/** The rows `list` prints, with a header; a SLOT column when any item is a slot of a 'slots' table. */
export function lockRows(views: readonly LockView[], nowMs: number): string[][] {
  const slots = views.some((v) => v.slot !== undefined);
  const rows = [
    ['RESOURCE', ...(slots ? ['SLOT'] : []), 'STATE', 'OWNER', 'HOLDER', 'EXPIRES', 'LEFT', 'TOKEN', 'DATA'],
  ];
  for (const v of views) {
    const running = v.expiresAt !== undefined && (v.state === 'held' || v.state === 'expired');
    rows.push([
      v.resourceId,
      ...(slots ? [v.slot === undefined ? '-' : String(v.slot)] : []),
      v.forced && v.state === 'released' ? 'released (forced)' : v.state,
      v.owner ?? '-',
      v.holder ?? '-',
      v.expiresAt === undefined ? '-' : formatTime(v.expiresAt),
      running ? (v.state === 'held' ? formatDuration((v.expiresAt ?? 0) - nowMs) : '0 s') : '-',
      v.fencingToken === undefined ? '-' : String(v.fencingToken),
      v.data === undefined ? '-' : formatData(v.data, LIST_DATA_CHARS),
    ]);
  }
  return rows;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** What the waiting line knows about the holder. */
export interface WaitInfo {
  readonly resourceId: string;
  readonly waitedMs: number;
  readonly attempts: number;
  /** From a read (or the server's answer to a refused write); undefined when not known yet. */
  readonly view: LockView | undefined;
}

/** The live line `run` shows while it waits on a terminal. */
export function formatWaitLine(frame: number, info: WaitInfo, nowMs: number): string {
  const spin = SPINNER[frame % SPINNER.length];
  return `${spin} ${formatWaitStatus(info, nowMs)}`;
}

/** The waiting status without a spinner (also the --verbose line). */
export function formatWaitStatus(info: WaitInfo, nowMs: number): string {
  const v = info.view;
  let holder = '';
  if (v?.state === 'held' && v.expiresAt !== undefined) {
    const token = `token ${v.fencingToken ?? '?'}`;
    const who = v.owner === undefined ? `${v.holder ?? '?'} (${token})` : `${v.owner} (${v.holder ?? '?'}, ${token})`;
    holder = `: held by ${who} until ${formatTime(v.expiresAt)} (${formatRelative(v.expiresAt, nowMs)})`;
  } else if (v?.state === 'expired' && v.expiresAt !== undefined) {
    holder = `: the holder's lease expired ${formatRelative(v.expiresAt, nowMs)}; taking it over after the clock-skew allowance`;
  }
  return `waiting for \`${info.resourceId}\`${holder} · waited ${formatDuration(info.waitedMs)}, ${info.attempts} attempt${info.attempts === 1 ? '' : 's'}`;
}
