"""python -m sales_dash: serve the dashboard with waitress."""

from .main import main

main()
