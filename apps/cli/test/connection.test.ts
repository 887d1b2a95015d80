import { describe, expect, it } from 'vitest';
import { connect } from '../src/connection.js';

// Creating a connection sends nothing, so these hosts are never contacted.
describe('connect', () => {
  it('warns when a real account would send its token over plain http to another machine', async () => {
    const remote = connect({ KLING_API_KEY: 'key', KLING_BASE_URL: 'http://10.1.2.3:8080' });
    expect(remote.description).toContain('Warning: plain http to another machine');
    for (const local of [
      'http://127.0.0.1:4010',
      'http://localhost:4010',
      'http://[::1]:4010',
      'https://10.1.2.3',
    ]) {
      const connection = connect({ KLING_API_KEY: 'key', KLING_BASE_URL: local });
      expect(connection.description, local).not.toContain('Warning');
      await connection.close();
    }
    await remote.close();
  });
});
