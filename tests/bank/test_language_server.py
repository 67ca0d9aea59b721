"""The schema in a real yaml-language-server, spoken to over stdio as an editor does.

Runs where the server is installed (``npm install -g yaml-language-server``,
or ``$NORMQUIZ_YAML_LANGUAGE_SERVER`` naming its executable); skipped elsewhere.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from normquiz.bank.schema import SCHEMA_FILE_NAME, schema_text

SERVER = os.environ.get("NORMQUIZ_YAML_LANGUAGE_SERVER") or shutil.which("yaml-language-server")
pytestmark = pytest.mark.skipif(SERVER is None, reason="yaml-language-server is not installed")
WAIT = 60  # seconds: a first start of node on a busy machine

QUESTION_FILE = """\
# yaml-language-server: $schema=question-file.schema.json
topic: Mine
questions:
  - id: my-first
    level: basik
    type: single_choice
    tags: [batch-norm]
    prompt: Which axis?
    choices:
      - text: Axis 0
        correct: true
      - text: Axis 1
    explanation: Because.
    demo: axes
    explaination: a typo
  - id: my-second
    level: basic
    type: computed
    generator: layer_norm_entry
    tags: [layer-norm]
    prompt: p
    explanation: e
"""


class LanguageClient:
    """Just enough of an LSP client: requests, notifications, answers to the server's own requests."""

    def __init__(self, command: list[str]) -> None:
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
        self.incoming: queue.Queue[dict[str, Any]] = queue.Queue()
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while line := stream.readline():  # headers, up to a blank line
                if not line.strip():
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if not line:
                return  # the server has gone
            if length is not None:
                self.incoming.put(json.loads(stream.read(length)))

    def send(self, payload: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **payload}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        while True:
            message = self.wait()
            if message.get("id") == self.next_id and "method" not in message:
                return message.get("result")

    def wait(self) -> dict[str, Any]:
        message = self.incoming.get(timeout=WAIT)
        method = message.get("method")
        if method == "textDocument/publishDiagnostics":
            self.diagnostics[message["params"]["uri"]] = message["params"]["diagnostics"]
        elif method == "workspace/configuration":
            self.send({"id": message["id"], "result": [SETTINGS] * len(message["params"]["items"])})
        elif method and "id" in message:
            self.send({"id": message["id"], "result": None})
        return message

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.send({"method": "exit"})
            self.process.wait(timeout=WAIT)
        finally:
            if self.process.poll() is None:
                self.process.kill()


SETTINGS = {"validate": True, "hover": True, "completion": True}


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LanguageClient, str, list[str]]]:
    folder = tmp_path_factory.mktemp("editor")
    (folder / SCHEMA_FILE_NAME).write_text(schema_text(), encoding="utf-8")
    path = folder / "mine.yaml"
    path.write_text(QUESTION_FILE, encoding="utf-8")
    client = LanguageClient([str(SERVER), "--stdio"])
    client.request("initialize", {"processId": os.getpid(), "rootUri": folder.as_uri(), "capabilities": {
        "textDocument": {"hover": {"contentFormat": ["markdown"]}}, "workspace": {"configuration": True}}})
    client.send({"method": "initialized", "params": {}})
    client.send({"method": "workspace/didChangeConfiguration", "params": {"settings": {"yaml": SETTINGS}}})
    uri = path.as_uri()
    client.send({"method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "yaml", "version": 1, "text": QUESTION_FILE}}})
    while uri not in client.diagnostics:
        client.wait()
    yield client, uri, QUESTION_FILE.splitlines()
    client.close()


def at(lines: list[str], text: str) -> dict[str, int]:
    number = next(index for index, line in enumerate(lines) if text in line)
    return {"line": number, "character": lines[number].index(text) + 1}


def test_the_server_flags_a_wrong_level_and_an_unknown_field(opened: tuple[LanguageClient, str, list[str]]) -> None:
    client, uri, lines = opened
    found = {(item["range"]["start"]["line"], item["message"]) for item in client.diagnostics[uri]}
    assert (at(lines, "basik")["line"], 'Value is not accepted. Valid values: "basic", "intermediate", '
                                        '"advanced".') in found
    assert (at(lines, "explaination")["line"], "Property explaination is not allowed.") in found
    assert len(found) == 2, found


@pytest.mark.parametrize(("key", "shown"), [
    ("tags:", "at least one lowercase hyphenated tag"),
    ("demo:", "`running-stats`: Running mean and variance"),
    ("generator:", "`layer_norm_entry`: layer-norm output at (row, col)"),
])
def test_hover_shows_the_description_and_the_members(opened: tuple[LanguageClient, str, list[str]],
                                                     key: str, shown: str) -> None:
    client, uri, lines = opened
    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": at(lines, key)})
    assert shown in hover["contents"]["value"]
