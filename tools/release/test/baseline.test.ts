/** The baseline moves only as a release step: these are the ways it refuses to move otherwise. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { refreshBaseline } from '../src/baseline.js';
import { type FixtureSpec, propertyOf, specAt } from './fixture-spec.js';
import { allFollowers, changeset, workspacesRemovedAfterEach } from './workspace.js';

const workspace = workspacesRemovedAfterEach();

/** The bundle of a later release, which accepts one more aspect ratio. */
const wider = (spec: FixtureSpec) => {
  propertyOf(spec, 'CreateThing', 'aspect_ratio').enum = ['16:9', '1:1', '2:3', '4:5'];
};

const read = (root: string, file: string) => readFileSync(join(root, file), 'utf8');

describe('refreshing the spec baseline', () => {
  it('after a version step, makes the baseline the new bundle byte for byte', async () => {
    const root = workspace({
      specVersion: '0.2.0',
      files: {
        'spec/baseline/openapi.json': specAt('0.1.0'),
        'spec/dist/openapi.json': specAt('0.2.0', wider),
      },
    });
    await expect(refreshBaseline(root)).resolves.toEqual({ changed: true, version: '0.2.0' });
    expect(read(root, 'spec/baseline/openapi.json')).toBe(read(root, 'spec/dist/openapi.json'));
    await expect(refreshBaseline(root)).resolves.toEqual({ changed: false, version: '0.2.0' });
  });

  it('refuses while changesets are pending: they have not been released yet', async () => {
    const root = workspace({
      specVersion: '0.2.0',
      changesets: { wider: changeset(allFollowers('minor')) },
      files: {
        'spec/baseline/openapi.json': specAt('0.1.0'),
        'spec/dist/openapi.json': specAt('0.2.0', wider),
      },
    });
    await expect(refreshBaseline(root)).rejects.toThrow(
      /1 changeset\(s\) are still pending \(\.changeset\/wider\.md\)\. The baseline moves only when they are applied/,
    );
    expect(read(root, 'spec/baseline/openapi.json')).toContain('"version": "0.1.0"');
  });

  it('refuses a changed spec under the same version: that would hide a change no changeset announced', async () => {
    const root = workspace({
      files: {
        'spec/baseline/openapi.json': specAt('0.1.0'),
        'spec/dist/openapi.json': specAt('0.1.0', wider),
      },
    });
    await expect(refreshBaseline(root)).rejects.toThrow(
      'the spec changed but @klingkit/spec is still 0.1.0: a spec change needs a changeset',
    );
    expect(read(root, 'spec/baseline/openapi.json')).not.toContain('4:5');
  });

  it('refuses a bundle built before the version moved (its info.version is the old one)', async () => {
    const root = workspace({
      specVersion: '0.2.0',
      files: {
        'spec/baseline/openapi.json': specAt('0.1.0'),
        'spec/dist/openapi.json': specAt('0.1.0', wider),
      },
    });
    await expect(refreshBaseline(root)).rejects.toThrow(
      'spec/dist/openapi.json says info.version 0.1.0 but @klingkit/spec is 0.2.0: bundle again',
    );
  });
});
