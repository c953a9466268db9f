"""`send-assistant serve [--host] [--port] [--workers N]`: the chat, helpline look-up and API on
one port.

One worker (the default) reads the index embedded in SEND_INDEX_DIR. More workers, the way past
one process, must share a Chroma server (SEND_CHROMA_HOST): the embedded index is not safe
across processes. Every worker follows the index and switches to a newly ingested one.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from assistant.errors import ConfigError
from assistant.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve the parents' chat, helpline look-up and JSON API")
    p.add_argument("--host", help="address to listen on (default: SEND_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default: SEND_PORT, 7860)")
    p.add_argument("--workers", type=int, default=1,
                   help="worker processes (more than 1 needs SEND_CHROMA_HOST)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import uvicorn

    settings = settings.with_(host=args.host or settings.host, port=args.port or settings.port)
    workers = int(args.workers or 1)
    if workers < 1:
        raise ConfigError("--workers must be 1 or more.")
    if workers > 1 and not settings.chroma_host:
        raise ConfigError(
            f"--workers {workers} needs a Chroma server: the embedded index is not safe across "
            "processes. Start one with `chroma run --host 127.0.0.1 --port 8000 --path "
            f"{settings.index_dir}` and set SEND_CHROMA_HOST=127.0.0.1, or serve with one worker."
        )
    base = f"http://{settings.host}:{settings.port}"
    print(f"Serving the SEND assistant on {base}/chat/ (helpline look-up: {base}/helpline/, "
          f"API: {base}/docs) with {workers} worker{'s' if workers > 1 else ''}. "
          "Press Ctrl+C to stop.", file=sys.stderr)
    # No access log: it would record every client's address; requests carry no question in
    # their URLs. Logging stays configured by the CLI. Forwarded addresses are the app's to
    # judge (SEND_TRUSTED_PROXIES), so uvicorn must not rewrite the client address itself.
    options: dict[str, Any] = {"host": settings.host, "port": settings.port, "access_log": False,
                               "log_config": None, "timeout_graceful_shutdown": 5,
                               "proxy_headers": False}
    if workers == 1:
        from assistant.web.app import build_app

        uvicorn.run(build_app(settings), **options)
    else:  # each worker process builds its own app from the environment
        os.environ["SEND_CHROMA_HOST"] = str(settings.chroma_host)
        uvicorn.run("assistant.web.app:create_app", factory=True, workers=workers, **options)
    return 0
