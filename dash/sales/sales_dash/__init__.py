"""sales-dash: the Plotly Dash dashboard of daily sales, orders by status and
revenue by region, read from orders-api's reporting endpoints."""
