"""The dispatcher's Plan and Live pages: server-rendered shells with their first paint as JSON."""
