"""People and machines acting inside a business: users with roles, API keys, idempotency records."""
