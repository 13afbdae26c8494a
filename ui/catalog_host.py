"""The catalog side of ``verbatim bench server``: one process serving its replica's ``/api/catalog``.

Run as ``python -m ui.catalog_host INDEX_DIR CHROMA_URL COLLECTION PORT``. It is the JSON API of
``verbatim serve`` (the same routes, the same service) without the chat and without indexing a
corpus folder at start: the bench fills the store directly, so there is no corpus to bring up to
date, and ``verbatim serve`` on an empty folder would remove every article.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from index.config import IndexConfig
from index.live import LiveIndex
from ui.api import install_errors, router
from ui.service import Service


def main() -> None:
    folder, url, collection, port = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    live = LiveIndex(IndexConfig(index_dir=folder, chroma_url=url, collection=collection))
    live.refresh(force=True)  # the replica is there already (an app built it); builds it otherwise
    with tempfile.TemporaryDirectory() as corpus:
        service = Service(live, Path(corpus))
        app = FastAPI()
        install_errors(app)
        app.include_router(router(service))
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
    live.close()


if __name__ == "__main__":
    main()
