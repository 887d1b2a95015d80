// The klingkit mock over HTTP, with the concurrency limit raised so creates succeed, and one task to query.
import { createMockServer } from '@klingkit/mock-server';
import { SignJWT } from 'jose';

const mock = createMockServer({ limits: { concurrency: 1_000_000_000 } });
const url = await mock.listen({ port: 0 });
const now = Math.floor(Date.now() / 1000);
const token = await new SignJWT({ iss: 'demo-access-key', exp: now + 3600, nbf: now - 5 })
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .sign(new TextEncoder().encode('demo-secret-key'));
const created = await fetch(`${url}/v1/images/generations`, {
  method: 'POST',
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  body: JSON.stringify({ prompt: 'benchmark' }),
}).then((response) => response.json());
process.send?.({ url, token, taskId: created.data.task_id });
