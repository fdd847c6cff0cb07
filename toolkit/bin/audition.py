"""``toolkit audition MODEL``: a web page on this machine to pick a category, generate variations of it, listen
to them with their mel pictures and download one clip or a take as a zip (the recipe's layout + manifest)."""
from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

from toolkit.bin.app import command_parser, fail, user_errors
from toolkit.bin.synth import add_model_arguments, load_model

logger = logging.getLogger("toolkit")


def parser() -> argparse.ArgumentParser:
    from toolkit.audition.server import DEFAULT_HOST, DEFAULT_PORT

    p = command_parser("toolkit audition", __doc__)
    add_model_arguments(p)
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on [{DEFAULT_HOST}: this machine only]; another address lets other "
                        "machines in, without any login")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (0: any free one) [{DEFAULT_PORT}]")
    p.add_argument("--out", type=Path, help="keep the takes in this folder [a temporary folder, removed on exit]")
    return p


@user_errors
def main(argv: list[str] | None = None) -> int:
    from toolkit.audition import Audition, AuditionServer
    from toolkit.audition.server import is_loopback

    args = parser().parse_args(argv)
    if not is_loopback(args.host):
        logger.warning("--host %s: anyone who can reach this machine on port %d can use the app; it has no "
                       "login. Leave --host out to serve this machine only.", args.host, args.port)
    model = load_model(args)
    with tempfile.TemporaryDirectory(prefix="foley-audition-") as scratch:
        audition = Audition(model, args.out or scratch)
        try:
            server = AuditionServer(audition, args.host, args.port)
        except OSError as exc:
            audition.close()
            return fail(f"cannot listen on {args.host}:{args.port} ({exc.strerror}); choose another --port")
        print(f"Auditioning {model.source.name} at {server.url} (Ctrl+C to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
            audition.close()
        if args.out:
            print(f"takes kept in {args.out}")
    return 0


if __name__ == "__main__":
    from toolkit.log import setup_logging

    setup_logging()
    sys.exit(main())
