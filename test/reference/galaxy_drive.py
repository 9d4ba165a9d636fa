"""The reference's Galaxy orchestrator running a plan on given AIP devices, without its LLM agent.

Run from the reference's root:

    python galaxy_drive.py '{"dev1": "ws://127.0.0.1:P/ws?token=K", ...}' plan.galaxy.json TIMEOUT_S

Loads the plan with Galaxy's own TaskConstellation.from_json, connects Galaxy's client to the
devices and runs the plan with its orchestrator. Prints one JSON line at the end:
{"outcome": <what orchestrate returned or "timeout">, "tasks": {id: {status, result, error}}}.
A failed task's result and error are taken from Galaxy's TASK_FAILED event (its task object
keeps neither).
"""

import asyncio
import json
import sys

from galaxy.client.config_loader import ConstellationConfig, DeviceConfig
from galaxy.client.constellation_client import ConstellationClient
from galaxy.constellation.orchestrator.orchestrator import TaskConstellationOrchestrator
from galaxy.constellation.task_constellation import TaskConstellation
from galaxy.core.events import EventType, IEventObserver, get_event_bus


class Ends(IEventObserver):
    def __init__(self):
        self.by_task = {}

    async def on_event(self, event):
        result = getattr(event, "result", None)
        self.by_task[event.task_id] = {
            "event": event.event_type.value,
            "result": getattr(result, "result", result),
            "error": str(getattr(result, "error", None) or getattr(event, "error", None) or "") or None,
        }


def plain(value):
    try:
        json.dumps(value)
        return value
    except TypeError:
        return repr(value)


async def main(urls, plan, timeout):
    config = ConstellationConfig(task_name="constellation-interop", devices=[DeviceConfig(device_id=d, server_url=u, os="linux") for d, u in urls.items()])
    client = ConstellationClient(config=config)
    await client.initialize()
    constellation = TaskConstellation.from_json(file_path=plan)
    ends = Ends()
    get_event_bus().subscribe(ends, {EventType.TASK_COMPLETED, EventType.TASK_FAILED})
    orchestrator = TaskConstellationOrchestrator(device_manager=client.device_manager, enable_logging=True)
    try:
        out = await asyncio.wait_for(orchestrator.orchestrate_constellation(constellation), timeout)
        outcome = out.get("status") if isinstance(out, dict) else str(out)
    except asyncio.TimeoutError:
        outcome = "timeout"
    tasks = {}
    for task_id, task in constellation.tasks.items():
        result = getattr(task.result, "result", task.result)
        end = ends.by_task.get(task_id, {})
        tasks[task_id] = {"status": task.status.value, "result": plain(result if result is not None else end.get("result")), "error": plain(task.error or end.get("error"))}
    print(json.dumps({"outcome": outcome, "tasks": tasks}), flush=True)
    await client.shutdown()


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1]), sys.argv[2], float(sys.argv[3])))
