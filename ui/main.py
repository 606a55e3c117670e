"""The `dynascope` command: the desktop app, or the headless sandbox."""

from __future__ import annotations

import argparse
import sys


def _parser() -> argparse.ArgumentParser:
    from app import __version__

    p = argparse.ArgumentParser(
        prog="dynascope",
        description="Dynascope, a desktop DynamoDB table explorer.",
    )
    p.add_argument("--version", action="version", version=f"dynascope {__version__}")
    p.add_argument("--sandbox", action="store_true",
                   help="open straight onto the embedded local sandbox with demo tables")
    p.add_argument("--endpoint", metavar="URL",
                   help="open a local endpoint such as DynamoDB Local or LocalStack")
    p.add_argument("--region", default="us-east-1", help="region for --endpoint")
    sub = p.add_subparsers(dest="command")
    sb = sub.add_parser("sandbox", help="run the local sandbox without a window and print "
                                        "its endpoint URL (Ctrl-C stops it)")
    sb.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    sb.add_argument("--seed", type=int, default=None, help="seed of the demo data")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "sandbox":
        # Headless: no Qt is imported on this path.
        from app.demo_data import DEFAULT_SEED
        from app.sandbox import serve

        seed = DEFAULT_SEED if args.seed is None else args.seed
        return serve(port=args.port, seed=seed)

    from ui.application import run

    return run(sandbox=args.sandbox, endpoint=args.endpoint, region=args.region)


if __name__ == "__main__":
    sys.exit(main())
