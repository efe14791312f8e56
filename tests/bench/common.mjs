// What every bench section shares: the repository root, table rows and small statistics.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const benchDir = join(root, 'target/bench');
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
export const ms = (x) => Math.round(x * 1000) / 1000;
export const row = (label, value, target = '') =>
  console.log(`${label.padEnd(60)} ${String(value).padStart(12)} ${String(target).padStart(10)}`);
export const heading = (text) => console.log(`\n${text}`);
