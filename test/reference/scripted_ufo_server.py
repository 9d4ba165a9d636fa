"""The reference's UFO agent server with a scripted session instead of its language-model agent.

Run from the reference's root (its configuration is read from ./config at import time):

    python scripted_ufo_server.py --host 127.0.0.1 --port P --api-key K

Everything on the wire is the reference's own server (ufo/server/app.py, run as __main__); only
the session that would run an LLM agent per task is replaced, by patching the factory the server
creates it with. The scripted session reads the task's description from Galaxy's text:

- "echo <text>": completes with UFO's result shape, [{"request": ..., "result": "<platform>: <text>"}]
  (the platform is the one the target device registered with, so a test can tell devices apart);
- "fail-silently": ends as failed with {"failure": "scripted failure"} and no error text;
- "hang": never ends (until its constellation client closes the socket);
- anything else: completes with "<platform>: done".
"""

import asyncio
import re
import runpy
import sys

from ufo.module.context import Context
from ufo.module.dispatcher import WebSocketCommandDispatcher
from ufo.module.session_pool import SessionFactory


class ScriptedSession:
    """What the server needs of a session: an id, a context, run(), and how it ended."""

    def __init__(self, task, should_evaluate, id, request, task_protocol, platform_override):
        self._id = id
        self.task = task
        self.request = request or ""
        self.platform = platform_override or "unknown"
        self.current_agent_class = "LinuxAgent"
        self._context = Context()
        if task_protocol is not None:
            self._context.attach_command_dispatcher(WebSocketCommandDispatcher(self, protocol=task_protocol))
        self.results = []
        self._failed = False

    @property
    def id(self):
        return self._id

    @property
    def context(self):
        return self._context

    async def run(self):
        match = re.search(r"^Task Description: (.*)$", self.request, re.MULTILINE)
        description = match.group(1) if match else self.request
        if description == "hang":
            await asyncio.sleep(3600)
        if description == "fail-silently":
            self._failed = True
            self.results = {"failure": "scripted failure"}
            return
        said = description[len("echo "):] if description.startswith("echo ") else "done"
        self.results = [{"request": self.request, "result": f"{self.platform}: {said}"}]

    def is_error(self):
        return self._failed

    def is_finished(self):
        return not self._failed

    def reset(self):
        pass


SessionFactory.create_service_session = lambda self, **kwargs: ScriptedSession(**kwargs)
sys.argv = ["ufo.server.app"] + sys.argv[1:]
runpy.run_module("ufo.server.app", run_name="__main__", alter_sys=True)
