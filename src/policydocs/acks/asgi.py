"""ASGI entry point for uvicorn's worker processes (``policydocs acks serve --workers N``).

The CLI puts the project and database into the environment before uvicorn
starts (and where it listens, for the links); each worker builds its own
service (engine, pool) from them.
"""

from __future__ import annotations

import os

from .service import open_service
from .web import create_app

PROJECT_ENV = "POLICYDOCS_ACKS_PROJECT"
BACKGROUND_ENV = "POLICYDOCS_ACKS_BACKGROUND"
LISTEN_ENV = "POLICYDOCS_ACKS_LISTEN"  # where `serve` listens: links start there unless base_url is set


def create():
    """The application for one worker process."""
    service = open_service(os.environ.get(PROJECT_ENV, "."), listen=os.environ.get(LISTEN_ENV) or None)
    return create_app(service, background=os.environ.get(BACKGROUND_ENV, "1") == "1")
