"""`backproplab`: start the server and say where it is."""

from __future__ import annotations

import argparse
import os

import uvicorn


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="backproplab", description="Start the backproplab server.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--workers", type=positive, default=1,
                        help="server processes sharing the port (default 1); the app keeps no state between "
                             "requests, so any process can answer any request")
    parser.add_argument("--dev", action="store_true",
                        help="development: read static files and templates from disk on every request "
                             "(one process only)")
    args = parser.parse_args(argv)
    if args.dev and args.workers != 1:
        parser.error("--dev runs one process: leave out --workers")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    if args.dev:
        # Read by app.settings when uvicorn imports app.main (after this line).
        os.environ["BACKPROPLAB_DEV"] = "1"
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host  # all interfaces: this machine's URL
    print(f"backproplab running at http://{shown}:{args.port}/  (Ctrl+C to stop)", flush=True)
    uvicorn.run("app.main:app", host=args.host, port=args.port, workers=args.workers, log_level="warning")


if __name__ == "__main__":
    main()
