// Interop suite: the @a2a-js/sdk client against a running Molecule workspace.
//   node interop.mjs http://127.0.0.1:8000
// Prints one line per check and "N passed, M failed"; exits 1 when anything failed.
import { ClientFactory, DefaultAgentCardResolver, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import { Role, TaskState } from '@a2a-js/sdk';

const baseUrl = process.argv[2] ?? process.env.WORKSPACE_URL;
if (!baseUrl) {
  console.error('usage: node interop.mjs <workspace base URL>');
  process.exit(2);
}

const TERMINAL = new Set([TaskState.TASK_STATE_COMPLETED, TaskState.TASK_STATE_FAILED, TaskState.TASK_STATE_CANCELED, TaskState.TASK_STATE_REJECTED]);
const results = [];

async function check(name, body) {
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 20 s')), 20_000).unref());
  try {
    await Promise.race([body(), timeout]);
    results.push(true);
    console.log(`ok - ${name}`);
  } catch (error) {
    results.push(false);
    console.log(`not ok - ${name}: ${error?.constructor?.name ?? 'Error'}: ${error?.message ?? error}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

const message = (text, extra = {}) => ({
  message: { messageId: crypto.randomUUID(), role: Role.ROLE_USER, parts: [{ content: { $case: 'text', value: text } }], ...extra },
});
const textOf = parts => (parts ?? []).filter(p => p.content?.$case === 'text').map(p => p.content.value).join('');
const stateName = state => TaskState[state] ?? String(state);

async function untilTerminal(client, id) {
  for (let i = 0; i < 100; i++) {
    const task = await client.getTask({ id });
    if (TERMINAL.has(task.status.state)) return task;
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`task ${id} never reached a terminal state`);
}

// The SDK maps JSON-RPC error codes to classes (JsonRpcTaskNotFoundError for -32001, …).
async function expectError(call, kind) {
  try {
    await call();
  } catch (error) {
    const name = error?.constructor?.name ?? '';
    assert(name.endsWith(`${kind}Error`), `expected ${kind}, got ${name}: ${error?.message}`);
    return;
  }
  throw new Error(`expected ${kind}, the call succeeded`);
}

// A streaming method's error before the first event arrives as an SSE error event; the SDK reports its code.
async function expectStreamError(stream, code) {
  try {
    for await (const _ of stream()) { /* no events expected */ }
  } catch (error) {
    assert(String(error?.message).includes(`(Code: ${code})`), `expected code ${code}, got ${error?.message}`);
    return;
  }
  throw new Error(`expected an error event with code ${code}, the stream ended cleanly`);
}

const resolver = new DefaultAgentCardResolver();
const card = await resolver.resolve(baseUrl);
const client = await new ClientFactory().createFromUrl(baseUrl);

await check('card discovery: a JSONRPC 1.0 interface and streaming', async () => {
  assert(card.name, 'card has no name');
  const v1 = card.supportedInterfaces.find(i => i.protocolBinding === 'JSONRPC' && i.protocolVersion === '1.0');
  assert(v1, `no JSONRPC 1.0 interface in ${JSON.stringify(card.supportedInterfaces)}`);
  assert(card.capabilities?.streaming === true, 'streaming not advertised');
  assert(card.skills?.length > 0, 'no skills');
});

let completedId;
await check('SendMessage (blocking) completes with the echo', async () => {
  const result = await client.sendMessage(message('hello from a2a-js'));
  assert(result.status?.state === TaskState.TASK_STATE_COMPLETED, `state ${stateName(result.status?.state)}`);
  assert(textOf(result.artifacts?.[0]?.parts) === 'Echo: hello from a2a-js', `artifact ${JSON.stringify(result.artifacts)}`);
  completedId = result.id;
});

await check('SendMessage (returnImmediately) returns a live task that later completes', async () => {
  const result = await client.sendMessage({ ...message('work 1s'), configuration: { returnImmediately: true } });
  assert(!TERMINAL.has(result.status.state), `already ${stateName(result.status.state)}`);
  const done = await untilTerminal(client, result.id);
  assert(done.status.state === TaskState.TASK_STATE_COMPLETED, `ended ${stateName(done.status.state)}`);
});

await check('SendStreamingMessage streams to a terminal COMPLETED in order', async () => {
  const events = [];
  for await (const event of client.sendMessageStream(message('one two three'))) events.push(event);
  assert(events.length >= 2, `only ${events.length} events`);
  const first = events[0].payload;
  assert(first?.$case === 'task', `first event is ${first?.$case}`);
  const last = events.at(-1).payload;
  assert(last?.$case === 'statusUpdate' && last.value.status.state === TaskState.TASK_STATE_COMPLETED, `last event ${JSON.stringify(last)}`);
  const streamed = events.filter(e => e.payload?.$case === 'artifactUpdate').map(e => textOf(e.payload.value.artifact.parts)).join('');
  assert(streamed.includes('three'), `streamed text "${streamed}"`);
});

await check('GetTask honours historyLength', async () => {
  const task = await client.getTask({ id: completedId, historyLength: 1 });
  assert(task.id === completedId, 'wrong task');
  assert((task.history?.length ?? 0) <= 1, `history length ${task.history?.length}`);
});

let canceledId;
await check('CancelTask ends a running task CANCELED', async () => {
  const running = await client.sendMessage({ ...message('work 30s'), configuration: { returnImmediately: true } });
  const canceled = await client.cancelTask({ id: running.id });
  assert(canceled.status.state === TaskState.TASK_STATE_CANCELED, `state ${stateName(canceled.status.state)}`);
  const again = await client.getTask({ id: running.id });
  assert(again.status.state === TaskState.TASK_STATE_CANCELED, `then ${stateName(again.status.state)}`);
  canceledId = running.id;
});

await check('SubscribeToTask follows a running task to its end', async () => {
  const running = await client.sendMessage({ ...message('work 1s'), configuration: { returnImmediately: true } });
  const events = [];
  for await (const event of client.resubscribeTask({ id: running.id })) events.push(event);
  assert(events[0]?.payload?.$case === 'task', `first event is ${events[0]?.payload?.$case}`);
  const last = events.at(-1).payload;
  assert(last?.$case === 'statusUpdate' && last.value.status.state === TaskState.TASK_STATE_COMPLETED, `last ${JSON.stringify(last)}`);
});

await check('ListTasks returns the tasks of this client', async () => {
  const list = await client.listTasks({ pageSize: 100 });
  const ids = new Set(list.tasks.map(t => t.id));
  assert(ids.has(completedId) && ids.has(canceledId), `ids ${[...ids].join(',')}`);
});

await check('errors: unknown task is TaskNotFound', () => expectError(() => client.getTask({ id: crypto.randomUUID() }), 'TaskNotFound'));
await check('errors: cancelling a finished task is TaskNotCancelable', () => expectError(() => client.cancelTask({ id: completedId }), 'TaskNotCancelable'));
await check('errors: cancelling a canceled task is TaskNotCancelable', () => expectError(() => client.cancelTask({ id: canceledId }), 'TaskNotCancelable'));
await check('errors: resubscribing to an unknown task is an SSE error event TaskNotFound (-32001)',
  () => expectStreamError(() => client.resubscribeTask({ id: crypto.randomUUID() }), -32001));
await check('errors: resubscribing to a finished task is an SSE error event UnsupportedOperation (-32004)',
  () => expectStreamError(() => client.resubscribeTask({ id: completedId }), -32004));
await check('errors: a message without a role is InvalidParams', () => expectError(
  () => client.sendMessage({ message: { messageId: crypto.randomUUID(), parts: [{ content: { $case: 'text', value: 'no role' } }] } }), 'RequestMalformed'));
// The card says pushNotifications:false, and the SDK honours it before calling (the server's own answer,
// PushNotificationNotSupported, is covered by the .NET tests).
await check('errors: push notification config is PushNotificationNotSupported', () => expectError(
  () => client.createTaskPushNotificationConfig({ taskId: completedId, id: 'cfg', pushNotificationConfig: { url: 'https://example.invalid/hook' } }),
  'PushNotificationNotSupported'));
await check('errors: an empty task id is InvalidParams (-32602)', () => expectError(() => client.getTask({ id: '' }), 'RequestMalformed'));

// The same server through the SDK's v0.3 compatibility layer (message/send, message/stream, tasks/*).
const legacyCard = { ...card, supportedInterfaces: card.supportedInterfaces.filter(i => i.protocolVersion === '0.3') };
const legacy = await new ClientFactory({ transports: [new JsonRpcTransportFactory({ legacyCompat: { enabled: true } })] })
  .createFromAgentCard(legacyCard);

await check('v0.3: message/send completes with the echo', async () => {
  assert(legacyCard.supportedInterfaces.length === 1, 'no 0.3 interface on the card');
  const result = await legacy.sendMessage(message('hello over 0.3'));
  const parts = result.artifacts?.[0]?.parts ?? result.parts;
  assert(textOf(parts) === 'Echo: hello over 0.3', `result ${JSON.stringify(result).slice(0, 300)}`);
});

await check('v0.3: message/stream ends COMPLETED', async () => {
  const events = [];
  for await (const event of legacy.sendMessageStream(message('legacy stream'))) events.push(event);
  const last = events.at(-1)?.payload;
  assert(last?.$case === 'statusUpdate' && last.value.status.state === TaskState.TASK_STATE_COMPLETED, `last ${JSON.stringify(last)}`);
});

await check('v0.3: tasks/resubscribe to an unknown task is an SSE error event TaskNotFound (-32001)',
  () => expectStreamError(() => legacy.resubscribeTask({ id: crypto.randomUUID() }), -32001));

await check('v0.3: tasks/get and tasks/cancel', async () => {
  const running = await legacy.sendMessage({ ...message('work 30s'), configuration: { returnImmediately: true } });
  const id = running.id;
  assert(id, `no task id in ${JSON.stringify(running).slice(0, 200)}`);
  const canceled = await legacy.cancelTask({ id });
  assert(canceled.status.state === TaskState.TASK_STATE_CANCELED, `state ${stateName(canceled.status.state)}`);
  await expectError(() => legacy.cancelTask({ id }), 'TaskNotCancelable');
  await expectError(() => legacy.getTask({ id: crypto.randomUUID() }), 'TaskNotFound');
});

const passed = results.filter(Boolean).length;
const failed = results.length - passed;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
