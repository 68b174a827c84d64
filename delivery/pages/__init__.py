"""The dispatcher dashboard's pages on the tenant host: Today, orders, fleet settings, reports."""
