"""``python -m dashboard [streamlit options]``: the dashboard's server.

The same as ``streamlit run dashboard/app.py``, except that the libraries the pages need
(polars, pyarrow, deltalake, plotly: about a second) are imported on a thread while the server
starts, instead of when the first visitor's page runs.
"""
from __future__ import annotations

import sys
import threading
from pathlib import Path

APP = Path(__file__).with_name("app.py")


def _preload() -> None:
    import dashboard.charts  # noqa: F401
    import dashboard.data  # noqa: F401
    import dashboard.present  # noqa: F401
    import plotly.graph_objects  # noqa: F401


def main(argv: list[str]) -> int:
    from streamlit.web import cli

    threading.Thread(target=_preload, name="preload", daemon=True).start()
    sys.argv = ["streamlit", "run", str(APP), *argv]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
