// The emulator canvas: workspaces as live cards, fed by GET /workspaces and the /ws event stream.
// Plain ES module, no build step. Every value from the server is rendered with textContent, never as HTML.

import { createTeam } from './team.js';

const TOKEN_KEY = 'molecule.adminToken';
const MAX_EVENTS = 200;

const $ = id => document.getElementById(id);

// A signed-in link (the Aspire dashboard's "Canvas (signed in)"): #admin-token=… carries the token in the fragment,
// which browsers never send to a server. It is kept for this tab and removed from the address bar at once.
{
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get('admin-token');
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    fragment.delete('admin-token');
    const rest = fragment.toString();
    history.replaceState(null, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
  }
}
const state = {
  workspaces: new Map(),   // id → workspace row from GET /workspaces
  cards: new Map(),        // id → card element
  lastHeartbeat: new Map(),// id → Date.now() of the last WORKSPACE_HEARTBEAT seen
  events: [],              // newest first
  chat: { workspaceId: null, taskId: null, abort: null },
};

// ---------- HTTP with admin auth ----------

let tokenPrompt = null;

function askForToken(reason) {
  tokenPrompt ??= new Promise(resolve => {
    const dialog = $('auth-dialog');
    const error = $('auth-error');
    error.hidden = !reason || !sessionStorage.getItem(TOKEN_KEY);
    error.textContent = reason ? `The emulator answered: ${reason}` : '';
    $('auth-token').value = '';
    dialog.addEventListener('close', () => {
      sessionStorage.setItem(TOKEN_KEY, $('auth-token').value.trim());
      tokenPrompt = null;
      resolve();
    }, { once: true });
    dialog.showModal();
  });
  return tokenPrompt;
}

async function api(path, { method = 'GET', json, headers = {} } = {}) {
  for (let attempt = 0; ; attempt++) {
    const request = { method, headers: { Accept: 'application/json', ...headers } };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) request.headers.Authorization = `Bearer ${token}`;
    if (json !== undefined) {
      request.headers['Content-Type'] = 'application/json';
      request.body = JSON.stringify(json);
    }
    const response = await fetch(path, request);
    if (response.status === 401 && attempt < 5) {
      const body = await readJson(response);
      if (/admin auth/.test(body.error ?? '')) {
        await askForToken(body.error);
        continue;
      }
      return { response, body };
    }
    return { response, body: await readJson(response) };
  }
}

async function readJson(response) {
  const text = await response.text();
  if (!text) return {};
  try { return JSON.parse(text); } catch { return { error: text.slice(0, 200) }; }
}

// ---------- workspaces ----------

let refreshTimer = null;
function scheduleRefresh() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => { refreshTimer = null; refreshWorkspaces(); }, 200);
}

async function refreshWorkspaces() {
  let result;
  try {
    result = await api('/workspaces');
  } catch {
    return;   // the socket's reconnect loop reports the outage
  }
  if (!result.response.ok || !Array.isArray(result.body)) return;
  state.workspaces = new Map(result.body.map(w => [w.id, w]));
  render();
}

function render() {
  const list = $('workspace-list');
  for (const [id, card] of state.cards) {
    if (!state.workspaces.has(id)) { card.remove(); state.cards.delete(id); }
  }
  for (const workspace of state.workspaces.values()) {
    const card = state.cards.get(workspace.id) ?? createCard(workspace.id);
    fillCard(card, workspace);
  }
  // Parents hold their children; everything else sits at the top level, in creation order.
  for (const workspace of state.workspaces.values()) {
    const card = state.cards.get(workspace.id);
    const parent = workspace.parent_id && state.cards.get(workspace.parent_id);
    const container = parent ? parent.querySelector('.children') : list;
    if (card.parentElement !== container) container.append(card);
  }
  team.render();
  $('empty').hidden = state.workspaces.size > 0;
  $('workspace-count').textContent = `(${state.workspaces.size})`;
  updateFilterOptions();
  tickHeartbeats();
}

function createCard(id) {
  const card = $('card-template').content.firstElementChild.cloneNode(true);
  card.dataset.workspaceId = id;
  card.querySelector('.chat-button').addEventListener('click', () => openChat(id));
  card.querySelector('.details-button').addEventListener('click', () => team.showDetails(id));
  state.cards.set(id, card);
  return card;
}

