// The team at work: pending approvals a person decides, delegations between workspaces while they are open, and a
// workspace's memories, secrets (keys only) and activity. Every value from the server is rendered as text.

const $ = id => document.getElementById(id);
const OPEN = new Set(['sent', 'pending', 'dispatched', 'queued']);

export function createTeam({ api, nameOf, cardOf }) {
  const delegations = new Map();   // delegation_id → { source, target, status, detail }
  let details = null;              // the workspace the details panel shows
  let detailsTimer = null;

  function text(tag, value, className) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    element.textContent = value;
    return element;
  }

  // ---------- approvals ----------

  async function refreshApprovals() {
    const { response, body } = await api('/approvals/pending');
    if (!response.ok || !Array.isArray(body)) return;
    $('approval-list').replaceChildren(...body.map(approval => {
      const li = document.createElement('li');
      li.dataset.approvalId = approval.id;
      li.append(text('span', `${approval.workspace_name || nameOf(approval.workspace_id)}: ${approval.action}`, 'what'));
      if (approval.reason) li.append(text('span', approval.reason, 'subtle'));
      const approve = text('button', 'Approve');
      const deny = text('button', 'Deny');
      approve.type = deny.type = 'button';
      approve.addEventListener('click', () => decide(approval, 'approved', li));
      deny.addEventListener('click', () => decide(approval, 'denied', li));
      li.append(approve, deny);
      return li;
    }));
    $('approvals-empty').hidden = body.length > 0;
  }

  async function decide(approval, decision, li) {
    li.querySelectorAll('button').forEach(b => { b.disabled = true; });
    const { response, body } = await api(`/workspaces/${encodeURIComponent(approval.workspace_id)}/approvals/${encodeURIComponent(approval.id)}/decide`,
      { method: 'POST', json: { decision, decided_by: 'canvas' } });
    if (!response.ok) li.append(text('span', body.error ?? `HTTP ${response.status}`, 'error'));
    await refreshApprovals();
  }

  function logDecision(envelope) {
    const payload = envelope.payload ?? {};
    const li = text('li', `${nameOf(envelope.workspace_id)}: ${payload.decision} by ${payload.decided_by}`);
    li.dataset.decision = payload.decision ?? '';
    $('approval-log').prepend(li);
  }

  // ---------- delegations ----------

  function track(envelope) {
    const payload = envelope.payload ?? {};
    const id = payload.delegation_id;
    if (!id) return;
    const entry = delegations.get(id) ?? { source: envelope.workspace_id, target: payload.target_id, status: 'sent', detail: '' };
    if (payload.target_id) entry.target = payload.target_id;
    switch (envelope.event) {
      case 'DELEGATION_SENT': entry.detail = payload.task_preview ?? ''; break;
      case 'DELEGATION_STATUS': entry.status = payload.status; break;
      case 'DELEGATION_COMPLETE': entry.status = 'completed'; entry.detail = payload.response_preview ?? ''; break;
      case 'DELEGATION_FAILED': entry.status = 'failed'; entry.detail = payload.error ?? ''; break;
    }
    delegations.set(id, entry);
  }

  function renderDelegations() {
    const rows = [...delegations.entries()].reverse().slice(0, 50);
    $('delegation-list').replaceChildren(...rows.map(([id, d]) => {
      const li = document.createElement('li');
      li.dataset.delegationId = id;
      li.dataset.status = d.status;
      li.append(text('span', `${nameOf(d.source)} → ${nameOf(d.target)}`, 'edge'), text('span', d.status, 'state'));
      if (d.detail) li.append(text('span', d.detail, 'subtle'));
      return li;
    }));
    $('delegations-empty').hidden = rows.length > 0;
    // On each source card: the delegations it has open right now.
    const open = new Map();
    for (const d of delegations.values()) {
      if (OPEN.has(d.status)) open.set(d.source, [...(open.get(d.source) ?? []), d]);
    }
    for (const [id, card] of cardOf()) {
      const line = card.querySelector('.delegating');
      const mine = open.get(id) ?? [];
      line.hidden = mine.length === 0;
      line.textContent = mine.map(d => `Delegating to ${nameOf(d.target)} (${d.status})`).join(' · ');
    }
  }

  async function loadDelegationHistory() {
    const { response, body } = await api('/events');
    if (!response.ok || !Array.isArray(body)) return;
    for (const e of [...body].reverse()) {
      if (e.event_type.startsWith('DELEGATION_')) track({ event: e.event_type, workspace_id: e.workspace_id, payload: e.payload });
    }
    renderDelegations();
  }

  // ---------- details ----------

  async function showDetails(id) {
    details = id;
    $('details').hidden = false;
    $('details-title').textContent = `Details · ${nameOf(id)}`;
    clearInterval(detailsTimer);
    detailsTimer = setInterval(refreshDetails, 2000);
    await refreshDetails();
  }

  async function refreshDetails() {
    if (!details || $('details').hidden) return;
    const id = encodeURIComponent(details);
    const query = $('memory-search').value.trim();
    const [memories, secrets, activity] = await Promise.all([
      api(`/workspaces/${id}/memories${query ? `?q=${encodeURIComponent(query)}` : ''}`),
      api(`/workspaces/${id}/secrets`),
      api(`/workspaces/${id}/activity?limit=20`),
    ]);
    if (Array.isArray(memories.body)) {
      $('memory-list').replaceChildren(...memories.body.map(m => {
        const li = document.createElement('li');
        li.dataset.scope = m.scope;
        li.append(text('span', m.scope, 'state'), text('span', m.content, 'what'));
        return li;
      }));
    }
    if (Array.isArray(secrets.body)) {
      $('secret-list').replaceChildren(...secrets.body.map(s => text('li', `${s.key} (${s.scope})`)));
    }
    if (Array.isArray(activity.body)) {
      $('activity-list').replaceChildren(...activity.body.map(a =>
        text('li', `${a.activity_type}${a.method ? ` · ${a.method}` : ''}${a.summary ? ` · ${a.summary}` : ''} · ${a.status}`)));
    }
  }

  $('details-close').addEventListener('click', () => { $('details').hidden = true; details = null; clearInterval(detailsTimer); });
  $('memory-search').addEventListener('input', refreshDetails);

  return {
    async start() {
      await Promise.all([refreshApprovals(), loadDelegationHistory()]);
    },
    onEvent(envelope) {
      if (envelope.event.startsWith('APPROVAL_')) {
        if (envelope.event === 'APPROVAL_APPROVED' || envelope.event === 'APPROVAL_DENIED') logDecision(envelope);
        refreshApprovals();
      }
      if (envelope.event.startsWith('DELEGATION_')) {
        track(envelope);
        renderDelegations();
      }
    },
    render: renderDelegations,
    showDetails,
  };
}
