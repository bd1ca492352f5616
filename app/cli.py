"""`backproplab`: start the server and say where it is (on a lecture hall's network:
every address students can open)."""

from __future__ import annotations

import argparse
import ipaddress
import os
from urllib.parse import urlsplit

import ifaddr
import uvicorn

ALL_INTERFACES = ("0.0.0.0", "::", "")


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def redis_url(text: str) -> str:
    if urlsplit(text).scheme not in ("redis", "rediss", "unix"):
        raise argparse.ArgumentTypeError(f"a Redis URL looks like redis://HOST:6379/0, not {text!r}")
    return text


def public_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(f"a public URL looks like https://lab.example.edu/, not {text!r}")
    return text.rstrip("/") + "/"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="backproplab", description="Start the backproplab server.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; 0.0.0.0 lets students' devices in)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--workers", type=positive, default=1,
                        help="server processes sharing the port (default 1); rooms then need --redis")
    parser.add_argument("--redis", type=redis_url, default=os.environ.get("BACKPROPLAB_REDIS_URL") or None,
                        metavar="URL", help="keep rooms in Redis, shared by every process (e.g. "
                                            "redis://localhost:6379/0; default: BACKPROPLAB_REDIS_URL, else memory)")
    parser.add_argument("--public-url", type=public_url, default=os.environ.get("BACKPROPLAB_PUBLIC_URL") or None,
                        metavar="URL", help="the address students open, when a reverse proxy or a container serves "
                                            "the app (used in rooms' follow URLs instead of this machine's "
                                            "addresses; default: BACKPROPLAB_PUBLIC_URL)")
    parser.add_argument("--dev", action="store_true",
                        help="development: read static files and templates from disk on every request "
                             "(one process only)")
    args = parser.parse_args(argv)
    if args.dev and args.workers != 1:
        parser.error("--dev runs one process: leave out --workers")
    return args


def lan_addresses() -> list[str]:
    """This machine's addresses that another device can reach: each interface's, less
    loopback and link-local ones (IPv4 first: they are the ones people type)."""
    found: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            text = ip.ip if isinstance(ip.ip, str) else ip.ip[0]
            try:
                address = ipaddress.ip_address(text.split("%")[0])
            except ValueError:
                continue
            if not (address.is_loopback or address.is_link_local or address.is_unspecified
                    or address.is_multicast) and address not in found:
                found.append(address)
    found.sort(key=lambda a: (a.version, a))
    return [str(a) for a in found]


def url_of(host: str, port: int) -> str:
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def addresses(args: argparse.Namespace) -> list[str]:
    """The URLs to print: where students open the app."""
    if args.host not in ALL_INTERFACES:
        return [url_of(args.host, args.port)]
    lan = [url_of(a, args.port) for a in lan_addresses() if args.host != "0.0.0.0" or ":" not in a]
    return lan


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    # Read by app.settings when uvicorn imports app.main in each process (after these lines).
    if args.dev:
        os.environ["BACKPROPLAB_DEV"] = "1"
    os.environ["BACKPROPLAB_WORKERS"] = str(args.workers)
    if args.redis:
        os.environ["BACKPROPLAB_REDIS_URL"] = args.redis
    if args.public_url:
        os.environ["BACKPROPLAB_PUBLIC_URL"] = args.public_url
    urls = addresses(args)
    if args.host in ALL_INTERFACES:
        os.environ["BACKPROPLAB_LAN_URLS"] = " ".join(urls)
        print(f"backproplab running at http://127.0.0.1:{args.port}/ on this machine  (Ctrl+C to stop)")
        if args.public_url:
            print(f"students open {args.public_url}")
        elif urls:
            print("students on this network open:", *[f"  {url}" for url in urls], sep="\n")
        else:
            print("no network address found besides this machine's own: students cannot reach it")
    else:
        print(f"backproplab running at {urls[0]}  (Ctrl+C to stop)")
        if args.public_url:
            print(f"students open {args.public_url}")
    if args.workers > 1 and not args.redis:
        print(f"rooms are off: {args.workers} processes need --redis URL to share them (pages work as usual)")
    print(end="", flush=True)
    uvicorn.run("app.main:app", host=args.host, port=args.port, workers=args.workers, log_level="warning")


if __name__ == "__main__":
    main()