function fillCard(card, w) {
  const agentCard = w.agent_card ?? {};
  card.dataset.status = w.status;
  card.setAttribute('aria-label', `${w.name}: ${w.status}`);
  card.querySelector('.name').textContent = w.name;
  card.querySelector('.status').textContent = w.status.replace('_', ' ');
  const banner = card.querySelector('.banner');
  banner.hidden = !w.current_task;
  banner.textContent = w.current_task ? `Working on: ${w.current_task}` : '';
  card.querySelector('.active').textContent = `${w.active_tasks ?? 0} / ${w.max_concurrent_tasks ?? 1}`;
  card.querySelector('.uptime').textContent = formatDuration(w.uptime_seconds ?? 0);
  card.querySelector('.error-rate').textContent = `${Math.round((w.last_error_rate ?? 0) * 100)} %`;
  const sample = card.querySelector('.sample-error');
  sample.hidden = !(w.status === 'degraded' && w.last_sample_error);
  sample.textContent = sample.hidden ? '' : `Last error: ${w.last_sample_error}`;
  const inputs = agentCard.defaultInputModes ?? [];
  const outputs = agentCard.defaultOutputModes ?? [];
  card.querySelector('.modes').textContent = inputs.length || outputs.length ? `in: ${inputs.join(', ') || '—'} · out: ${outputs.join(', ') || '—'}` : 'no agent card yet';
  const skills = card.querySelector('.skills');
  skills.replaceChildren(...(agentCard.skills ?? []).map(skill => {
    const li = document.createElement('li');
    li.textContent = skill.name ?? skill.id;
    if (skill.description) li.title = skill.description;
    return li;
  }));
  card.querySelector('.id').textContent = w.id;
  card.querySelector('.runtime').textContent = w.runtime ? `· ${w.runtime}` : '';
  card.querySelector('.chat-button').disabled = !w.url;
}

function tickHeartbeats() {
  const now = Date.now();
  for (const [id, card] of state.cards) {
    const seen = state.lastHeartbeat.get(id);
    card.querySelector('.heartbeat').textContent = seen ? `${formatDuration(Math.floor((now - seen) / 1000))} ago` : 'not seen yet';
  }
}

function formatDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor(s / 60) % 60).padStart(2, '0')} min`;
}

function nameOf(id) {
  return state.workspaces.get(id)?.name ?? (id ? id.slice(0, 8) : '—');
}

// ---------- live events ----------

let socket = null;
let reconnectDelay = 500;

function setConnection(kind, text) {
  const element = $('connection');
  element.dataset.state = kind;
  element.textContent = text;
}

function connect() {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  socket = new WebSocket(url);
  socket.addEventListener('open', () => {
    reconnectDelay = 500;
    setConnection('live', 'Live');
    // Subscribed first, loaded second: nothing that happens between the two is missed, on the first open and after
    // every outage. A load that fails leaves what the page shows; the next open reloads it.
    refreshWorkspaces();
    refreshFaults();
    loadEventHistory();
    team.start().catch(() => { /* the socket reports outages */ });
  });
  socket.addEventListener('message', message => {
    let envelope;
    try { envelope = JSON.parse(message.data); } catch { return; }
    onEvent(envelope);
  });
  socket.addEventListener('close', () => {
    setConnection('reconnecting', 'Reconnecting… the emulator is unreachable');
    setTimeout(connect, reconnectDelay);
    reconnectDelay = Math.min(reconnectDelay * 2, 5000);
  });
}

function onEvent(envelope) {
  if (envelope.event === 'WORKSPACE_HEARTBEAT' && envelope.workspace_id) {
    state.lastHeartbeat.set(envelope.workspace_id, Date.now());
  }
  addEvent({ event: envelope.event, workspaceId: envelope.workspace_id, at: envelope.timestamp });
  team.onEvent(envelope);
  if (envelope.event === 'AGENT_MESSAGE' && envelope.workspace_id === state.chat.workspaceId) {
    // A message the agent sent the user on its own (notify, send_message_to_user), with its attachments.
    const payload = envelope.payload ?? {};
    const files = (payload.attachments ?? []).map(a => `📎 ${a.name}`).join('\n');
    bubble('agent', files ? `${payload.message}\n${files}` : payload.message);
  }
  scheduleRefresh();
}

function addEvent(entry) {
  state.events.unshift(entry);
  state.events.length = Math.min(state.events.length, MAX_EVENTS);
  renderEvents();
}

async function loadEventHistory() {
  try {
    const { response, body } = await api('/events');
    if (!response.ok || !Array.isArray(body)) return;
    state.events = body.map(e => ({ event: e.event_type, workspaceId: e.workspace_id, at: e.created_at }));
    renderEvents();
  } catch { /* the socket reports outages */ }
}

function renderEvents() {
  const filter = $('event-filter').value;
  const items = state.events.filter(e => !filter || e.workspaceId === filter).slice(0, 100).map(e => {
    const li = document.createElement('li');
    const time = document.createElement('time');
    const at = new Date(e.at ?? Date.now());
    time.dateTime = at.toISOString();
    time.textContent = at.toLocaleTimeString([], { hour12: false });
    const name = document.createElement('span');
    name.textContent = e.event;
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = nameOf(e.workspaceId);
    li.append(time, name, who);
    li.dataset.event = e.event;
    return li;
  });
  $('event-log').replaceChildren(...items);
}

function updateFilterOptions() {
  const select = $('event-filter');
  const current = select.value;
  const options = [new Option('all', '')].concat([...state.workspaces.values()].map(w => new Option(w.name, w.id)));
  select.replaceChildren(...options);
  select.value = state.workspaces.has(current) ? current : '';
}

// ---------- chat through the A2A proxy ----------

function openChat(id) {
  if (state.chat.workspaceId !== id) {
    state.chat.abort?.abort();
    state.chat = { workspaceId: id, taskId: null, abort: null };
    $('chat-log').replaceChildren();
    $('chat-state').textContent = '';
    $('chat-cancel').disabled = true;
  }
  $('chat-title').textContent = `Chat · ${nameOf(id)}`;
  $('chat').hidden = false;
  $('chat-input').focus();
}

function bubble(role, text) {
  const li = document.createElement('li');
  li.className = role;
  const body = document.createElement('span');
  body.className = 'text';
  body.textContent = text;
  li.append(body);
  $('chat-log').append(li);
  li.scrollIntoView({ block: 'end' });
  return li;
}

function setBubble(li, { text, append, taskState }) {
  const body = li.querySelector('.text');
  if (text !== undefined) body.textContent = append ? body.textContent + text : text;
  if (taskState) {
    li.dataset.state = taskState;
    let label = li.querySelector('.state');
    if (!label) { label = document.createElement('span'); label.className = 'state'; li.append(label); }
    label.textContent = taskState;
  }
  li.scrollIntoView({ block: 'end' });
}

const textOf = parts => (parts ?? []).filter(p => p.kind === 'text' || p.type === 'text' || typeof p.text === 'string').map(p => p.text).join('');
const TERMINAL = new Set(['completed', 'failed', 'canceled', 'rejected', 'input-required', 'auth-required']);

async function sendChat(text) {
  const workspaceId = state.chat.workspaceId;
  bubble('user', text);
  const reply = bubble('agent', '');
  setBubble(reply, { taskState: 'sending' });
  const abort = new AbortController();
  state.chat.abort = abort;
  state.chat.taskId = null;
  $('chat-send').disabled = true;
  $('chat-state').textContent = 'streaming…';
  const request = {
    jsonrpc: '2.0', id: crypto.randomUUID(), method: 'message/stream',
    params: { message: { role: 'user', messageId: crypto.randomUUID(), parts: [{ kind: 'text', text }] } },
  };
  try {
    const response = await fetch(`/workspaces/${encodeURIComponent(workspaceId)}/a2a`, {
      method: 'POST', signal: abort.signal,
      headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
      body: JSON.stringify(request),
    });
    if (!response.ok) {
      const body = await readJson(response);
      setBubble(reply, { text: body.error ?? `HTTP ${response.status}`, taskState: 'failed' });
      return;
    }
    if ((response.headers.get('content-type') ?? '').includes('text/event-stream')) {
      await readStream(response.body, payload => onChatPayload(reply, payload));
    } else {
      onChatPayload(reply, await readJson(response));
    }
  } catch (error) {
    if (error.name !== 'AbortError') setBubble(reply, { text: `The request failed: ${error.message}`, taskState: 'failed' });
  } finally {
    $('chat-send').disabled = false;
    $('chat-cancel').disabled = true;
    $('chat-state').textContent = '';
  }
}

async function readStream(stream, onPayload) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replaceAll('\r\n', '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split('\n').filter(l => l.startsWith('data:')).map(l => l.slice(5).trimStart()).join('\n');
      if (data) {
        try { onPayload(JSON.parse(data)); } catch { /* a malformed event is skipped */ }
      }
    }
  }
}

function onChatPayload(reply, payload) {
  if (payload.error) {
    setBubble(reply, { text: payload.error.message ?? String(payload.error), taskState: 'failed' });
    return;
  }
  const result = payload.result ?? {};
  switch (result.kind) {
    case 'task':
      state.chat.taskId = result.id;
      $('chat-cancel').disabled = TERMINAL.has(result.status?.state);
      setBubble(reply, { taskState: result.status?.state });
      if (result.artifacts?.length) setBubble(reply, { text: result.artifacts.map(a => textOf(a.parts)).join('') });
      break;
    case 'artifact-update':
      setBubble(reply, { text: textOf(result.artifact?.parts), append: result.append === true });
      break;
    case 'status-update': {
      const taskState = result.status?.state;
      setBubble(reply, { taskState });
      const note = textOf(result.status?.message?.parts);
      if (note && (taskState === 'failed' || taskState === 'canceled' || taskState === 'input-required' || taskState === 'working') && !reply.querySelector('.text').textContent) {
        setBubble(reply, { text: note });
      }
      if (TERMINAL.has(taskState)) $('chat-cancel').disabled = true;
      break;
    }
    case 'message':
      setBubble(reply, { text: textOf(result.parts), taskState: 'completed' });
      break;
  }
}

async function cancelChatTask() {
  const { workspaceId, taskId } = state.chat;
  if (!taskId) return;
  $('chat-cancel').disabled = true;
  const response = await fetch(`/workspaces/${encodeURIComponent(workspaceId)}/a2a`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: crypto.randomUUID(), method: 'tasks/cancel', params: { id: taskId } }),
  });
  const body = await readJson(response);
  $('chat-state').textContent = body.error ? `cancel: ${body.error.message ?? body.error}` : 'canceled';
}

// ---------- create a workspace ----------

async function createWorkspace(name) {
  const { response, body } = await api('/workspaces', { method: 'POST', json: { name, external: true } });
  const result = $('create-result');
  if (!response.ok) {
    result.hidden = false;
    $('create-id').textContent = '';
    $('create-run').value = `Not created: ${body.error ?? `HTTP ${response.status}`}`;
    return;
  }
  const token = body.connection?.auth_token ?? '';
  const port = location.port || (location.protocol === 'https:' ? '443' : '80');
  $('create-id').textContent = body.id;
  $('create-run').value = [
    'docker run -d -p 8000:8000 \\',
    '  --add-host host.docker.internal:host-gateway \\',
    `  -e PLATFORM_URL=http://host.docker.internal:${port} \\`,
    `  -e WORKSPACE_ID=${body.id} \\`,
    `  -e WORKSPACE_AUTH_TOKEN=${token} \\`,
    '  -e AGENT_URL=http://host.docker.internal:8000 \\',
    '  localhost/molecule-workspace:dev',
  ].join('\n');
  result.hidden = false;
  scheduleRefresh();
}

