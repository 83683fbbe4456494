// Types for the TypeScript tests that share the bench's definitions (test/integration/waiting-contract-processes.test.ts).
export function quantile(values: readonly number[], q: number): number;
export function jain(counts: readonly number[]): number;
export function nowMs(): number;
export function round(x: number, digits?: number): number;
