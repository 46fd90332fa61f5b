"""terminado as a self-hoster would run it: a tiny tornado app on 127.0.0.1
whose websocket /ws/<i> gets its own `docker exec -it <container i> bash`
(UniqueTermManager: one process per connection, SIGHUP when it closes).

    python bench/terminado_server.py --port 8765 CONTAINER [CONTAINER ...]
"""

import argparse
import asyncio

import tornado.web
from terminado import TermSocket, UniqueTermManager


class Index(tornado.web.RequestHandler):
    def get(self):
        self.write("terminado benchmark server\n")


async def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("containers", nargs="+")
    args = parser.parse_args()
    handlers = [(r"/", Index)]
    for index, container in enumerate(args.containers):
        manager = UniqueTermManager(
            shell_command=["docker", "exec", "-it", "-e", "TERM=xterm-256color", container, "bash"]
        )
        handlers.append((rf"/ws/{index}", TermSocket, {"term_manager": manager}))
    tornado.web.Application(handlers).listen(args.port, address="127.0.0.1")
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