// ---------- faults ----------

async function refreshFaults() {
  let result;
  try { result = await api('/_emulator/faults'); } catch { return; }
  const list = $('fault-list');
  if (!result.response.ok || !Array.isArray(result.body)) {
    list.replaceChildren();
    return;
  }
  list.replaceChildren(...result.body.map(fault => {
    const li = document.createElement('li');
    const label = document.createElement('span');
    const effect = fault.kind === 'status' ? `→ ${fault.status}` : fault.kind === 'latency' ? `+${fault.latency_ms} ms` : fault.kind;
    label.textContent = `${fault.method ?? 'any'} ${fault.path} ${effect} (hits ${fault.hits})`;
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'link';
    remove.textContent = 'Remove';
    remove.setAttribute('aria-label', `Remove fault ${fault.id}`);
    remove.addEventListener('click', async () => { await api(`/_emulator/faults/${encodeURIComponent(fault.id)}`, { method: 'DELETE' }); refreshFaults(); });
    li.append(label, remove);
    return li;
  }));
}

async function addFault(form) {
  const data = new FormData(form);
  const fault = { path: data.get('path'), kind: data.get('kind') };
  if (data.get('method')) fault.method = data.get('method');
  if (fault.kind === 'status') fault.status = Number(data.get('status'));
  if (fault.kind === 'latency') fault.latency_ms = Number(data.get('latency_ms'));
  const { response, body } = await api('/_emulator/faults', { method: 'POST', json: fault });
  if (!response.ok) alert(`Fault not added: ${body.error ?? response.status}`);
  refreshFaults();
}

// ---------- wiring ----------

$('chat-form').addEventListener('submit', event => {
  event.preventDefault();
  const input = $('chat-input');
  const text = input.value.trim();
  if (!text || !state.chat.workspaceId) return;
  input.value = '';
  sendChat(text);
});
$('chat-input').addEventListener('keydown', event => {
  if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); $('chat-form').requestSubmit(); }
});
$('chat-cancel').addEventListener('click', cancelChatTask);
$('chat-close').addEventListener('click', () => { $('chat').hidden = true; });
$('create-form').addEventListener('submit', event => {
  event.preventDefault();
  createWorkspace($('create-name').value.trim());
});
$('fault-form').addEventListener('submit', event => { event.preventDefault(); addFault(event.target); });
$('faults-clear').addEventListener('click', async () => { await api('/_emulator/faults', { method: 'DELETE' }); refreshFaults(); });
$('event-filter').addEventListener('change', renderEvents);
$('auth-form').addEventListener('submit', () => { /* method=dialog closes the dialog; 'close' stores the token */ });

setInterval(tickHeartbeats, 1000);
const team = createTeam({ api, nameOf, cardOf: () => state.cards });
await refreshWorkspaces();   // asks for the admin token first where the emulator wants one
connect();
