"""Entry point: `python dash/sales/app.py` (what mono dev runs), from any folder."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sales_dash.main import main

if __name__ == "__main__":
    main()
