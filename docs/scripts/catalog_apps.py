"""The catalog stage of `verbatim bench server` alone, on a running server and a complete writer replica.

    PYTHONPATH=. .venv/bin/python docs/scripts/catalog_apps.py CHROMA_URL WORKDIR OUT.json

After a `verbatim bench server` run (WORKDIR ``.verbatim-scale``, its server started again on
``WORKDIR/chroma``): serves ``WORKDIR/writer`` as the catalog and starts 1, then 4, app processes
with ``--catalog-url``, as the bench does, without the hour of fill and the replica probe.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from lab.chroma_server import free_port, stop_process
from lab.server_scale import _memory, _wait_healthy, apps
from qa.squad import load_squad

url, workdir, out = sys.argv[1], Path(sys.argv[2]).resolve(), Path(sys.argv[3])
questions = [q.question for q in load_squad(Path("../shared/data/squad-dev-v1.1.json")).questions]
port = free_port()
host = subprocess.Popen([sys.executable, "-m", "ui.catalog_host", str(workdir / "writer"), url, "scale", str(port)])
result: dict[str, Any] = {}
try:
    catalog = f"http://127.0.0.1:{port}"
    _wait_healthy(catalog, host)
    for count in (1, 4):
        result[f"apps_{count}"] = runs = apps(count, url, "scale", workdir, questions, catalog=catalog)
        result[f"catalog_host_after_apps_{count}"] = _memory(host.pid)
        print(count, [(r["errors"], r["ask_ms_p50"], r["ask_ms_p95"], r["open_seconds"]) for r in runs], flush=True)
finally:
    stop_process(host)
out.write_text(json.dumps(result, indent=2) + "\n")
