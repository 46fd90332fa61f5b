"""In a real sandbox: the Save as Dockerfile commands write the file byte for byte,
run as a script and typed into the terminal the way the Run button types them."""

import asyncio
import base64

import pytest

from books.codeblocks import save_file_commands
from books.tests.test_dockerfile_blocks import fixture_dockerfile
from sandbox.tests.docker_fixtures import sandbox_fixture

pytestmark = pytest.mark.docker

KEY = "h6-save"
h6_sandbox = sandbox_fixture(KEY)
WITH_TAB = 'FROM busybox\n\tRUN echo "it\'s $HOME" `id` !! \\\\ 你好\n'


def _file_in_sandbox(sandbox, path):
    result = sandbox.sh(f"base64 -w0 {path}")
    assert result.exit_code == 0, result.output
    return base64.b64decode(result.output.strip())


@pytest.mark.parametrize("content", [fixture_dockerfile(), WITH_TAB], ids=["heredoc", "printf"])
def test_the_commands_write_the_dockerfile_in_the_workspace(h6_sandbox, content):
    commands = save_file_commands("~/book-h6-script", "Dockerfile", content)
    result = h6_sandbox.run(h6_sandbox.backend.exec(KEY, ["bash", "-c", "\n".join(commands)]))
    assert result.exit_code == 0, result.output
    assert _file_in_sandbox(h6_sandbox, "~/book-h6-script/Dockerfile") == content.encode()


async def _type_into_terminal(backend, commands, marker):
    stream = await backend.open_terminal(KEY, cols=120, rows=40)
    try:
        for command in commands + [f"echo {marker[:4]}''{marker[4:]}"]:
            await stream.write((command + "\r").encode())  # what the Run button sends
        seen = b""
        async with asyncio.timeout(30):
            while marker.encode() not in seen:
                chunk = await stream.read(65536)
                assert chunk, f"terminal ended; saw {seen[-500:]!r}"
                seen += chunk
    finally:
        await stream.close()


@pytest.mark.parametrize("content", [fixture_dockerfile(), WITH_TAB], ids=["heredoc", "printf"])
def test_typed_into_the_terminal_the_commands_write_it_too(h6_sandbox, content):
    commands = list(save_file_commands("~/book-h6-typed", "Dockerfile", content))
    h6_sandbox.sh("rm -rf ~/book-h6-typed")
    h6_sandbox.run(_type_into_terminal(h6_sandbox.backend, commands, "h6-typed-done"))
    assert _file_in_sandbox(h6_sandbox, "~/book-h6-typed/Dockerfile") == content.encode()
