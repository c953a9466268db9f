"""`send-assistant serve [--host] [--port]`: the chat, helpline look-up and API on one port."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from assistant.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve the parents' chat, helpline look-up and JSON API")
    p.add_argument("--host", help="address to listen on (default: SEND_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default: SEND_PORT, 7860)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import uvicorn

    from assistant.web.app import build_app

    settings = settings.with_(host=args.host or settings.host, port=args.port or settings.port)
    app = build_app(settings)
    base = f"http://{settings.host}:{settings.port}"
    print(f"Serving the SEND assistant on {base}/chat/ (helpline look-up: {base}/helpline/, "
          f"API: {base}/docs). Press Ctrl+C to stop.", file=sys.stderr)
    # No access log: it would record every client's address; requests carry no question in
    # their URLs. Logging stays configured by the CLI.
    uvicorn.run(app, host=settings.host, port=settings.port, access_log=False, log_config=None,
                timeout_graceful_shutdown=5)
    return 0
