/**
 * The gate against real changesets: each test writes a small workspace with pending changeset files and
 * reads them with @changesets/get-release-plan, as `pnpm version-packages` would.
 */
import { describe, expect, it } from 'vitest';
import type { ChangeClass, SpecChange } from '../src/change.js';
import { evaluateGate, formatReport, readReleasePlan } from '../src/gate.js';
import { specFollowers } from '../src/repo.js';
import { allFollowers, changeset, FOLLOWERS, workspacesRemovedAfterEach } from './workspace.js';

const newWorkspace = workspacesRemovedAfterEach();
const workspace = (changesets: Record<string, string> = {}) => newWorkspace({ changesets });

function change(cls: ChangeClass, reason = `a ${cls} change`): SpecChange {
  return { pointer: '/components/schemas/X', class: cls, rule: 'fixture', reason, operations: [] };
}

async function gate(root: string, changes: SpecChange[]) {
  const { followers } = await specFollowers(root);
  return evaluateGate(changes, await readReleasePlan(root), followers);
}

describe('the changesets gate', () => {
  it('holds the spec and the public packages depending on it to the spec, not the private ones', async () => {
    const { followers } = await specFollowers(workspace());
    expect(followers.map((f) => f.name)).toEqual(FOLLOWERS);
  });

  it('never versions a private package, even one that depends on the spec (privatePackages)', async () => {
    const plan = await readReleasePlan(workspace({ spec: changeset({ '@klingkit/spec': 'minor' }) }));
    const versioned = plan.releases.filter((r) => r.type !== 'none' && r.newVersion !== r.oldVersion);
    expect(versioned.map((r) => r.name).sort()).toEqual([...FOLLOWERS].sort());
  });

  it('passes an unchanged spec with no changesets', async () => {
    const result = await gate(workspace(), []);
    expect(result.ok).toBe(true);
    expect(result.required).toBe('none');
  });

  it('fails a breaking change when only the spec gets major: its dependents get the automatic patch', async () => {
    const root = workspace({ 'spec-only': changeset({ '@klingkit/spec': 'major' }) });
    const result = await gate(root, [
      change('breaking', "request enum aspect_ratio lost '2:3': requests that send it now fail"),
    ]);
    expect(result.ok).toBe(false);
    expect(result.required).toBe('major');
    expect(result.packages.map((p) => [p.name, p.bump, p.enough])).toEqual([
      ['@klingkit/spec', 'major', true],
      ['@klingkit/client', 'patch', false],
      ['@klingkit/mock-server', 'patch', false],
    ]);
    const report = formatReport(
      [change('breaking', "request enum aspect_ratio lost '2:3': requests that send it now fail")],
      result,
      {
        path: 'spec/baseline/openapi.json',
        version: '0.1.0',
      },
    );
    expect(report).toContain("request enum aspect_ratio lost '2:3': requests that send it now fail");
    expect(report).toContain('FAILED: @klingkit/client gets patch, @klingkit/mock-server gets patch');
    expect(report).toContain('Below 1.0 a breaking change still needs "major"');
    expect(report).toContain(
      '---\n"@klingkit/spec": major\n"@klingkit/client": major\n"@klingkit/mock-server": major\n---',
    );
    expect(report).toContain('pnpm changeset');
  });

  it('passes a breaking change when all three get major; below 1.0 that releases 1.0.0', async () => {
    const root = workspace({ breaking: changeset(allFollowers('major')) });
    const result = await gate(root, [change('breaking')]);
    expect(result.ok).toBe(true);
    expect(result.packages.map((p) => [p.name, p.newVersion, p.changesets])).toEqual([
      ['@klingkit/spec', '1.0.0', ['breaking']],
      ['@klingkit/client', '1.0.0', ['breaking']],
      ['@klingkit/mock-server', '1.0.0', ['breaking']],
    ]);
  });

  it('does not take minor for a breaking change below 1.0', async () => {
    const result = await gate(workspace({ minor: changeset(allFollowers('minor')) }), [change('breaking')]);
    expect(result.ok).toBe(false);
    expect(result.packages.every((p) => p.bump === 'minor' && !p.enough)).toBe(true);
  });

  it('wants minor for an additive change: minor passes, patch fails', async () => {
    expect((await gate(workspace({ a: changeset(allFollowers('minor')) }), [change('additive')])).ok).toBe(
      true,
    );
    const short = await gate(workspace({ a: changeset(allFollowers('patch')) }), [
      change('additive'),
      change('docs-only'),
    ]);
    expect(short.ok).toBe(false);
    expect(short.required).toBe('minor');
  });

  it('wants patch for a docs-only change: none fails, patch passes; bumps of several changesets add up', async () => {
    expect((await gate(workspace(), [change('docs-only')])).ok).toBe(false);
    const split = workspace({
      one: changeset({ '@klingkit/spec': 'patch' }),
      two: changeset({ '@klingkit/client': 'patch', '@klingkit/mock-server': 'patch' }),
    });
    expect((await gate(split, [change('docs-only')])).ok).toBe(true);
  });
});
