"""Registers N workspaces with a running emulator and writes their ids and tokens for heartbeat.lua.

    python3 register.py http://127.0.0.1:8080 10000 targets.lua
"""
import http.client
import json
import sys
import uuid
from urllib.parse import urlparse

base, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
url = urlparse(base)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
rows = []
for i in range(count):
    workspace_id = str(uuid.uuid4())
    body = json.dumps({
        "id": workspace_id,
        "url": f"http://127.0.0.1:9/agents/{i}",
        "agent_card": {"name": f"bench-{i}", "description": "benchmark workspace", "version": "1.0.0",
                       "url": f"http://127.0.0.1:9/agents/{i}", "skills": [],
                       "capabilities": {"streaming": True, "pushNotifications": False}},
    })
    conn.request("POST", "/registry/register", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    answer = json.loads(response.read())
    if response.status != 200 or "auth_token" not in answer:
        sys.exit(f"register {i} answered {response.status}: {answer}")
    rows.append((workspace_id, answer["auth_token"]))

with open(out, "w") as f:
    f.write("return {\n")
    for workspace_id, token in rows:
        f.write(f'  {{"{workspace_id}", "{token}"}},\n')
    f.write("}\n")
print(f"registered {len(rows)} workspaces")
