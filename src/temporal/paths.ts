import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The folder holding package.json, whether this runs from src/ (tsx, jest) or from a dist/ build. */
function findProjectRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  return resolve(from, '../..');
}

/**
 * Project-local folders. Both are git-ignored: `.tools` holds installed binaries, `.data` holds
 * state that must survive restarts (the dev server's SQLite file, the local codec key).
 */
export const PROJECT_ROOT = findProjectRoot(__dirname);
export const TOOLS_DIR = join(PROJECT_ROOT, '.tools');
export const DATA_DIR = join(PROJECT_ROOT, '.data');
