import type { ChatMessage } from '../chat-model';
import { oneLine } from './fence';
import { DEPENDENCY_TYPES_TEXT, REFERENCES_TEXT, TASK_FIELDS } from './plan-format';

/** What the planner needs to know about a device: a device profile, or part of one. */
export interface DeviceProfileLike {
  readonly id: string;
  readonly os?: string | undefined;
  readonly arch?: string | undefined;
  readonly hostname?: string | undefined;
  readonly deviceType?: string | undefined;
  readonly capabilities?: readonly string[] | undefined;
  readonly concurrency?: number | undefined;
  /** e.g. `connected`, `recovering`: the planner may prefer devices that are up. */
  readonly status?: string | undefined;
}

const EXAMPLE = `Example. Request: "Back up the orders database, copy the dump to the NAS, and prune old dumps once the copy is safe." Devices: db-1 (linux), nas-1 (linux). Answer:
{"name":"Back up orders","tasks":[
{"id":"dump","name":"Dump orders DB","description":"Dump the orders database to /backup.","device":"db-1","inputs":{"command":["pg_dump","-f","/backup/orders.sql","orders"]}},
{"id":"nas-space","name":"Check NAS space","description":"Report free space on /volume1.","device":"nas-1","inputs":{"command":["df","-P","/volume1"]}},
{"id":"copy","name":"Copy dump to NAS","description":"Pull the dump from db-1.","device":"nas-1","inputs":{"command":["rsync","db-1:/backup/orders.sql","/volume1/backup/"]}},
{"id":"prune","name":"Prune old dumps","description":"Delete dumps older than 7 days.","device":"db-1","inputs":{"command":["find","/backup","-name","*.sql","-mtime","+7","-delete"]}}],
"dependencies":[{"from":"dump","to":"copy","type":"success_only"},{"from":"nas-space","to":"copy","type":"success_only"},
{"from":"copy","to":"prune","type":"conditional","when":"result.exitCode == 0","condition":"only once the copy is safe"}]}`;

/** The system prompt of create mode: the plan format, the rules, an example. */
export const CREATE_SYSTEM_PROMPT = `You plan work for Constellation, which runs a DAG of tasks on the user's devices, as parallel as dependencies allow.
Answer with one JSON object only, no prose: {"name": "short title", "tasks": [...], "dependencies": [...]}.
${TASK_FIELDS}
${DEPENDENCY_TYPES_TEXT}
${REFERENCES_TEXT}
Rules:
1. Every "device" must be one of the listed device ids.
2. Task ids are unique; every dependency's "from" and "to" is a task id of the plan.
3. Dependencies form no cycle. Independent tasks get no dependency, so they run in parallel.
4. One concern per task: one command, one check, one report.
5. "\${tasks.<id>.result}" only names ancestors of the task that uses it.
6. Write no run state (status, result, error, attempts): the orchestrator owns it.
${EXAMPLE}`;

/** One device per line: id, os/arch, type, concurrency, capabilities, status. */
export function describeDevices(devices: readonly DeviceProfileLike[]): string {
  if (devices.length === 0) return '(no devices are registered)';
  return devices
    .map((d) => {
      const parts = [`- ${oneLine(d.id, 200)}`];
      const platform = [d.os, d.arch].filter(Boolean).join('/');
      if (platform) parts.push(oneLine(platform, 60));
      if (d.deviceType) parts.push(`type=${oneLine(d.deviceType, 60)}`);
      if (d.hostname) parts.push(`host=${oneLine(d.hostname, 80)}`);
      parts.push(`concurrency=${d.concurrency ?? 1}`);
      if (d.capabilities?.length) parts.push(`capabilities=[${d.capabilities.map((c) => oneLine(c, 60)).join(',')}]`);
      if (d.status) parts.push(`status=${oneLine(d.status, 30)}`);
      return parts.join(' ');
    })
    .join('\n');
}

/** The first messages of a planning conversation. */
export function buildCreateMessages(request: string, devices: readonly DeviceProfileLike[]): ChatMessage[] {
  const user = `Request:\n${request.trim()}\n\nDevices (id, os/arch, concurrency, capabilities):\n${describeDevices(devices)}\n\nAnswer with the plan as one JSON object.`;
  return [
    { role: 'system', content: CREATE_SYSTEM_PROMPT },
    { role: 'user', content: user },
  ];
}
