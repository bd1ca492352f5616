"""`backproplab`: start the server and say where it is."""

from __future__ import annotations

import argparse

import uvicorn


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="backproplab", description="Start the backproplab server.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    args = parser.parse_args(argv)
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host  # all interfaces: this machine's URL
    print(f"backproplab running at http://{shown}:{args.port}/  (Ctrl+C to stop)", flush=True)
    uvicorn.run("app.main:app", host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
