// The @a2a-js/sdk reference server (DefaultRequestHandler + InMemoryTaskStore + the Express JSON-RPC handler)
// with an echo agent that does what the workspace's echo agent does for one word: task submitted → working →
// one artifact "Echo: <text>" → completed.
//   PORT=18601 node js-server.mjs
import express from 'express';
import { AGENT_CARD_PATH, Role, TaskState } from '@a2a-js/sdk';
import { DefaultRequestHandler, InMemoryTaskStore } from '@a2a-js/sdk/server';
import { jsonRpcHandler, agentCardHandler, UserBuilder } from '@a2a-js/sdk/server/express';

const port = Number(process.env.PORT ?? 18601);
const url = `http://127.0.0.1:${port}/`;
const card = {
  name: 'echo-reference',
  description: 'Echo agent on the @a2a-js/sdk reference server',
  version: '1.0.0',
  supportedInterfaces: [{ url, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
  capabilities: { streaming: true, pushNotifications: false },
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  skills: [{ id: 'echo', name: 'Echo', description: 'Repeats the message back.', tags: ['echo'] }],
};

const text = parts => (parts ?? []).filter(p => p.content?.$case === 'text').map(p => p.content.value).join('');
const now = () => new Date();

class EchoExecutor {
  async execute(context, bus) {
    const { taskId, contextId, userMessage } = context;
    bus.publish({ kind: 'task', data: { id: taskId, contextId, status: { state: TaskState.TASK_STATE_SUBMITTED, timestamp: now() }, history: [userMessage], artifacts: [] } });
    bus.publish({ kind: 'statusUpdate', data: { taskId, contextId, status: { state: TaskState.TASK_STATE_WORKING, timestamp: now() } } });
    bus.publish({ kind: 'artifactUpdate', data: { taskId, contextId, artifact: { artifactId: crypto.randomUUID(), name: 'response', parts: [{ content: { $case: 'text', value: `Echo: ${text(userMessage.parts)}` } }] }, append: false, lastChunk: true } });
    bus.publish({ kind: 'statusUpdate', data: { taskId, contextId, status: { state: TaskState.TASK_STATE_COMPLETED, timestamp: now() } } });
    bus.finished();
  }

  async cancelTask(taskId, bus) {
    bus.finished();
  }
}

const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), new EchoExecutor());
const app = express();
app.use(`/${AGENT_CARD_PATH}`, agentCardHandler({ agentCardProvider: handler }));
app.use('/', jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));
app.listen(port, '127.0.0.1', () => console.log(`reference A2A server on ${url}`));
void Role;
