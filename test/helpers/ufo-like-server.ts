import * as http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A stand-in for the reference's UFO agent server, run as its own process: what it does on the
 * wire is what the Python server does (the README's AIP section; the reference itself needs Python packages
 * this machine does not have; the opt-in suite runs against it). It serves several devices at
 * once, so a test can see that tasks for one never reach another, and its "agent" is a script
 * read from the task's description instead of a language model:
 *
 * - `echo <text>`: completes with UFO's result shape, `[{request, result: "<device>: <text>"}]`;
 * - `fail-silently`: ends `failed` with `error: null` (as UFO's sessions often do);
 * - `uncorrelated-error`: acks, then sends an `error` frame with no session (the reference's habit);
 * - `hang`: acks and never ends;
 * - `leak-key`: answers with an `error` that quotes the key (servers echo what they were sent);
 * - `rotate-key`: completes, and from then on the server takes another key (its old one gets 403).
 *
 * `UFO_MODE=silent` never answers a `register` (as the reference does for a frame it does not
 * take); `UFO_MODE=no-info` answers `device_info_request` with an `error`.
 *
 * Usage: `UFO_TOKEN=… node ufo-like-server.js dev-a,dev-b` prints `listening on ws://…/ws`. Every
 * task it receives is printed as `task <device> <session_id> <description>`, every closed task
 * socket as `closed <client_id>`.
 */

let token = process.env.UFO_TOKEN ?? '';
const mode = process.env.UFO_MODE ?? '';
const devices = new Set((process.argv[2] ?? 'dev1').split(','));
const online = new Set<string>();

// Frames are written here as the reference writes them (every key, null when unset), not with our
// encoder, so that a mistake in our codec cannot cancel itself out in the tests.
const NULLS = { type: null, status: null, user_request: null, agent_name: null, process_name: null, root_name: null, actions: null, messages: null, error: null, session_id: null, task_name: null, timestamp: null, response_id: null, result: null };
function frame(fields: Record<string, unknown>): string {
  return JSON.stringify({ ...NULLS, timestamp: new Date().toISOString().replace('Z', '+00:00'), ...fields });
}

const server = http.createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url ?? '/', 'ws://x');
  if (url.pathname !== '/ws' || url.searchParams.get('token') !== token) {
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => serve(ws));
});

function serve(ws: WebSocket): void {
  let clientId: string | undefined;
  let target: string | undefined;
  ws.on('close', () => {
    if (clientId === undefined) return;
    online.delete(clientId);
    process.stdout.write(`closed ${clientId}\n`);
  });
  ws.on('message', (data: Buffer) => {
    const f = JSON.parse(data.toString('utf8')) as Record<string, string | null>;
    const refuse = (error: string) => {
      ws.send(frame({ type: 'error', status: 'error', error }));
      ws.close();
    };
    if (clientId === undefined) {
      if (f.type !== 'register' || mode === 'silent') return; // the reference neither answers nor closes
      if (f.client_type === 'constellation' && !devices.has(f.target_id ?? '')) return refuse(`Target device '${f.target_id}' is not connected`);
      if (online.has(f.client_id ?? '')) return refuse(`client_id '${f.client_id}' is already registered`);
      clientId = f.client_id ?? '';
      target = f.target_id ?? '';
      online.add(clientId);
      return ws.send(frame({ type: 'heartbeat', status: 'ok' }));
    }
    if (f.type === 'heartbeat') return ws.send(f.client_type ? frame({ type: 'heartbeat', status: 'ok' }) : frame({ type: 'error', status: 'error', error: 'missing client_type' }));
    if (f.type === 'device_info_request') {
      if (mode === 'no-info') return ws.send(frame({ type: 'error', status: 'error', error: 'Unknown message type: device_info_request' }));
      const id = f.target_id ?? target;
      return ws.send(frame({ type: 'device_info_response', status: 'ok', response_id: f.request_id, result: { device_id: id, platform: 'windows', os_version: '10.0', cpu_count: 8, memory_total_gb: 16, hostname: `${id}-host`, ip_address: null, supported_features: ['ui', `only-${id}`], platform_type: 'computer', schema_version: '1.0', custom_metadata: {} } }));
    }
    if (f.type !== 'task') return;
    const session = f.session_id;
    const request = f.request ?? '';
    const description = /^Task Description: (.*)$/m.exec(request)?.[1] ?? '';
    process.stdout.write(`task ${target} ${session} ${description}\n`);
    ws.send(frame({ type: 'heartbeat', status: 'ok', session_id: session }));
    setTimeout(() => {
      if (description.startsWith('echo ')) ws.send(frame({ type: 'task_end', status: 'completed', session_id: session, result: [{ request, result: `${target}: ${description.slice(5)}` }] }));
      else if (description === 'fail-silently') ws.send(frame({ type: 'task_end', status: 'failed', session_id: session, result: { failure: 'the agent gave up' }, error: null }));
      else if (description === 'uncorrelated-error') ws.send(frame({ type: 'error', status: 'error', error: 'Error processing task: the agent crashed' }));
      else if (description === 'leak-key') ws.send(frame({ type: 'error', status: 'error', error: `bad request from ws://127.0.0.1/ws?token=${encodeURIComponent(token)} (key ${token})\nTraceback: ...` }));
      else if (description === 'rotate-key') {
        ws.send(frame({ type: 'task_end', status: 'completed', session_id: session, result: [] }));
        token = `${token}-rotated`;
      }
    }, 20);
  });
}

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`listening on ws://127.0.0.1:${port}/ws\n`);
});
process.on('SIGTERM', () => process.exit(0));
