"""The catalog stage of `verbatim bench server` alone, on a running server and a complete writer replica.

    PYTHONPATH=. .venv/bin/python docs/scripts/catalog_apps.py CHROMA_URL WORKDIR OUT.json

After a `verbatim bench server` run (WORKDIR ``.verbatim-scale``, its server started again on
``WORKDIR/chroma``): serves ``WORKDIR/writer`` as the catalog and starts 1, then 4, app processes
with ``--catalog-url``, as the bench does, without the hour of fill and the replica probe.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from lab.server_scale import catalog_apps
from qa.squad import load_squad

url, workdir, out = sys.argv[1], Path(sys.argv[2]).resolve(), Path(sys.argv[3])
questions = [q.question for q in load_squad(Path("../shared/data/squad-dev-v1.1.json")).questions]
out.write_text(json.dumps(catalog_apps(url, workdir, questions, [1, 4], print), indent=2) + "\n")
