// Where the harness and the kata are on disk, for the harness's modules in any of its folders: read from
// this file's own place, the harness's root folder, so no module counts '..' from its own.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The harness's root folder (checker/harness): frames inside it are the harness's, not the code under test's. */
export const HARNESS_DIR = path.dirname(fileURLToPath(import.meta.url));

/** The kata's root folder, for paths shown to a learner. */
export const KATA_ROOT = path.resolve(HARNESS_DIR, '..', '..');
